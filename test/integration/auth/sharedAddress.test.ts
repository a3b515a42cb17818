/**
 * One office behind one address (issue 11, "Per-address limits do not lock out an office"), with the default
 * lockout settings, on SQLite and PostgreSQL: one person's failures, back-off and lock do not slow anyone else
 * at that address until the address's own limit (lockout.addressFactor × the person's) is reached; then it holds
 * for everyone there, and only there. Also the back-off message's grammar.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { csrfFrom, submitPassword, totpCode } from '../../helpers/login.js';
import { bothDatabases } from '../../helpers/databases.js';
import { backoffError } from '../../../src/auth/lockout.js';

const OFFICE = '203.0.113.10';
const alertText = (html: string) => /role="alert"[^>]*>([^<]+)</.exec(html)?.[1];

describe('the back-off message', () => {
  test('says "1 second" and "2 seconds"', () => {
    assert.equal(backoffError(1).message, 'Too many attempts. Wait 1 second and try again.');
    assert.equal(backoffError(2).message, 'Too many attempts. Wait 2 seconds and try again.');
    assert.deepEqual(backoffError(1).publicDetail, { retryAfterSeconds: 1 });
  });
});

for (const db of bothDatabases) {
  describe(`a shared address (${db})`, () => {
    let t: TestApp;
    const agent = () => supertest.agent(t.app.server);

    before(async () => {
      t = await startTestApp({ db, overrides: { server: { trustProxy: true } } });
      for (const username of ['amy', 'ben', 'cat', 'dan', 'eve', 'fay']) await createTestUser(t.ctx, { username, totpSecret: TEST_TOTP_SECRET });
    });
    after(async () => { await t.close(); });

    /** Password then TOTP from the office for `username`, at the current time; each step's status. */
    const signIn = async (username: string) => {
      const a = agent();
      const pw = await submitPassword(a, { username, password: TEST_PASSWORD, ip: OFFICE });
      if (pw.status !== 303) return { password: pw.status, totp: undefined, text: alertText(pw.text) };
      const mfa = await a.get('/login/mfa?factor=totp').set('x-forwarded-for', OFFICE).expect(200);
      const done = await a.post('/login/totp').set('x-forwarded-for', OFFICE).type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
      return { password: pw.status, totp: done.status, text: alertText(done.text) };
    };

    test('a second person signs in without delay right after the first was locked, from the same address', async () => {
      const { lockAfter } = t.ctx.config.lockout;
      // amy keeps guessing as fast as she is let, through her back-off and on past her lock
      let backoffs = 0;
      for (let i = 0; i < 60; i++) {
        const r = await submitPassword(agent(), { username: 'amy', password: 'not her password at all', ip: OFFICE });
        if (r.status === 429) {
          backoffs++;
          const wait = Number(r.headers['retry-after']);
          if ((await t.ctx.store.throttles.get('user:amy'))?.lockedUntil == null) t.clock.advance(wait * 1000);
        } else {
          assert.equal(r.status, 401);
        }
      }
      const amy = await t.ctx.store.throttles.get('user:amy');
      assert.equal(amy?.failures, lockAfter);
      assert.ok((amy?.lockedUntil ?? 0) > t.clock.now(), 'amy is locked');
      assert.ok(backoffs > 0, 'amy went through back-off on the way');
      assert.equal((await submitPassword(agent(), { username: 'amy', password: TEST_PASSWORD, ip: OFFICE })).status, 401, 'amy stays locked');

      // at the same moment, from the same address: ben signs in, and even a typo of his is a plain failure
      const ben = await signIn('ben');
      assert.deepEqual(ben, { password: 303, totp: 303, text: undefined }, 'ben is neither delayed nor locked');
      const typo = await submitPassword(agent(), { username: 'cat', password: 'a typo', ip: OFFICE });
      assert.equal(typo.status, 401);
      t.clock.advance(30_000);
      assert.deepEqual(await signIn('cat'), { password: 303, totp: 303, text: undefined }, 'cat signs in after her typo');
      const audits = await t.ctx.store.audit.list({ type: 'lockout.locked' });
      assert.deepEqual(audits.map((e) => e.reason), ['user'], 'only amy was locked, never the address');
    });

    /** `username` guesses from the office as fast as allowed until locked (waiting out each back-off). */
    const lockOut = async (username: string) => {
      for (let i = 0; i < 40 && (await t.ctx.store.throttles.get(`user:${username}`))?.lockedUntil == null; i++) {
        const r = await submitPassword(agent(), { username, password: 'not the password at all', ip: OFFICE });
        if (r.status === 429) t.clock.advance(Number(r.headers['retry-after']) * 1000);
        else assert.equal(r.status, 401);
      }
      assert.ok(((await t.ctx.store.throttles.get(`user:${username}`))?.lockedUntil ?? 0) > t.clock.now(), `${username} is locked`);
    };

    test('failures older than the window are forgotten at the address even while others keep signing in there', async () => {
      t.clock.advance(t.ctx.config.lockout.windowSeconds * 1000 + 1);
      // three people are locked in turn, 20 minutes apart; meanwhile ben signs in every 5 minutes: 3 × lockAfter
      // failures at the address in all, more than its back-off threshold, but never within one window
      for (const username of ['dan', 'eve', 'fay']) {
        await lockOut(username);
        for (let i = 0; i <= 4; i++) {
          if (i > 0) t.clock.advance(5 * 60_000);
          assert.deepEqual(await signIn('ben'), { password: 303, totp: 303, text: undefined }, `ben after ${username} was locked`);
        }
      }
    });

    test('the address limit itself still holds: for everyone at that address, and only there', async () => {
      t.clock.advance(t.ctx.config.lockout.windowSeconds * 1000 + 1);
      const { backoffAfter, addressFactor } = t.ctx.config.lockout;
      for (let i = 0; i < backoffAfter * addressFactor; i++) {
        const r = await submitPassword(agent(), { username: `spray${i}`, password: 'wrong wrong wrong', ip: OFFICE });
        assert.equal(r.status, 401, `attempt ${i}`);
      }
      const slowed = await submitPassword(agent(), { username: 'ben', password: TEST_PASSWORD, ip: OFFICE });
      assert.equal(slowed.status, 429, 'the address is in back-off');
      assert.equal(slowed.headers['retry-after'], '1');
      assert.equal(alertText(slowed.text), 'Too many attempts. Wait 1 second and try again.');
      const elsewhere = await submitPassword(agent(), { username: 'ben', password: TEST_PASSWORD, ip: '198.51.100.7' });
      assert.equal(elsewhere.status, 303);
    });
  });
}
