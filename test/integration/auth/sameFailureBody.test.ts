/**
 * Every JSON endpoint that takes a password or a factor answers a locked person, an unknown person and a wrong
 * password with the same body apart from the request id (issue 8): the reason goes to the log and the audit
 * (GatehouseError.detail), never to the client. Endpoints: the password step (`/login` with
 * Accept: application/json), the TOTP step, WebAuthn options and verify, and the password asked again on /account.
 * No /api/v1 endpoint takes a password yet.
 *
 * At a second-factor step the person has already given the right password: there, being locked gets the same
 * generic body whatever is entered (the right code or key too), while a wrong code while not locked is
 * `factor_rejected` with its own message (and, like every error, no `detail`).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { csrfFrom, loginWithTotp, submitPassword, totpCode } from '../../helpers/login.js';
import { bothDatabases } from '../../helpers/databases.js';
import { createSoftAuthenticator, type SoftAuthenticator } from '../../helpers/softAuthenticator.js';

const GENERIC_BODY = { error: { code: 'invalid_credentials', message: 'Incorrect username, password or code.' } };
const lockout = { backoffAfter: 3, lockAfter: 5, baseDelayMs: 1000, lockSeconds: 600, windowSeconds: 900 };
const json = { accept: 'application/json' };
type Res = { status: number; body: { error?: Record<string, unknown> }; headers: Record<string, unknown> };

/** The body without its request id, after checking that the id is the response's own. */
function withoutRequestId(res: Res): unknown {
  assert.ok(res.body.error, `expected a JSON error body, got ${res.status} ${JSON.stringify(res.body)}`);
  const { requestId, ...rest } = res.body.error;
  assert.equal(requestId, res.headers['x-request-id']);
  return { error: rest };
}

