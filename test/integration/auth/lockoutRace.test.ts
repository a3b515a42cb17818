/**
 * Lockout under concurrency (issue 7, points 3 and 4), against a listening server on SQLite and PostgreSQL.
 * 200 sockets are opened first, each holding its own sign-in flow and CSRF value, then one guess is written on
 * each at once. The audit log says which guesses were evaluated (a wrong password or code) and which were
 * refused unseen (locked, back-off): at most the configured limit may be evaluated, the right answer placed in
 * the middle of the burst is refused, and each lock is audited once.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { totpCode } from '../../helpers/login.js';
import { bothDatabases } from '../../helpers/databases.js';
import type { StoredAuditEvent } from '../../../src/store/repositories/audit.js';
import { burst, formPost, openLoginForm, openTotpForm, prepare, type RawResponse } from './raceClient.js';

const GENERIC = 'Incorrect username, password or code.';
const BURST = 200;
const MIDDLE = 100;
/** Back-off off (no delay), so the lock is the limit that matters. */
const lockLimits = { backoffAfter: 5, lockAfter: 10, baseDelayMs: 0, lockSeconds: 900, windowSeconds: 900, addressFactor: 5 };
/** Back-off after 3 failures, long before the lock. */
const backoffLimits = { backoffAfter: 3, lockAfter: 10, baseDelayMs: 60_000, lockSeconds: 900, windowSeconds: 900, addressFactor: 5 };
const REFUSED_UNSEEN = new Set(['locked', 'backoff']);

const alertText = (html: string) => /role="alert"[^>]*>([^<]+)</.exec(html)?.[1];
/** A distinct client address per socket (test `n`, socket `i`). */
const addr = (n: number, i: number) => `10.${n}.${i >> 8}.${i & 255}`;

async function auditOf(t: TestApp, type: string): Promise<StoredAuditEvent[]> {
  return t.ctx.store.audit.list({ type, limit: 5000 });
}

/** Attempts of `type` by `username` that reached the verify (not refused by lock or back-off). */
async function evaluated(t: TestApp, type: 'login.password' | 'login.mfa', username: string): Promise<StoredAuditEvent[]> {
  return (await auditOf(t, type)).filter((e) => e.username === username && !REFUSED_UNSEEN.has(e.reason ?? ''));
}

async function lockEvents(t: TestApp, key: string): Promise<number> {
  return (await auditOf(t, 'lockout.locked')).filter((e) => e.detail.key === key).length;
}

function assertNoServerError(res: RawResponse[]): void {
  const bad = res.filter((r) => r.status >= 500);
  assert.equal(bad.length, 0, `server errors: ${bad.map((r) => `${r.status} ${r.body.slice(0, 200)}`).join(' | ')}`);
}

/** A six-digit code that no step around `now` accepts. */
function wrongCode(now: number): string {
  const valid = new Set([-30_000, 0, 30_000].map((d) => totpCode(TEST_TOTP_SECRET, now + d)));
  let n = 123456;
  while (valid.has(String(n))) n++;
  return String(n);
}

