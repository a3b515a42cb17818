/**
 * A stolen session guessing the current password at /account/password (issue 11), against a listening server on
 * SQLite and PostgreSQL: 200 guesses written at once, each from its own address, all with the one session. The
 * guesses count against the person like sign-in attempts: at most `lockout.lockAfter` are evaluated, the right
 * password in the middle of the burst is refused, the lock is audited once, the person's sign-in is locked too,
 * and the password is unchanged.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { bothDatabases } from '../../helpers/databases.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { loginWithTotp, submitPassword } from '../../helpers/login.js';
import { verifyPassword } from '../../../src/auth/password.js';
import { burst, formPost, type HeldForm } from './raceClient.js';

const BURST = 200;
const MIDDLE = 100;
const NEW_PASSWORD = 'lantern orbit marmalade quietly';
/** Back-off off (no delay), so the lock is the limit that matters. */
const lockLimits = { backoffAfter: 5, lockAfter: 10, baseDelayMs: 0, lockSeconds: 900, windowSeconds: 900, addressFactor: 5 };
const REFUSED_UNSEEN = new Set(['locked', 'backoff']);
const alertText = (html: string) => /role="alert"[^>]*>([^<]+)</.exec(html)?.[1];

for (const db of bothDatabases) {
  describe(`password change under 200 concurrent wrong current passwords (${db})`, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp({ db, listen: true, overrides: { server: { trustProxy: true }, lockout: lockLimits } });
      await createTestUser(t.ctx, { username: 'ann', totpSecret: TEST_TOTP_SECRET });
    });
    after(async () => { await t.close(); });

    test('at most lockAfter guesses evaluated, the right one in the middle refused, one lock, sign-in locked too', async (c) => {
      const { sessionId, csrf, agent } = await loginWithTotp(supertest.agent(t.app.server), { username: 'ann', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
      const forms: HeldForm[] = Array.from({ length: BURST }, (_, i) => ({ cookie: `gatehouse_session=${sessionId}`, csrf, ip: `10.9.${i >> 8}.${i & 255}` }));
      const res = await burst(t.url, forms.map((f, i) => formPost('/account/password', f, {
        current_password: i === MIDDLE ? TEST_PASSWORD : `wrong guess number ${i}`, password: NEW_PASSWORD, confirm: NEW_PASSWORD,
      })));
      const bad = res.filter((r) => r.status >= 500);
      assert.equal(bad.length, 0, `server errors: ${bad.map((r) => `${r.status} ${r.body.slice(0, 200)}`).join(' | ')}`);

      const attempts = (await t.ctx.store.audit.list({ type: 'login.password', limit: 5000 })).filter((e) => e.username === 'ann' && e.detail.purpose === 'password-change');
      assert.equal(attempts.length, BURST, 'every guess is audited');
      const seen = attempts.filter((e) => !REFUSED_UNSEEN.has(e.reason ?? ''));
      c.diagnostic(`${db}: ${seen.length} of ${BURST} current-password guesses evaluated (limit ${lockLimits.lockAfter})`);
      assert.ok(seen.length <= lockLimits.lockAfter, `${seen.length} guesses evaluated, limit ${lockLimits.lockAfter}`);
      assert.equal(seen.filter((e) => e.reason === 'wrong_password').length, lockLimits.lockAfter, 'the lock is reached');
      assert.equal(res.filter((r) => r.status === 303).length, 0, 'no guess reached the second step');
      assert.equal(res[MIDDLE]!.status, 401, 'the right password after the limit is refused');
      assert.match(alertText(res[MIDDLE]!.body) ?? '', /^Current password:/);
      const locks = (await t.ctx.store.audit.list({ type: 'lockout.locked', limit: 100 })).filter((e) => e.detail.key === 'user:ann');
      assert.equal(locks.length, 1, 'one lock, one event');

      const ann = (await t.ctx.store.users.findByUsername('ann'))!;
      assert.ok(await verifyPassword(ann.passwordHash!, TEST_PASSWORD), 'the password is unchanged');
      await agent.get('/account').expect(200);
      t.clock.advance(30_000);
      const signIn = await submitPassword(supertest.agent(t.app.server), { username: 'ann', password: TEST_PASSWORD, ip: '10.10.0.1' });
      assert.equal(signIn.status, 401, 'the person is locked for sign-in as well');
    });
  });
}
