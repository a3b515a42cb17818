/**
 * Sessions: cookie attributes (HttpOnly, SameSite=Lax; __Host- and Secure under https), a new id after every
 * step (flow tokens, the session, ForceAuthn, step-up), logout ending the session on the server, idle and
 * absolute expiry with the injected clock.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { cookieSet, csrfFrom, loginWithTotp, setCookies, submitPassword, totpCode } from '../../helpers/login.js';
import { hashToken } from '../../../src/auth/tokens.js';

describe('session cookies over https', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ overrides: { server: { baseUrl: 'https://idp.example.com' } } });
    await createTestUser(t.ctx, { username: 'alice', totpSecret: TEST_TOTP_SECRET });
  });
  after(async () => { await t.close(); });

  test('flow and session cookies are __Host-, Secure, HttpOnly, SameSite=Lax, Path=/, no Domain', async () => {
    const jar = new Map<string, string>();
    const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const keep = (res: { headers: Record<string, unknown> }) => { for (const c of setCookies(res)) if (c.value) jar.set(c.name, c.value); };
    const form = (o: Record<string, string>) => new URLSearchParams(o).toString();
    const page = await t.app.inject({ url: '/login' });
    keep(page);
    const all = [...setCookies(page)];
    const pw = await t.app.inject({ method: 'POST', url: '/login/password', headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: csrfFrom(page.body), username: 'alice', password: TEST_PASSWORD }) });
    assert.equal(pw.statusCode, 303);
    keep(pw);
    const mfa = await t.app.inject({ url: '/login/mfa', headers: { cookie: cookie() } });
    const done = await t.app.inject({ method: 'POST', url: '/login/totp', headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' }, payload: form({ _csrf: csrfFrom(mfa.body), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) }) });
    assert.equal(done.statusCode, 303);
    all.push(...setCookies(done));
    const session = all.find((c) => c.name === '__Host-gatehouse_session');
    const flow = all.find((c) => c.name === '__Host-gatehouse_flow');
    assert.ok(session, 'session cookie is __Host-gatehouse_session');
    assert.ok(flow, 'flow cookie is __Host-gatehouse_flow');
    for (const c of [session, flow]) {
      assert.equal(c.attributes.secure, true, c.name);
      assert.equal(c.attributes.httponly, true, c.name);
      assert.equal(String(c.attributes.samesite).toLowerCase(), 'lax', c.name);
      assert.equal(c.attributes.path, '/', c.name);
      assert.equal(c.attributes.domain, undefined, c.name);
    }
    assert.equal(all.some((c) => c.name === 'gatehouse_session'), false);
    assert.equal(String(done.headers['strict-transport-security']).includes('max-age'), true);
  });
});

describe('sessions', () => {
  let t: TestApp;
  const agent = () => supertest.agent(t.app.server);
  const login = (a = agent()) => { t.clock.advance(30_000); return loginWithTotp(a, { username: 'alice', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() }); };

  before(async () => {
    t = await startTestApp({ overrides: { session: { absoluteSeconds: 3600, idleSeconds: 1800 } } });
    await createTestUser(t.ctx, { username: 'alice', totpSecret: TEST_TOTP_SECRET, deviceName: 'Phone' });
  });
  after(async () => { await t.close(); });

  test('over http the cookies are HttpOnly and SameSite=Lax without the __Host- prefix', async () => {
    const page = await agent().get('/login').expect(200);
    const c = setCookies(page).find((x) => x.name === 'gatehouse_flow');
    assert.ok(c);
    assert.equal(c.attributes.httponly, true);
    assert.equal(String(c.attributes.samesite).toLowerCase(), 'lax');
    assert.equal(c.attributes.secure, undefined);
  });

  test('the session is stored only as a hash of the cookie, with the factors and device used', async () => {
    const a = agent();
    assert.equal((await submitPassword(a, { username: 'alice', password: TEST_PASSWORD })).status, 303);
    const mfa = await a.get('/login/mfa').expect(200);
    t.clock.advance(30_000);
    const done = await a.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) }).expect(303);
    const id = cookieSet(done, 'gatehouse_session');
    assert.ok(id);
    assert.equal(await t.ctx.store.sessions.find(id), undefined);
    const rec = await t.ctx.store.sessions.find(hashToken(id));
    assert.deepEqual(rec?.factors, ['password', 'totp']);
    assert.equal(rec?.authMethod, 'totp');
    const devices = await t.ctx.store.devices.listForUser(rec!.userId);
    assert.equal(rec?.deviceId, devices[0]?.id);
    assert.equal(cookieSet(done, 'gatehouse_flow'), '', 'the flow cookie is cleared when done');
  });

  test('logout ends the session on the server: the old cookie no longer works', async () => {
    const { agent: a, csrf } = await login();
    const noCsrf = await a.post('/logout').type('form').send({});
    assert.equal(noCsrf.status, 403);
    const out = await a.post('/logout').type('form').send({ _csrf: csrf }).expect(303);
    assert.equal(out.headers.location, '/login?signed_out=1');
    assert.equal(cookieSet(out, 'gatehouse_session'), '');
    await a.get('/account').expect(303);
    const ev = (await t.ctx.store.audit.list({ type: 'logout' }))[0];
    assert.equal(ev?.username, 'alice');
  });

  test('GET /logout shows a confirmation with a CSRF-protected form and signs nobody out', async () => {
    const { agent: a } = await login();
    const page = await a.get('/logout').expect(200);
    assert.match(page.text, /<form method="post" action="\/logout">/);
    await a.get('/account').expect(200);
    await a.post('/logout').type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
    await a.get('/account').expect(303);
    await supertest(t.app.server).get('/logout').expect(303).expect('location', '/login');
  });

  test('a replayed session cookie after logout is refused (captured from Set-Cookie)', async () => {
    const a = agent();
    assert.equal((await submitPassword(a, { username: 'alice', password: TEST_PASSWORD })).status, 303);
    const mfa = await a.get('/login/mfa').expect(200);
    t.clock.advance(30_000);
    const done = await a.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) }).expect(303);
    const old = cookieSet(done, 'gatehouse_session')!;
    const page = await supertest(t.app.server).get('/account').set('cookie', `gatehouse_session=${old}`).expect(200);
    await supertest(t.app.server).post('/logout').set('cookie', `gatehouse_session=${old}`).type('form').send({ _csrf: csrfFrom(page.text) }).expect(303);
    await supertest(t.app.server).get('/account').set('cookie', `gatehouse_session=${old}`).expect(303).expect('location', '/login?return_to=%2Faccount');
  });

  test('idle expiry: 30 minutes without a request ends the session', async () => {
    const { agent: a } = await login();
    t.clock.advance(29 * 60_000);
    await a.get('/account').expect(200);
    t.clock.advance(29 * 60_000);
    await a.get('/account').expect(200);
    t.clock.advance(30 * 60_000 + 1);
    await a.get('/account').expect(303);
  });

  test('absolute expiry: the session ends after its lifetime even when busy', async () => {
    const { agent: a } = await login();
    for (let i = 0; i < 2; i++) {
      t.clock.advance(25 * 60_000);
      await a.get('/account').expect(200);
    }
    t.clock.advance(11 * 60_000);
    await a.get('/account').expect(303);
  });

  test('ForceAuthn: signing in again replaces the session with a new id; the old one ends', async () => {
    const a = agent();
    assert.equal((await submitPassword(a, { username: 'alice', password: TEST_PASSWORD })).status, 303);
    let mfa = await a.get('/login/mfa').expect(200);
    t.clock.advance(30_000);
    const first = cookieSet(await a.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) }).expect(303), 'gatehouse_session')!;
    await a.get('/login?return_to=%2Faccount').expect(303).expect('location', '/account');
    const forced = await a.get('/login?force=1&return_to=%2Faccount').expect(200);
    await a.post('/login/password').type('form').send({ _csrf: csrfFrom(forced.text), username: 'alice', password: TEST_PASSWORD }).expect(303);
    mfa = await a.get('/login/mfa').expect(200);
    t.clock.advance(30_000);
    const res = await a.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) }).expect(303);
    assert.equal(res.headers.location, '/account');
    const second = cookieSet(res, 'gatehouse_session')!;
    assert.notEqual(second, first);
    assert.equal(await t.ctx.store.sessions.find(hashToken(first)), undefined);
    assert.ok(await t.ctx.store.sessions.find(hashToken(second)));
  });

  test('step-up: one more factor rotates the session id and adds the factor', async () => {
    const { agent: a } = await login();
    const noKey = await a.get('/login/step-up?factor=webauthn&return_to=/account').set('accept', 'application/json');
    assert.equal(noKey.status, 403);
    assert.equal(noKey.body.error.code, 'enrollment_required');
    const start = await a.get('/login/step-up?factor=totp&return_to=/account').expect(303);
    assert.equal(start.headers.location, '/login/mfa?factor=totp');
    const mfa = await a.get('/login/mfa?factor=totp').expect(200);
    assert.doesNotMatch(mfa.text, /recovery code/i, 'step-up offers only the factor asked for');
    t.clock.advance(30_000);
    const done = await a.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) }).expect(303);
    assert.equal(done.headers.location, '/account');
    const rotated = cookieSet(done, 'gatehouse_session');
    assert.ok(rotated);
    const rec = await t.ctx.store.sessions.find(hashToken(rotated));
    assert.deepEqual(rec?.factors, ['password', 'totp']);
    await a.get('/account').expect(200);
    // a step-up flow belongs to the session that started it: another signed-in browser cannot finish it
    const { sessionId: otherSession } = await login();
    const stepUp = await a.get('/login/step-up?factor=totp&return_to=/').expect(303);
    const flowToken = cookieSet(stepUp, 'gatehouse_flow');
    assert.ok(flowToken);
    const mfa2 = await a.get('/login/mfa?factor=totp').expect(200);
    t.clock.advance(30_000);
    const res = await supertest(t.app.server).post('/login/totp').set('cookie', `gatehouse_session=${otherSession}; gatehouse_flow=${flowToken}`).set('accept', 'application/json').type('form')
      .send({ _csrf: csrfFrom(mfa2.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, 'flow_invalid');
    assert.match(res.body.error.message, /does not belong to your session/);
  });
});