for (const db of bothDatabases) {
  describe(`lockout under 200 concurrent guesses (${db})`, () => {
    let t: TestApp;
    let slow: TestApp;

    before(async () => {
      t = await startTestApp({ db, listen: true, overrides: { server: { trustProxy: true }, lockout: lockLimits } });
      slow = await startTestApp({ db, listen: true, overrides: { server: { trustProxy: true }, lockout: backoffLimits } });
      for (const username of ['ann', 'bea']) await createTestUser(t.ctx, { username, totpSecret: TEST_TOTP_SECRET });
      await createTestUser(slow.ctx, { username: 'cat', totpSecret: TEST_TOTP_SECRET });
    });
    after(async () => {
      await t.close();
      await slow.close();
    });

    test('passwords for one person: at most lockAfter evaluated, the right one in the middle refused, one lock event', async (c) => {
      const forms = await prepare(BURST, 8, (i) => openLoginForm(t.url, addr(1, i)));
      const res = await burst(t.url, forms.map((f, i) => formPost('/login/password', f, { username: 'ann', password: i === MIDDLE ? TEST_PASSWORD : 'wrong guess number ' + i })));
      assertNoServerError(res);
      const seen = await evaluated(t, 'login.password', 'ann');
      c.diagnostic(`${db}: ${seen.length} of ${BURST} password guesses evaluated (limit ${lockLimits.lockAfter})`);
      assert.ok(seen.length <= lockLimits.lockAfter, `${seen.length} guesses evaluated, limit ${lockLimits.lockAfter}`);
      assert.equal(seen.filter((e) => e.reason === 'wrong_password').length, lockLimits.lockAfter, 'the lock is reached');
      assert.equal(res[MIDDLE]!.status, 401, 'the right password after the limit is refused');
      assert.equal(alertText(res[MIDDLE]!.body), GENERIC);
      assert.equal(await lockEvents(t, 'user:ann'), 1, 'one lock, one event');
      const later = formPost('/login/password', await openLoginForm(t.url, addr(1, 250)), { username: 'ann', password: TEST_PASSWORD });
      assert.equal((await burst(t.url, [later]))[0]!.status, 401, 'the person stays locked');
    });

    test('TOTP codes after a correct password: at most lockAfter evaluated, the right code in the middle refused', async (c) => {
      const forms = await prepare(BURST, 4, (i) => openTotpForm(t.url, addr(2, i), 'bea', TEST_PASSWORD));
      const now = t.clock.now();
      const wrong = wrongCode(now);
      const res = await burst(t.url, forms.map((f, i) => formPost('/login/totp', f, { code: i === MIDDLE ? totpCode(TEST_TOTP_SECRET, now) : wrong })));
      assertNoServerError(res);
      const seen = await evaluated(t, 'login.mfa', 'bea');
      c.diagnostic(`${db}: ${seen.length} of ${BURST} TOTP codes evaluated (limit ${lockLimits.lockAfter})`);
      assert.ok(seen.length <= lockLimits.lockAfter, `${seen.length} codes evaluated, limit ${lockLimits.lockAfter}`);
      assert.equal(seen.filter((e) => e.reason === 'mismatch').length, lockLimits.lockAfter, 'the lock is reached');
      assert.equal(res[MIDDLE]!.status, 401, 'the right code after the limit is refused');
      assert.equal(alertText(res[MIDDLE]!.body), GENERIC);
      assert.equal(res.filter((r) => r.status === 303).length, 0, 'nobody signed in');
      assert.equal(await lockEvents(t, 'user:bea'), 1, 'one lock, one event');
    });

    test('many people from one address: at most addressFactor × lockAfter evaluated, one lock event for the address', async (c) => {
      const ip = addr(3, 1);
      const forms = await prepare(BURST, 8, () => openLoginForm(t.url, ip));
      const res = await burst(t.url, forms.map((f, i) => formPost('/login/password', f, { username: `sprayed${i}`, password: 'wrong wrong wrong' })));
      assertNoServerError(res);
      const limit = lockLimits.lockAfter * lockLimits.addressFactor;
      const seen = (await auditOf(t, 'login.password')).filter((e) => e.ip === ip && !REFUSED_UNSEEN.has(e.reason ?? ''));
      c.diagnostic(`${db}: ${seen.length} of ${BURST} guesses from one address evaluated (limit ${limit})`);
      assert.ok(seen.length <= limit, `${seen.length} guesses evaluated, limit ${limit}`);
      assert.equal(seen.length, limit, 'the address lock is reached');
      assert.equal(await lockEvents(t, `ip:${ip}`), 1, 'one lock, one event');
      assert.equal((await t.ctx.store.throttles.listLocked(t.clock.now())).filter((x) => x.key.startsWith('user:sprayed')).length, 0, 'no person is locked by refused attempts');
    });

    test('back-off holds under concurrency: at most backoffAfter evaluated, the rest wait with Retry-After', async (c) => {
      const forms = await prepare(BURST, 8, (i) => openLoginForm(slow.url, addr(4, i)));
      const res = await burst(slow.url, forms.map((f, i) => formPost('/login/password', f, { username: 'cat', password: 'wrong guess number ' + i })));
      assertNoServerError(res);
      const seen = await evaluated(slow, 'login.password', 'cat');
      c.diagnostic(`${db}: ${seen.length} of ${BURST} password guesses evaluated with back-off after ${backoffLimits.backoffAfter}`);
      assert.equal(seen.length, backoffLimits.backoffAfter);
      const waiting = res.filter((r) => r.status === 429);
      assert.equal(waiting.length, BURST - backoffLimits.backoffAfter);
      assert.ok(waiting.every((r) => Number(r.headers['retry-after']) >= 1), 'each back-off answer says how long to wait');
      assert.equal(await lockEvents(slow, 'user:cat'), 0);
    });
  });
}
