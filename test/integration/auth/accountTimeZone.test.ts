/**
 * A person's time zone at /account (both databases): the select offers the default and every zone; saving one
 * stores it, audits before and after, and every time on the page is then shown in it (UTC in the title); the
 * default again clears it; a zone that is none is refused next to its field (aria-invalid, aria-describedby), with
 * nothing stored; the form needs the page's CSRF token. The configured `ui.timeZone` applies to people without one.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { bothDatabases } from '../../helpers/databases.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { loginWithTotp } from '../../helpers/login.js';

const timesIn = (html: string) => [...html.matchAll(/<time datetime="([^"]+)" title="([^"]+)">([^<]+)<\/time>/g)].map((m) => ({ iso: m[1]!, utc: m[2]!, text: m[3]! }));
const selected = (html: string) => /<select id="time-zone" name="time_zone"[^>]*>[\s\S]*?<option value="([^"]*)" selected>/.exec(html)?.[1];

for (const db of bothDatabases) describe(`time zone on /account (${db})`, () => {
  let t: TestApp;
  const created = Date.UTC(2026, 0, 15, 12, 30, 0);
  const login = () => { t.clock.advance(30_000); return loginWithTotp(supertest.agent(t.app.server), { username: 'alice', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() }); };
  const zoneOfAlice = async () => (await t.ctx.store.users.findByUsername('alice'))!.timeZone;

  before(async () => {
    t = await startTestApp({ db, overrides: { ui: { timeZone: 'America/New_York' } } });
    t.clock.set(created);
    await createTestUser(t.ctx, { username: 'alice', totpSecret: TEST_TOTP_SECRET, deviceName: 'Phone' });
  });
  after(async () => { await t.close(); });

  test('without a zone of their own, times show in ui.timeZone; the select offers the default and every zone', async () => {
    const { agent } = await login();
    const page = await agent.get('/account').expect(200);
    const [added] = timesIn(page.text);
    assert.deepEqual(added, { iso: new Date(created).toISOString(), utc: '2026-01-15 12:30:00 UTC', text: '15 Jan 2026, 07:30 GMT-5' });
    assert.equal(selected(page.text), '', 'the default is chosen');
    assert.match(page.text, /<option value="" selected>Default \(America\/New_York\)<\/option>/);
    assert.match(page.text, /<option value="Europe\/Berlin">Europe\/Berlin<\/option>/);
    assert.match(page.text, /<option value="America\/Los_Angeles">America\/Los Angeles<\/option>/);
    assert.match(page.text, /<label for="time-zone">Show times in<\/label>/);
  });

  test('saving a zone stores it, audits before and after, and the page shows times in it', async () => {
    const { agent, csrf } = await login();
    await agent.post('/account/time-zone').type('form').send({ _csrf: csrf, time_zone: 'Asia/Kolkata' }).expect(303).expect('location', '/account?done=time-zone');
    assert.equal(await zoneOfAlice(), 'Asia/Kolkata');
    const page = await agent.get('/account?done=time-zone').expect(200);
    assert.match(page.text, /role="status">Your time zone is saved\./);
    assert.equal(selected(page.text), 'Asia/Kolkata');
    assert.deepEqual(timesIn(page.text)[0], { iso: new Date(created).toISOString(), utc: '2026-01-15 12:30:00 UTC', text: '15 Jan 2026, 18:00 GMT+5:30' });
    const [event] = await t.ctx.store.audit.list({ type: 'user.time_zone_changed' });
    assert.equal(event?.username, 'alice');
    assert.deepEqual(event?.detail, { by: 'alice', before: null, after: 'Asia/Kolkata' });
    await agent.post('/account/time-zone').type('form').send({ _csrf: csrf, time_zone: 'Asia/Kolkata' }).expect(303);
    assert.equal((await t.ctx.store.audit.list({ type: 'user.time_zone_changed' })).length, 1, 'the same zone again changes nothing and records nothing');
  });

  test('a zone that is none is refused next to its field; nothing is stored', async () => {
    const { agent, csrf } = await login();
    const res = await agent.post('/account/time-zone').type('form').send({ _csrf: csrf, time_zone: 'Mars/Olympus_Mons' }).expect(400);
    assert.match(res.text, /role="alert"[^>]*>time_zone: must be an IANA time zone/);
    assert.match(res.text, /<p class="field-error" id="time-zone-error"><span class="visually-hidden">Error: <\/span>must be an IANA time zone[^<]*<\/p>/);
    assert.match(res.text, /<select id="time-zone" name="time_zone" aria-describedby="time-zone-hint time-zone-error" aria-invalid="true">/);
    assert.equal(await zoneOfAlice(), 'Asia/Kolkata');
    const tooLong = await agent.post('/account/time-zone').type('form').send({ _csrf: csrf, time_zone: 'A'.repeat(65) }).expect(400);
    assert.match(tooLong.text, /aria-invalid="true"/);
    assert.equal(await zoneOfAlice(), 'Asia/Kolkata');
  });

  test('the form needs the page\'s CSRF token', async () => {
    const { agent } = await login();
    const res = await agent.post('/account/time-zone').type('form').send({ _csrf: 'wrong', time_zone: 'UTC' });
    assert.equal(res.status, 403);
    assert.equal(await zoneOfAlice(), 'Asia/Kolkata');
  });

  test('the default again clears it (audited), and times follow ui.timeZone once more', async () => {
    const { agent, csrf } = await login();
    await agent.post('/account/time-zone').type('form').send({ _csrf: csrf, time_zone: '' }).expect(303);
    assert.equal(await zoneOfAlice(), null);
    assert.equal(timesIn((await agent.get('/account').expect(200)).text)[0]?.text, '15 Jan 2026, 07:30 GMT-5');
    const [event] = await t.ctx.store.audit.list({ type: 'user.time_zone_changed' });
    assert.deepEqual(event?.detail, { by: 'alice', before: 'Asia/Kolkata', after: null });
  });
});
