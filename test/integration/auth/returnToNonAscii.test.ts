/**
 * Issue 7, point 9: `/login?return_to=/%E2%82%AC` used to pass the password and TOTP steps, then fail with a 500
 * when '/€' went into the Location header, with the TOTP code used up and a session row left behind. Now the
 * return path is percent-encoded before the flow stores it: the whole walk ends at /%E2%82%AC with one session.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET, type TestUser } from '../../helpers/users.js';
import { csrfFrom, totpCode } from '../../helpers/login.js';
import { rawSql } from '../../helpers/rawSql.js';

for (const db of ['sqlite', 'postgres'] as const) describe(`a non-ASCII return_to (${db})`, () => {
  let t: TestApp;
  let dora: TestUser;
  const sessionsOf = async (userId: string) => (await rawSql(t.ctx.config.database.url, 'SELECT id_hash FROM sessions WHERE user_id = $1', [userId])).length;

  before(async () => {
    t = await startTestApp({ db });
    dora = await createTestUser(t.ctx, { username: 'dora', totpSecret: TEST_TOTP_SECRET });
  });
  after(async () => { await t.close(); });

  it('password and TOTP, then a redirect to the percent-encoded path and exactly one working session', async () => {
    const agent = supertest.agent(t.app.server);
    const page = await agent.get('/login?return_to=/%E2%82%AC').expect(200);
    await agent.post('/login/password').type('form').send({ _csrf: csrfFrom(page.text), username: 'dora', password: TEST_PASSWORD }).expect(303).expect('location', '/login/mfa');
    const mfa = await agent.get('/login/mfa?factor=totp').expect(200);
    const done = await agent.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
    assert.equal(done.status, 303, done.text.slice(0, 300));
    assert.equal(done.headers.location, '/%E2%82%AC');
    assert.equal(await sessionsOf(dora.user.id), 1);
    await agent.get('/account').expect(200);
    // signed in: /login with the same return path goes straight there, encoded
    await agent.get('/login?return_to=/%E2%82%AC').expect(303).expect('location', '/%E2%82%AC');
    await agent.get(`/login?return_to=${encodeURIComponent('/café?x=ü')}`).expect(303).expect('location', '/caf%C3%A9?x=%C3%BC');
  });
});
