/**
 * /account: devices with kind, name, added and last use; adding a device (TOTP) and removing one after
 * re-authentication; the last device stays; the device limit; new recovery codes; a recovery code signs in
 * once; audit events name the device.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { csrfFrom, enrollTotpThroughPages, loginWithTotp, submitPassword } from '../../helpers/login.js';

const codesIn = (html: string) => [...html.matchAll(/<li><code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})<\/code><\/li>/g)].map((m) => m[1]!);

describe('account', () => {
  let t: TestApp;
  const agent = () => supertest.agent(t.app.server);
  const login = (username: string) => { t.clock.advance(30_000); return loginWithTotp(agent(), { username, password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() }); };

  before(async () => {
    t = await startTestApp({ overrides: { auth: { maxDevices: 2 } } });
    await createTestUser(t.ctx, { username: 'alice', totpSecret: TEST_TOTP_SECRET, deviceName: 'Old phone', recoveryCodes: true });
    await createTestUser(t.ctx, { username: 'solo', totpSecret: TEST_TOTP_SECRET, deviceName: 'Only phone' });
  });
  after(async () => { await t.close(); });

  test('lists devices with kind, name, added and last use', async () => {
    const { agent: a } = await login('alice');
    const page = await a.get('/account').expect(200);
    assert.match(page.text, /Old phone/);
    assert.match(page.text, /Authenticator app/);
    assert.match(page.text, /<time datetime="\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z" title="\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC">\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC<\/time>/);
    assert.match(page.text, /You have <strong>10<\/strong> unused recovery codes/);
  });

  test('adds a second authenticator app right after signing in (no password needed), audited by name and id', async () => {
    const { agent: a, csrf } = await login('alice');
    await a.post('/account/devices/add').type('form').send({ _csrf: csrf, kind: 'totp' }).expect(303).expect('location', '/login/enroll/totp');
    const { res } = await enrollTotpThroughPages(a, t.clock, 'New phone');
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/account?done=added', 'not the first device: no new recovery codes');
    const page = await a.get('/account?done=added').expect(200);
    assert.match(page.text, /New phone/);
    assert.match(page.text, /role="status">Your new device is ready/);
    const ev = (await t.ctx.store.audit.list({ type: 'enroll.totp' }))[0];
    const alice = (await t.ctx.store.users.findByUsername('alice'))!;
    const added = (await t.ctx.store.devices.listForUser(alice.id)).find((d) => d.name === 'New phone');
    assert.equal(ev?.outcome, 'success');
    assert.equal(ev?.deviceName, 'New phone');
    assert.equal(ev?.deviceId, added?.id);
    assert.equal(ev?.detail.purpose, 'add-device');
  });

  test('the device limit holds', async () => {
    const { agent: a, csrf } = await login('alice');
    const res = await a.post('/account/devices/add').type('form').send({ _csrf: csrf, kind: 'totp' });
    assert.equal(res.status, 409);
    assert.match(res.text, /the most allowed/);
  });

  test('removing a device after 5 minutes needs the password again; audited by name and id', async () => {
    const { agent: a, csrf } = await login('alice');
    const alice = (await t.ctx.store.users.findByUsername('alice'))!;
    const device = (await t.ctx.store.devices.listForUser(alice.id)).find((d) => d.name === 'New phone')!;
    t.clock.advance(6 * 60_000);
    const confirm = await a.get(`/account/devices/${device.id}/remove`).expect(200);
    assert.match(confirm.text, /autocomplete="current-password"/);
    const without = await a.post(`/account/devices/${device.id}/remove`).type('form').send({ _csrf: csrf });
    assert.equal(without.status, 401);
    const wrong = await a.post(`/account/devices/${device.id}/remove`).type('form').send({ _csrf: csrf, password: 'not my password at all' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /Incorrect username, password or code/);
    assert.equal((await t.ctx.store.devices.listForUser(alice.id)).length, 2);
    await a.post(`/account/devices/${device.id}/remove`).type('form').send({ _csrf: csrf, password: TEST_PASSWORD }).expect(303).expect('location', '/account?done=removed');
    assert.equal((await t.ctx.store.devices.listForUser(alice.id)).length, 1);
    const ev = (await t.ctx.store.audit.list({ type: 'device.removed' }))[0];
    assert.equal(ev?.deviceName, 'New phone');
    assert.equal(ev?.deviceId, device.id);
    assert.equal(ev?.factor, 'totp');
    const reauth = await t.ctx.store.audit.list({ type: 'login.password', limit: 3 });
    assert.equal(reauth[0]?.detail.purpose, 'reauth');
  });

  test('the last device cannot be removed', async () => {
    const { agent: a, csrf } = await login('solo');
    const solo = (await t.ctx.store.users.findByUsername('solo'))!;
    const [device] = await t.ctx.store.devices.listForUser(solo.id);
    const page = await a.get('/account').expect(200);
    assert.doesNotMatch(page.text, /\/remove"/, 'no remove link for the only device');
    const res = await a.post(`/account/devices/${device!.id}/remove`).type('form').send({ _csrf: csrf });
    assert.equal(res.status, 409);
    assert.match(res.text, /only device/);
    assert.equal((await t.ctx.store.devices.listForUser(solo.id)).length, 1);
  });

  test('someone else\'s device is not found', async () => {
    const { agent: a, csrf } = await login('solo');
    const alice = (await t.ctx.store.users.findByUsername('alice'))!;
    const [device] = await t.ctx.store.devices.listForUser(alice.id);
    const res = await a.post(`/account/devices/${device!.id}/remove`).set('accept', 'application/json').type('form').send({ _csrf: csrf });
    assert.equal(res.status, 404);
  });

  test('new recovery codes replace the old; a recovery code signs in once', async () => {
    const { agent: a, csrf } = await login('alice');
    const res = await a.post('/account/recovery-codes').type('form').send({ _csrf: csrf }).expect(200);
    const codes = codesIn(res.text);
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    const ev = (await t.ctx.store.audit.list({ type: 'recovery.regenerated' }))[0];
    assert.equal(ev?.username, 'alice');
    assert.doesNotMatch(JSON.stringify(await t.ctx.store.audit.list({ limit: 500 })), new RegExp(codes[0]!), 'codes never reach the audit log');

    const useCode = async (code: string) => {
      const b = agent();
      assert.equal((await submitPassword(b, { username: 'alice', password: TEST_PASSWORD })).status, 303);
      const mfa = await b.get('/login/mfa?factor=recovery').expect(200);
      assert.match(mfa.text, /Recovery code/);
      return b.post('/login/recovery').type('form').send({ _csrf: csrfFrom(mfa.text), code });
    };
    const first = await useCode(codes[0]!.toUpperCase());
    assert.equal(first.status, 303, 'codes are case-insensitive');
    const again = await useCode(codes[0]!);
    assert.equal(again.status, 401);
    assert.match(again.text, /not valid or was used already/);
    const used = (await t.ctx.store.audit.list({ type: 'login.recovery' }));
    assert.equal(used[1]?.outcome, 'success');
    assert.equal(used[1]?.detail.remaining, 9);
    assert.equal(used[0]?.outcome, 'failure');
    assert.equal(used[0]?.reason, 'unknown_or_used');
  });

  test('the MFA page offers the factor used last, with links to the others', async () => {
    const a = agent();
    assert.equal((await submitPassword(a, { username: 'alice', password: TEST_PASSWORD })).status, 303);
    const mfa = await a.get('/login/mfa').expect(200);
    assert.match(mfa.text, /autocomplete="one-time-code"/);
    assert.match(mfa.text, /href="\/login\/mfa\?factor=recovery"/);
  });
});