for (const db of bothDatabases) {
  describe(`one failure body for locked, unknown and wrong (${db})`, () => {
    let t: TestApp;
    let key: SoftAuthenticator;
    const agent = () => supertest.agent(t.app.server);

    /** The password step as a JSON client: the login page for the flow, then POST /login. */
    const passwordJson = async (a: supertest.Agent, username: string, password: string, ip: string) => {
      const page = await a.get('/login').set('x-forwarded-for', ip).expect(200);
      return a.post('/login').set(json).set('x-forwarded-for', ip).type('form').send({ _csrf: csrfFrom(page.text), username, password });
    };
    /** A flow of `username` waiting at the MFA step (right password from `ip`), with the MFA page's CSRF value. */
    const atMfa = async (username: string, ip: string, factor: 'totp' | 'webauthn') => {
      const a = agent();
      assert.equal((await submitPassword(a, { username, password: TEST_PASSWORD, ip })).status, 303);
      const page = await a.get(`/login/mfa?factor=${factor}`).set('x-forwarded-for', ip).expect(200);
      return { a, ip, csrf: csrfFrom(page.text) };
    };
    type AtMfa = Awaited<ReturnType<typeof atMfa>>;
    const totpJson = (m: AtMfa, code: string) => m.a.post('/login/totp').set(json).set('x-forwarded-for', m.ip).type('form').send({ _csrf: m.csrf, code });
    const keyOptions = (m: AtMfa) => m.a.post('/login/webauthn/options').set(json).set('x-forwarded-for', m.ip).set('x-csrf-token', m.csrf).send({});
    const keyVerify = (m: AtMfa, response: unknown) => m.a.post('/login/webauthn/verify').set(json).set('x-forwarded-for', m.ip).set('x-csrf-token', m.csrf).send({ response });
    /** A change on /account that asks for the password again (the session is older than 5 minutes). */
    const reauthJson = (s: { agent: supertest.Agent; csrf: string }, password: string, ip: string) =>
      s.agent.post('/account/recovery-codes').set(json).set('x-forwarded-for', ip).set('x-csrf-token', s.csrf).type('form').send({ password });

    before(async () => {
      t = await startTestApp({ db, overrides: { server: { trustProxy: true }, lockout } });
      await createTestUser(t.ctx, { username: 'kim', totpSecret: TEST_TOTP_SECRET });
      const lou = await createTestUser(t.ctx, { username: 'lou' });
      // lou: a security key through forced enrollment, then an authenticator app as well.
      key = createSoftAuthenticator({ rpId: 'localhost', origin: t.url });
      const enrol = agent();
      assert.equal((await submitPassword(enrol, { username: 'lou', password: TEST_PASSWORD, ip: '10.9.0.1' })).status, 303);
      const page = await enrol.get('/login/enroll/webauthn').expect(200);
      const enrolCsrf = csrfFrom(page.text);
      const regOptions = await enrol.post('/login/enroll/webauthn/options').set(json).set('x-csrf-token', enrolCsrf).send({}).expect(200);
      await enrol.post('/login/enroll/webauthn/verify').set(json).set('x-csrf-token', enrolCsrf).send({ response: key.register(regOptions.body), name: 'key' }).expect(200);
      const id = randomUUID();
      await t.ctx.store.devices.create({
        id, userId: lou.user.id, kind: 'totp', name: 'Phone', secretEnc: t.ctx.secrets.seal(TEST_TOTP_SECRET, id), lastStep: null,
        credentialId: null, publicKey: null, counter: null, transports: [], confirmed: true, createdAt: t.clock.now(),
      });
    });
    after(async () => { await t.close(); });

    test('password, TOTP, security key and re-authentication: the same body', async () => {
      // Before the lock: lou and kim signed in (for /account), and lou's flows waiting at the MFA step.
      t.clock.advance(30_000);
      const louSession = await loginWithTotp(agent(), { username: 'lou', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
      t.clock.advance(30_000);
      const kimSession = await loginWithTotp(agent(), { username: 'kim', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
      const louTotp = await atMfa('lou', '10.9.1.1', 'totp');
      const louKey = await atMfa('lou', '10.9.1.2', 'webauthn');
      const kimTotp = await atMfa('kim', '10.9.1.3', 'totp');

      // lou is locked after lockAfter wrong passwords.
      for (let i = 0; i < lockout.lockAfter; i++) {
        const r = await passwordJson(agent(), 'lou', 'definitely wrong password', '10.9.2.1');
        assert.equal(r.status, 401);
        t.clock.advance(60_000);
      }
      assert.ok((await t.ctx.store.throttles.get('user:lou'))?.lockedUntil, 'lou is locked');

      const now = t.clock.now();
      const rightCode = totpCode(TEST_TOTP_SECRET, now);
      const wrongCode = rightCode === '000000' ? '111111' : '000000';
      const lockedOptions = await keyOptions(louKey);
      assert.equal(lockedOptions.status, 200, 'asking for a challenge does not tell a locked person apart');
      const answers: [string, Res][] = [
        ['unknown person, password step', await passwordJson(agent(), 'nobody', 'some password here', '10.9.3.1')],
        ['wrong password, password step', await passwordJson(agent(), 'kim', 'definitely wrong password', '10.9.3.2')],
        ['locked, right password', await passwordJson(agent(), 'lou', TEST_PASSWORD, '10.9.3.3')],
        ['locked, wrong password', await passwordJson(agent(), 'lou', 'definitely wrong password', '10.9.3.4')],
        ['locked, right TOTP code', await totpJson(louTotp, rightCode)],
        ['locked, wrong TOTP code', await totpJson(louTotp, wrongCode)],
        ['locked, right security key', await keyVerify(louKey, key.authenticate(lockedOptions.body))],
        ['locked, key from another origin', await keyVerify(louKey, key.authenticate(lockedOptions.body, { origin: 'https://evil.example' }))],
        ['locked, re-authentication with the right password', await reauthJson(louSession, TEST_PASSWORD, '10.9.3.5')],
        ['locked, re-authentication with a wrong password', await reauthJson(louSession, 'definitely wrong password', '10.9.3.6')],
        ['wrong password, re-authentication', await reauthJson(kimSession, 'definitely wrong password', '10.9.3.7')],
      ];
      for (const [what, res] of answers) {
        assert.equal(res.status, 401, `${what}: ${res.status} ${JSON.stringify(res.body)}`);
        assert.deepEqual(withoutRequestId(res), GENERIC_BODY, what);
      }
      assert.equal(new Set(answers.map(([, r]) => r.body.error?.requestId)).size, answers.length, 'each answer has its own request id');

      // The audit still knows why.
      const reasons = (await t.ctx.store.audit.list({ type: 'login.password', limit: 50 })).map((e) => `${e.username}:${e.reason}`);
      for (const r of ['nobody:unknown_user', 'kim:wrong_password', 'lou:locked']) assert.ok(reasons.includes(r), `audit has ${r}: ${reasons.join(', ')}`);

      // Not locked, a wrong code is refused with its own message, and nothing more.
      const wrong = await totpJson(kimTotp, wrongCode);
      assert.equal(wrong.status, 401);
      assert.deepEqual(withoutRequestId(wrong), { error: { code: 'factor_rejected', message: 'That code is not correct. Check the time on your device and try the newest code.' } });
    });
  });
}
