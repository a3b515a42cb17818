/**
 * The login flow through real pages: password → (mfa | enroll-mfa) → done, on SQLite and PostgreSQL.
 * Rejections: skipped password step, replayed TOTP (also two concurrent submits), old flow tokens, expiry,
 * unknown users, password-only state reaching anything else.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { cookieSet, csrfFrom, loginWithTotp, submitPassword, totpCode } from '../../helpers/login.js';
import { bothDatabases } from '../../helpers/databases.js';

const json = { accept: 'application/json' };

/**
 * A person who passed the password step only: our pages and the admin API answer `code`; the portal and SAML
 * endpoints (another surface) at least never answer 200 or an assertion — they send the browser to /login.
 */
async function expectOnly(agent: supertest.Agent, code: 'mfa_required' | 'enrollment_required'): Promise<void> {
  for (const path of ['/account', '/login/step-up?factor=webauthn', '/account/devices/x/remove']) {
    const res = await agent.get(path).set(json);
    assert.equal(res.status, 403, path);
    assert.equal(res.body.error?.code, code, path);
  }
  for (const path of ['/api/v1/admin/users/alice/unlock', '/api/v1/admin/users/alice/enrollment-link', '/account/recovery-codes', '/account/devices/add']) {
    const res = await agent.post(path).set(json).send({});
    assert.equal(res.status, 403, path);
    assert.equal(res.body.error?.code, code, path);
  }
  for (const path of ['/', '/saml/sso', '/saml/sso?SAMLRequest=x']) {
    const res = await agent.get(path);
    assert.ok(res.status >= 300 && res.status !== 304, `${path} answered ${res.status}`);
    if (res.status < 400) assert.match(String(res.headers.location), /^\/login/, path);
    assert.doesNotMatch(res.text, /SAMLResponse/);
  }
}

