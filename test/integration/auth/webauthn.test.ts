/**
 * Security keys and passkeys through the real endpoints, with the software authenticator: enrollment at first
 * login, sign-in, and the rejections — expired challenge, a challenge from another flow, replayed response,
 * counter regression (device flagged), cross-origin and wrong-origin ceremonies, missing CSRF header.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD } from '../../helpers/users.js';
import { csrfFrom, submitPassword } from '../../helpers/login.js';
import { createSoftAuthenticator, type SoftAuthenticator } from '../../helpers/softAuthenticator.js';

const json = { accept: 'application/json' };

describe('WebAuthn', () => {
  let t: TestApp;
  let key: SoftAuthenticator;
  const agent = () => supertest.agent(t.app.server);

  /** Password step, then the MFA page's CSRF value and fresh authentication options. */
  async function startKeyLogin(a: supertest.Agent) {
    assert.equal((await submitPassword(a, { username: 'kim', password: TEST_PASSWORD })).status, 303);
    const page = await a.get('/login/mfa').expect(200);
    assert.match(page.text, /data-webauthn="authenticate"/, 'the key is offered first (used last)');
    const csrf = csrfFrom(page.text);
    const options = await a.post('/login/webauthn/options').set(json).set('x-csrf-token', csrf).send({}).expect(200);
    return { csrf, options: options.body };
  }

  before(async () => {
    t = await startTestApp();
    key = createSoftAuthenticator({ rpId: 'localhost', origin: t.url });
    await createTestUser(t.ctx, { username: 'kim' });
  });
  after(async () => { await t.close(); });

  test('enrollment at first login with a security key, then recovery codes, then the portal', async () => {
    const a = agent();
    assert.equal((await submitPassword(a, { username: 'kim', password: TEST_PASSWORD })).status, 303);
    const page = await a.get('/login/enroll/webauthn').expect(200);
    const csrf = csrfFrom(page.text);
    const noHeader = await a.post('/login/enroll/webauthn/options').set(json).send({});
    assert.equal(noHeader.body.error.code, 'csrf_invalid');
    const options = await a.post('/login/enroll/webauthn/options').set(json).set('x-csrf-token', csrf).send({}).expect(200);
    assert.equal(options.body.rp.id, 'localhost');
    assert.equal(options.body.attestation, 'none');
    const done = await a.post('/login/enroll/webauthn/verify').set(json).set('x-csrf-token', csrf)
      .send({ response: key.register(options.body), name: '  Blue <key>  ' }).expect(200);
    assert.equal(done.body.redirect, '/login/recovery-codes');
    const codes = await a.get('/login/recovery-codes').expect(200);
    assert.equal((codes.text.match(/<li><code>[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}<\/code><\/li>/g) ?? []).length, 10);
    await a.post('/login/recovery-codes').type('form').send({ _csrf: csrfFrom(codes.text) }).expect(303).expect('location', '/');
    const account = await a.get('/account').expect(200);
    assert.match(account.text, /Blue &lt;key&gt;/, 'the name is trimmed and escaped');
    const [device] = await t.ctx.store.devices.listForUser((await t.ctx.store.users.findByUsername('kim'))!.id);
    const enrolled = (await t.ctx.store.audit.list({ type: 'enroll.webauthn' }))[0];
    assert.equal(enrolled?.outcome, 'success');
    assert.equal(enrolled?.deviceName, 'Blue <key>');
    assert.equal(enrolled?.deviceId, device?.id);
  });

  test('sign in with the key; the audit names the key', async () => {
    const a = agent();
    const { csrf, options } = await startKeyLogin(a);
    assert.equal(options.rpId, 'localhost');
    const res = await a.post('/login/webauthn/verify').set(json).set('x-csrf-token', csrf).send({ response: key.authenticate(options) }).expect(200);
    assert.equal(res.body.redirect, '/');
    await a.get('/account').expect(200);
    const ev = (await t.ctx.store.audit.list({ type: 'login.mfa' }))[0];
    assert.equal(ev?.outcome, 'success');
    assert.equal(ev?.factor, 'webauthn');
    assert.equal(ev?.deviceName, 'Blue <key>');
    assert.ok(ev?.deviceId);
  });

  test('an expired challenge is refused', async () => {
    const a = agent();
    const { csrf, options } = await startKeyLogin(a);
    t.clock.advance(t.ctx.config.auth.webauthnChallengeTtlSeconds * 1000 + 1000);
    const res = await a.post('/login/webauthn/verify').set(json).set('x-csrf-token', csrf).send({ response: key.authenticate(options) });
    assert.equal(res.status, 401);
    assert.equal(res.body.error.code, 'webauthn_failed');
    await t.ctx.store.throttles.clear('user:kim');
  });

  test('a challenge issued to another flow is refused, and a response works only once', async () => {
    const a = agent();
    const b = agent();
    const first = await startKeyLogin(a);
    const second = await startKeyLogin(b);
    const signedForA = key.authenticate(first.options);
    const foreign = await b.post('/login/webauthn/verify').set(json).set('x-csrf-token', second.csrf).send({ response: signedForA });
    assert.equal(foreign.status, 401);
    assert.equal(foreign.body.error.code, 'webauthn_failed');
    // A's own flow accepts it once (its counter is still ahead)…
    await a.post('/login/webauthn/verify').set(json).set('x-csrf-token', first.csrf).send({ response: signedForA }).expect(200);
    // …and the same response into yet another flow is refused.
    const c = agent();
    const third = await startKeyLogin(c);
    const replay = await c.post('/login/webauthn/verify').set(json).set('x-csrf-token', third.csrf).send({ response: signedForA });
    assert.equal(replay.body.error.code, 'webauthn_failed');
    await t.ctx.store.throttles.clear('user:kim');
  });

  test('cross-origin and other-origin ceremonies are refused', async () => {
    for (const tweak of [{ crossOrigin: true }, { origin: 'https://evil.example' }, { rpId: 'evil.example' }]) {
      const a = agent();
      const { csrf, options } = await startKeyLogin(a);
      const res = await a.post('/login/webauthn/verify').set(json).set('x-csrf-token', csrf).send({ response: key.authenticate(options, tweak) });
      assert.equal(res.status, 401, JSON.stringify(tweak));
      assert.equal(res.body.error.code, 'webauthn_failed');
      await t.ctx.store.throttles.clear('user:kim');
    }
  });

  test('a counter regression (cloned key) is refused and flags the device', async () => {
    const a = agent();
    const { csrf, options } = await startKeyLogin(a);
    const res = await a.post('/login/webauthn/verify').set(json).set('x-csrf-token', csrf).send({ response: key.authenticate(options, { counterOverride: 1 }) });
    assert.equal(res.status, 401);
    const kim = (await t.ctx.store.users.findByUsername('kim'))!;
    const [device] = await t.ctx.store.devices.listForUser(kim.id);
    assert.equal(device?.flagged, true);
    const ev = (await t.ctx.store.audit.list({ type: 'login.mfa' }))[0];
    assert.equal(ev?.reason, 'counter_regression');
    assert.equal(ev?.deviceId, device?.id);
    // a flagged key is no longer offered
    const b = agent();
    assert.equal((await submitPassword(b, { username: 'kim', password: TEST_PASSWORD })).status, 303);
    const page = await b.get('/login/mfa').expect(200);
    assert.doesNotMatch(page.text, /data-webauthn/);
  });

  test('the browser bundle is served from node_modules as JavaScript', async () => {
    const res = await supertest(t.app.server).get('/public/vendor/simplewebauthn-browser.js').expect(200);
    assert.match(String(res.headers['content-type']), /javascript/);
    assert.match(res.text, /SimpleWebAuthnBrowser/);
    const glue = await supertest(t.app.server).get('/public/webauthn.js').expect(200);
    assert.match(glue.text, /startAuthentication\(\{ optionsJSON/);
  });
});
