/**
 * Lockout and throttling on SQLite and PostgreSQL: back-off with Retry-After, temporary lock with the generic
 * message even for the right password and code, email alias on the same counter, only a complete sign-in
 * resets (a right password never clears second-factor failures), address counter, admin unlock through the API.
 * Concurrent guesses: lockoutRace.test.ts.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { csrfFrom, loginWithTotp, submitPassword, totpCode } from '../../helpers/login.js';
import { bothDatabases } from '../../helpers/databases.js';
import { createSoftAuthenticator } from '../../helpers/softAuthenticator.js';

const GENERIC = 'Incorrect username, password or code.';
const alertText = (html: string) => /role="alert"[^>]*>([^<]+)</.exec(html)?.[1];
const lockout = { backoffAfter: 3, lockAfter: 5, baseDelayMs: 1000, lockSeconds: 600, windowSeconds: 900 };
const json = { accept: 'application/json' };

/** A six-digit code that no step around `now` accepts. */
function wrongCode(now: number): string {
  const valid = new Set([-30_000, 0, 30_000].map((d) => totpCode(TEST_TOTP_SECRET, now + d)));
  let n = 314159;
  while (valid.has(String(n))) n++;
  return String(n);
}

for (const db of bothDatabases) {
  describe(`lockout (${db})`, () => {
    let t: TestApp;
    let ivyCodes: string[] = [];
    const agent = () => supertest.agent(t.app.server);
    /** One wrong password from `ip`, after waiting out any back-off. */
    const fail = async (username: string, ip: string) => {
      const res = await submitPassword(agent(), { username, password: 'definitely wrong password', ip });
      assert.equal(res.status, 401, `expected a plain failure, got ${res.status}`);
      t.clock.advance(60_000);
      return res;
    };

    before(async () => {
      t = await startTestApp({ db, overrides: { server: { trustProxy: true }, lockout } });
      for (const username of ['bob', 'dave', 'erin', 'frank', 'gina', 'hank']) {
        await createTestUser(t.ctx, { username, email: `${username}@example.com`, totpSecret: TEST_TOTP_SECRET });
      }
      await createTestUser(t.ctx, { username: 'root', totpSecret: TEST_TOTP_SECRET, groups: ['gatehouse-admins'] });
      await createTestUser(t.ctx, { username: 'plain', totpSecret: TEST_TOTP_SECRET });
      ivyCodes = (await createTestUser(t.ctx, { username: 'ivy', totpSecret: TEST_TOTP_SECRET, recoveryCodes: true })).recoveryCodes ?? [];
      await createTestUser(t.ctx, { username: 'jay' });
    });

    /** The password step from `ip` on a new agent, then the TOTP form's CSRF value. */
    const passwordThenMfa = async (username: string, ip: string) => {
      const a = agent();
      const pw = await submitPassword(a, { username, password: TEST_PASSWORD, ip });
      assert.equal(pw.status, 303, `password step from ${ip}: ${pw.status} ${alertText(pw.text) ?? ''}`);
      t.clock.advance(60_000);
      const mfa = await a.get('/login/mfa?factor=totp').set('x-forwarded-for', ip).expect(200);
      return { a, csrf: csrfFrom(mfa.text) };
    };
    const postCode = (a: supertest.Agent, ip: string, csrf: string, path: '/login/totp' | '/login/recovery', code: string) =>
      a.post(path).set('x-forwarded-for', ip).type('form').send({ _csrf: csrf, code });
    after(async () => { await t.close(); });

    test('back-off after backoffAfter failures: too_many_attempts with Retry-After, doubling', async () => {
      for (let i = 0; i < 3; i++) await submitPassword(agent(), { username: 'bob', password: 'wrong wrong wrong', ip: '10.0.0.1' });
      const early = await submitPassword(agent(), { username: 'bob', password: TEST_PASSWORD, ip: '10.0.0.1' });
      assert.equal(early.status, 429);
      assert.equal(early.headers['retry-after'], '1');
      assert.match(alertText(early.text) ?? '', /Too many attempts/);
      t.clock.advance(1000);
      await submitPassword(agent(), { username: 'bob', password: 'wrong wrong wrong', ip: '10.0.0.1' });
      const again = await submitPassword(agent(), { username: 'bob', password: TEST_PASSWORD, ip: '10.0.0.1' });
      assert.equal(again.status, 429);
      assert.equal(again.headers['retry-after'], '2');
      t.clock.advance(2000);
      const a = agent();
      const ok = await submitPassword(a, { username: 'bob', password: TEST_PASSWORD, ip: '10.0.0.1' });
      assert.equal(ok.status, 303, 'the right password after the wait passes');
      assert.equal((await t.ctx.store.throttles.get('user:bob'))?.failures, 4, 'a right password alone clears no failure');
      const mfa = await a.get('/login/mfa?factor=totp').set('x-forwarded-for', '10.0.0.1').expect(200);
      const done = await a.post('/login/totp').set('x-forwarded-for', '10.0.0.1').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
      assert.equal(done.status, 303);
      assert.equal(await t.ctx.store.throttles.get('user:bob'), undefined, 'a complete sign-in resets the person\'s counter');
    });

    test('locked: the right password gets the same generic message as a wrong one', async () => {
      for (let i = 0; i < 5; i++) await fail('dave', '10.0.0.2');
      const wrong = await submitPassword(agent(), { username: 'dave', password: 'definitely wrong password', ip: '10.0.0.2' });
      t.clock.advance(60_000);
      const right = await submitPassword(agent(), { username: 'dave', password: TEST_PASSWORD, ip: '10.0.0.2' });
      assert.equal(right.status, wrong.status);
      assert.equal(right.status, 401);
      assert.equal(alertText(right.text), GENERIC);
      assert.equal(alertText(wrong.text), GENERIC);
      const locked = await t.ctx.store.audit.list({ type: 'lockout.locked' });
      assert.ok(locked.some((e) => e.username === 'dave' && e.reason === 'user'));
      const attempts = await t.ctx.store.audit.list({ type: 'login.password', limit: 3 });
      assert.equal(attempts[0]?.reason, 'locked');
      // the lock is temporary
      t.clock.advance(lockout.lockSeconds * 1000 + 1);
      t.clock.advance(60_000 * 64);
      const later = await submitPassword(agent(), { username: 'dave', password: TEST_PASSWORD, ip: '10.0.0.2' });
      assert.equal(later.status, 303);
    });

    test('failed codes lock too; then the right code gets the generic message', async () => {
      const a = agent();
      assert.equal((await submitPassword(a, { username: 'frank', password: TEST_PASSWORD, ip: '10.0.0.3' })).status, 303);
      const mfa = await a.get('/login/mfa?factor=totp').set('x-forwarded-for', '10.0.0.3').expect(200);
      const csrf = csrfFrom(mfa.text);
      for (let i = 0; i < 5; i++) {
        const r = await a.post('/login/totp').set('x-forwarded-for', '10.0.0.3').type('form').send({ _csrf: csrf, code: '000000' === totpCode(TEST_TOTP_SECRET, t.clock.now()) ? '111111' : '000000' });
        assert.equal(r.status, 401);
        t.clock.advance(60_000);
      }
      const right = await a.post('/login/totp').set('x-forwarded-for', '10.0.0.3').type('form').send({ _csrf: csrf, code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
      assert.equal(right.status, 401);
      assert.equal(alertText(right.text), GENERIC);
    });

    test('a right password does not clear TOTP failures: password and four wrong codes per round, new address each round', async () => {
      const failuresOf = async () => (await t.ctx.store.throttles.get('user:hank'))?.failures ?? 0;
      let last: { a: supertest.Agent; csrf: string; ip: string } | undefined;
      let refused = 0;
      for (let round = 1; round <= 3; round++) {
        const ip = `10.1.0.${round}`;
        const before = await failuresOf();
        const { a, csrf } = await passwordThenMfa('hank', ip);
        assert.equal(await failuresOf(), before, `round ${round}: the right password keeps the ${before} earlier failures`);
        for (let i = 0; i < 4; i++) {
          const r = await postCode(a, ip, csrf, '/login/totp', wrongCode(t.clock.now()));
          assert.equal(r.status, 401);
          if (alertText(r.text) === GENERIC) refused++;
          t.clock.advance(60_000);
        }
        last = { a, csrf, ip };
        if (refused > 0) break;
      }
      const throttle = await t.ctx.store.throttles.get('user:hank');
      assert.equal(throttle?.failures, lockout.lockAfter, 'the person is locked at the configured count');
      assert.ok((throttle?.lockedUntil ?? 0) > t.clock.now());
      assert.equal(refused, 3, 'round 2: the 5th failure locks, the next three codes are refused unseen');
      const mismatches = (await t.ctx.store.audit.list({ type: 'login.mfa', limit: 500 })).filter((e) => e.username === 'hank' && e.reason === 'mismatch');
      assert.equal(mismatches.length, lockout.lockAfter, 'exactly lockAfter codes were checked');
      const right = await postCode(last!.a, last!.ip, last!.csrf, '/login/totp', totpCode(TEST_TOTP_SECRET, t.clock.now()));
      assert.equal(right.status, 401, 'the right code is refused while locked');
      assert.equal(alertText(right.text), GENERIC);
      assert.equal((await t.ctx.store.audit.list({ type: 'lockout.locked' })).filter((e) => e.detail.key === 'user:hank').length, 1);
    });

    test('recovery-code failures survive a right password too; a sign-in with a recovery code clears the counter', async () => {
      const failuresOf = async () => (await t.ctx.store.throttles.get('user:ivy'))?.failures ?? 0;
      const first = await passwordThenMfa('ivy', '10.2.0.1');
      for (let i = 0; i < 2; i++) {
        assert.equal((await postCode(first.a, '10.2.0.1', first.csrf, '/login/recovery', 'aaaa-bbbb-cccc')).status, 401);
        t.clock.advance(60_000);
      }
      const second = await passwordThenMfa('ivy', '10.2.0.2');
      assert.equal(await failuresOf(), 2, 'the right password keeps the recovery-code failures');
      assert.equal((await postCode(second.a, '10.2.0.2', second.csrf, '/login/totp', wrongCode(t.clock.now()))).status, 401);
      t.clock.advance(60_000);
      const third = await passwordThenMfa('ivy', '10.2.0.3');
      assert.equal(await failuresOf(), 3);
      const done = await postCode(third.a, '10.2.0.3', third.csrf, '/login/recovery', ivyCodes[0]!);
      assert.equal(done.status, 303, 'a recovery code completes the sign-in');
      assert.equal(await t.ctx.store.throttles.get('user:ivy'), undefined, 'the complete sign-in clears the counter');
    });

    test('security-key failures survive a right password; a sign-in with the key clears the counter', async () => {
      const key = createSoftAuthenticator({ rpId: 'localhost', origin: t.url });
      const failuresOf = async () => (await t.ctx.store.throttles.get('user:jay'))?.failures ?? 0;
      const enrol = agent();
      assert.equal((await submitPassword(enrol, { username: 'jay', password: TEST_PASSWORD, ip: '10.3.0.1' })).status, 303);
      const page = await enrol.get('/login/enroll/webauthn').expect(200);
      const enrolCsrf = csrfFrom(page.text);
      const regOptions = await enrol.post('/login/enroll/webauthn/options').set(json).set('x-csrf-token', enrolCsrf).send({}).expect(200);
      await enrol.post('/login/enroll/webauthn/verify').set(json).set('x-csrf-token', enrolCsrf).send({ response: key.register(regOptions.body), name: 'key' }).expect(200);
      t.clock.advance(60_000);
      const keyStep = async (ip: string, tweak?: { origin: string }) => {
        const a = agent();
        assert.equal((await submitPassword(a, { username: 'jay', password: TEST_PASSWORD, ip })).status, 303);
        const mfa = await a.get('/login/mfa').set('x-forwarded-for', ip).expect(200);
        const csrf = csrfFrom(mfa.text);
        const options = await a.post('/login/webauthn/options').set(json).set('x-forwarded-for', ip).set('x-csrf-token', csrf).send({}).expect(200);
        const res = await a.post('/login/webauthn/verify').set(json).set('x-forwarded-for', ip).set('x-csrf-token', csrf).send({ response: key.authenticate(options.body, tweak) });
        t.clock.advance(60_000);
        return res;
      };
      for (const ip of ['10.3.0.2', '10.3.0.3']) {
        const res = await keyStep(ip, { origin: 'https://evil.example' });
        assert.equal(res.status, 401);
        assert.equal(res.body.error.code, 'webauthn_failed');
      }
      assert.equal(await failuresOf(), 2, 'two key failures, each after a right password, both still counted');
      const ok = await keyStep('10.3.0.4');
      assert.equal(ok.status, 200);
      assert.equal(await t.ctx.store.throttles.get('user:jay'), undefined, 'the complete sign-in clears the counter');
    });

    test('the email address and the username share one counter (case-insensitive)', async () => {
      await fail('GINA@example.com', '10.0.0.4');
      await fail('Gina', '10.0.0.5');
      assert.equal((await t.ctx.store.throttles.get('user:gina'))?.failures, 2);
      assert.equal(await t.ctx.store.throttles.get('user:gina@example.com'), undefined);
    });

    test('unknown people back off exactly like known ones', async () => {
      for (let i = 0; i < 3; i++) await submitPassword(agent(), { username: 'ghost', password: 'wrong wrong wrong', ip: '10.0.0.6' });
      const res = await submitPassword(agent(), { username: 'ghost', password: 'wrong wrong wrong', ip: '10.0.0.6' });
      assert.equal(res.status, 429);
      assert.equal(res.headers['retry-after'], '1');
    });

    test('the client address has its own counter (5× the person\'s thresholds)', async () => {
      for (let i = 0; i < lockout.backoffAfter * 5; i++) {
        const r = await submitPassword(agent(), { username: `spray${i}`, password: 'wrong wrong wrong', ip: '10.0.0.7' });
        assert.equal(r.status, 401, `attempt ${i}`);
      }
      const res = await submitPassword(agent(), { username: 'plain', password: TEST_PASSWORD, ip: '10.0.0.7' });
      assert.equal(res.status, 429);
      const elsewhere = await submitPassword(agent(), { username: 'plain', password: TEST_PASSWORD, ip: '10.0.0.8' });
      assert.equal(elsewhere.status, 303);
    });

    test('an admin clears a lock through the API; others may not', async () => {
      for (let i = 0; i < 5; i++) await fail('erin', '10.0.0.9');
      const locked = await submitPassword(agent(), { username: 'erin', password: TEST_PASSWORD, ip: '10.0.0.10' });
      assert.equal(alertText(locked.text), GENERIC);

      t.clock.advance(30_000);
      const plain = await loginWithTotp(agent(), { username: 'plain', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
      const refused = await plain.agent.post('/api/v1/admin/users/erin/unlock').set('x-csrf-token', plain.csrf);
      assert.equal(refused.status, 403);
      assert.equal(refused.body.error.code, 'forbidden');

      const admin = await loginWithTotp(agent(), { username: 'root', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
      const noCsrf = await admin.agent.post('/api/v1/admin/users/erin/unlock');
      assert.equal(noCsrf.status, 403);
      assert.equal(noCsrf.body.error.code, 'csrf_invalid');
      const ok = await admin.agent.post('/api/v1/admin/users/erin/unlock').set('x-csrf-token', admin.csrf).expect(200);
      assert.deepEqual(ok.body, { username: 'erin', cleared: true });
      const missing = await admin.agent.post('/api/v1/admin/users/nobody/unlock').set('x-csrf-token', admin.csrf);
      assert.equal(missing.status, 404);

      const after = await submitPassword(agent(), { username: 'erin', password: TEST_PASSWORD, ip: '10.0.0.11' });
      assert.equal(after.status, 303);
      const cleared = await t.ctx.store.audit.list({ type: 'lockout.cleared' });
      assert.equal(cleared[0]?.username, 'erin');
      assert.equal(cleared[0]?.detail.by, 'root');
    });
  });
}