for (const db of bothDatabases) {
  describe(`login flow (${db})`, () => {
    let t: TestApp;
    const fresh = () => supertest.agent(t.app.server);
    before(async () => {
      t = await startTestApp({ db, overrides: { server: { trustProxy: true } } });
      await createTestUser(t.ctx, { username: 'alice', email: 'alice@example.com', totpSecret: TEST_TOTP_SECRET, deviceName: 'Alice phone' });
      await createTestUser(t.ctx, { username: 'newbie' });
      await createTestUser(t.ctx, { username: 'carol', totpSecret: TEST_TOTP_SECRET });
    });
    after(async () => { await t.close(); });

    test('password then TOTP signs in and returns to the local path asked for', async () => {
      t.clock.advance(30_000);
      const r = await loginWithTotp(fresh(), { username: 'alice', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now(), returnTo: '/saml/sso?x=1' });
      assert.equal(r.location, '/saml/sso?x=1');
    });

    test('the email address works as login', async () => {
      t.clock.advance(30_000);
      const r = await loginWithTotp(fresh(), { username: 'ALICE@example.com', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
      assert.equal(r.location, '/');
    });

    test('return_to that is not a local path falls back to /', async () => {
      for (const bad of ['//evil.example', '/\\evil.example', 'https://evil.example/', 'javascript:alert(1)']) {
        t.clock.advance(30_000);
        const r = await loginWithTotp(fresh(), { username: 'alice', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now(), returnTo: bad });
        assert.equal(r.location, '/', bad);
      }
    });

    test('unknown user and wrong password get the same status and message', async () => {
      const wrong = await submitPassword(fresh(), { username: 'alice', password: 'not the password at all', ip: '10.1.0.1' });
      const unknown = await submitPassword(fresh(), { username: 'nobody-here', password: 'not the password at all', ip: '10.1.0.2' });
      assert.equal(wrong.status, 401);
      assert.equal(unknown.status, 401);
      const msg = (html: string) => /role="alert"[^>]*>([^<]+)</.exec(html)?.[1];
      assert.equal(msg(wrong.text), 'Incorrect username, password or code.');
      assert.equal(msg(unknown.text), msg(wrong.text));
      await t.ctx.store.throttles.clear('user:alice');
    });

    test('skipping the password step: posting a code to a fresh flow is refused', async () => {
      const agent = fresh();
      const page = await agent.get('/login').expect(200);
      const res = await agent.post('/login/totp').set(json).send({ _csrf: csrfFrom(page.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'flow_invalid');
      const rec = await agent.post('/login/recovery').set(json).send({ _csrf: csrfFrom(page.text), code: 'aaaa-bbbb-cccc' });
      assert.equal(rec.body.error.code, 'flow_invalid');
      await agent.get('/account').expect(303).expect('location', '/login?return_to=%2Faccount');
    });

    test('posting a code with no flow at all is refused', async () => {
      const res = await fresh().post('/login/totp').set(json).send({ _csrf: 'x', code: '123456' });
      assert.equal(res.body.error.code, 'flow_invalid');
    });

    test('the flow token changes on every step, and the old one is useless', async () => {
      const agent = fresh();
      const page = await agent.get('/login').expect(200);
      const flow0 = cookieSet(page, 'gatehouse_flow');
      assert.ok(flow0);
      const pw = await agent.post('/login/password').type('form').send({ _csrf: csrfFrom(page.text), username: 'alice', password: TEST_PASSWORD }).expect(303);
      const flow1 = cookieSet(pw, 'gatehouse_flow');
      assert.ok(flow1 && flow1 !== flow0);
      // the pre-step token (and its CSRF value) no longer names a flow
      const replay = await supertest(t.app.server).post('/login/password').set('cookie', `gatehouse_flow=${flow0}`).set(json)
        .send({ _csrf: csrfFrom(page.text), username: 'alice', password: TEST_PASSWORD });
      assert.equal(replay.body.error.code, 'flow_invalid');
      const mfa = await agent.get('/login/mfa').expect(200);
      assert.notEqual(csrfFrom(mfa.text), csrfFrom(page.text), 'a new CSRF value after the step');
      assert.match(mfa.text, /<a href="\/login">Cancel and start again<\/a>/, 'a sign-in\'s Cancel starts again');
    });

    test('a replayed TOTP code is refused', async () => {
      t.clock.advance(30_000);
      await loginWithTotp(fresh(), { username: 'alice', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
      const agent = fresh();
      assert.equal((await submitPassword(agent, { username: 'alice', password: TEST_PASSWORD })).status, 303);
      const mfa = await agent.get('/login/mfa?factor=totp').expect(200);
      const res = await agent.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
      assert.equal(res.status, 401);
      assert.match(res.text, /already been used/);
      const events = await t.ctx.store.audit.list({ type: 'login.mfa' });
      const replayed = events.find((e) => e.reason === 'replayed');
      assert.ok(replayed);
      assert.equal(replayed.deviceName, 'Alice phone');
      assert.ok(replayed.deviceId);
      await t.ctx.store.throttles.clear('user:alice');
    });

    test('two concurrent submits of the same code: exactly one signs in', async () => {
      t.clock.advance(30_000);
      const a = fresh();
      const b = fresh();
      assert.equal((await submitPassword(a, { username: 'alice', password: TEST_PASSWORD })).status, 303);
      assert.equal((await submitPassword(b, { username: 'alice', password: TEST_PASSWORD })).status, 303);
      const pa = await a.get('/login/mfa?factor=totp').expect(200);
      const pb = await b.get('/login/mfa?factor=totp').expect(200);
      const code = totpCode(TEST_TOTP_SECRET, t.clock.now());
      const results = await Promise.all([
        a.post('/login/totp').type('form').send({ _csrf: csrfFrom(pa.text), code }),
        b.post('/login/totp').type('form').send({ _csrf: csrfFrom(pb.text), code }),
      ]);
      const ok = results.filter((r) => r.status === 303);
      assert.equal(ok.length, 1, `statuses ${results.map((r) => r.status).join(',')}`);
      assert.ok(cookieSet(ok[0]!, 'gatehouse_session'));
      const loser = results.find((r) => r.status !== 303)!;
      assert.equal(loser.status, 401);
      assert.equal(cookieSet(loser, 'gatehouse_session'), undefined);
      await t.ctx.store.throttles.clear('user:alice');
    });

    test('two concurrent submits of one flow step: exactly one passes the compare-and-set', async () => {
      const agent = fresh();
      const page = await agent.get('/login').expect(200);
      const form = { _csrf: csrfFrom(page.text), username: 'alice', password: TEST_PASSWORD };
      const [r1, r2] = await Promise.all([agent.post('/login/password').type('form').send(form), agent.post('/login/password').type('form').send(form)]);
      assert.deepEqual([r1.status, r2.status].sort(), [303, 400]);
    });

    test('an expired flow says start again', async () => {
      const agent = fresh();
      const page = await agent.get('/login').expect(200);
      t.clock.advance(t.ctx.config.auth.flowTtlSeconds * 1000 + 1);
      const res = await agent.post('/login/password').type('form').send({ _csrf: csrfFrom(page.text), username: 'alice', password: TEST_PASSWORD });
      assert.equal(res.status, 410);
      assert.match(res.text, /Start again/);
      assert.match(res.text, /flow_expired/);
    });

    test('a person without a device can only enroll: password-only state reaches nothing else', async () => {
      const agent = fresh();
      const pw = await submitPassword(agent, { username: 'newbie', password: TEST_PASSWORD });
      assert.equal(pw.status, 303);
      assert.equal(pw.headers.location, '/login/enroll');
      assert.equal(cookieSet(pw, 'gatehouse_session'), undefined, 'no session before a second factor');
      await expectOnly(agent, 'enrollment_required');
      const html = await agent.get('/account');
      assert.equal(html.status, 403);
      assert.match(html.text, /enrollment_required/);
      await agent.get('/login/enroll').expect(200);
      await agent.get('/login/enroll/totp').expect(200);
    });

    test('a person between password and code reaches nothing but the MFA page', async () => {
      const agent = fresh();
      assert.equal((await submitPassword(agent, { username: 'carol', password: TEST_PASSWORD })).status, 303);
      await expectOnly(agent, 'mfa_required');
      await agent.get('/login/enroll').set(json).expect(400);
      await agent.get('/login/mfa').expect(200);
    });

    test('signing in while signed in (ForceAuthn) starts a new session and ends the old one', async () => {
      t.clock.advance(30_000);
      const agent = fresh();
      await loginWithTotp(agent, { username: 'alice', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
      await agent.get('/login?return_to=/account').expect(303).expect('location', '/account');
      t.clock.advance(30_000);
      const page = await agent.get('/login?force=1&return_to=/account').expect(200);
      assert.match(page.text, /Sign in/);
    });
  });
}

describe('enrollment at first login turned off', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ overrides: { auth: { enrollAtFirstLogin: false } } });
    await createTestUser(t.ctx, { username: 'newbie' });
  });
  after(async () => { await t.close(); });

  test('a person without a device is told to ask for an enrollment link', async () => {
    const agent = supertest.agent(t.app.server);
    const res = await submitPassword(agent, { username: 'newbie', password: TEST_PASSWORD });
    assert.equal(res.status, 403);
    assert.match(res.text, /enrollment link/);
    assert.match(res.text, /enrollment_required/);
    await agent.get('/login/enroll').set(json).expect(400);
  });
});
