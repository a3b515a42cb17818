/**
 * Setup links: the first admin's link printed at first run (set password → enroll → recovery codes → portal),
 * admin-issued enrollment links (confirm the current password), single use, bad links; TOTP enrollment needs
 * two consecutive codes, and those codes cannot be used again to sign in.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { csrfFrom, enrollTotpThroughPages, loginWithTotp, submitPassword, totpCode } from '../../helpers/login.js';
import { firstRun } from '../../../src/http/firstRun.js';

const NEW_PASSWORD = 'lantern orbit marmalade quietly';
const alertText = (html: string) => /role="alert"[^>]*>([^<]+)</.exec(html)?.[1];

describe('setup links', () => {
  let t: TestApp;
  let firstLink = '';
  const agent = () => supertest.agent(t.app.server);

  before(async () => {
    t = await startTestApp();
    firstLink = (await firstRun(t.ctx, () => undefined))!;
    assert.ok(firstLink);
  });
  after(async () => { await t.close(); });

  test('first admin: password policy, then TOTP with two consecutive codes, recovery codes, portal', async () => {
    const a = agent();
    const path = new URL(firstLink).pathname + new URL(firstLink).search;
    const page = await a.get(path).expect(200);
    assert.match(page.text, /autocomplete="new-password"/);
    const csrf = csrfFrom(page.text);
    const short = await a.post('/setup/password').type('form').send({ _csrf: csrf, password: 'short', confirm: 'short' });
    assert.equal(short.status, 400);
    assert.match(alertText(short.text) ?? '', /at least 12 characters/);
    const common = await a.post('/setup/password').type('form').send({ _csrf: csrf, password: 'password1234', confirm: 'password1234' });
    assert.match(alertText(common.text) ?? '', /too common/);
    const differ = await a.post('/setup/password').type('form').send({ _csrf: csrf, password: NEW_PASSWORD, confirm: NEW_PASSWORD + 'x' });
    assert.match(alertText(differ.text) ?? '', /not the same/);
    await a.post('/setup/password').type('form').send({ _csrf: csrf, password: NEW_PASSWORD, confirm: NEW_PASSWORD }).expect(303).expect('location', '/login/enroll');

    const choose = await a.get('/login/enroll').expect(200);
    assert.match(choose.text, /Authenticator app/);
    // wrong codes: the same code twice, then codes that are not consecutive
    const totpPage = await a.get('/login/enroll/totp').expect(200);
    const secret = /<code class="secret"[^>]*>([A-Z2-7 ]+)<\/code>/.exec(totpPage.text)![1]!.replace(/ /g, '');
    const now = t.clock.now();
    const same = await a.post('/login/enroll/totp').type('form').send({ _csrf: csrfFrom(totpPage.text), code1: totpCode(secret, now), code2: totpCode(secret, now) });
    assert.equal(same.status, 401);
    assert.match(alertText(same.text) ?? '', /two different codes/);
    const gap = await a.post('/login/enroll/totp').type('form').send({ _csrf: csrfFrom(totpPage.text), code1: totpCode(secret, now - 30_000), code2: totpCode(secret, now + 30_000) });
    assert.equal(gap.status, 401);
    assert.match(same.text, new RegExp(secret.slice(0, 4)), 'the same secret is shown again');

    const { secret: used, res } = await enrollTotpThroughPages(a, t.clock, 'Admin phone');
    assert.equal(used, secret, 'the pending device is resumed, not replaced');
    assert.equal(res.status, 303);
    assert.equal(res.headers.location, '/login/recovery-codes');
    const codes = await a.get('/login/recovery-codes').expect(200);
    assert.equal((codes.text.match(/<li><code>/g) ?? []).length, 10);
    await a.post('/login/recovery-codes').type('form').send({ _csrf: csrfFrom(codes.text) }).expect(303).expect('location', '/');
    await a.get('/account').expect(200);
    assert.equal(await firstRun(t.ctx, () => undefined), undefined, 'no new link once the admin is set up');

    // the enrollment codes cannot be replayed at sign-in
    const b = agent();
    assert.equal((await submitPassword(b, { username: 'admin', password: NEW_PASSWORD })).status, 303);
    const mfa = await b.get('/login/mfa').expect(200);
    const replay = await b.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(secret, t.clock.now()) });
    assert.equal(replay.status, 401);
    assert.match(alertText(replay.text) ?? '', /already been used/);
  });

  test('a link works once', async () => {
    const res = await agent().get(new URL(firstLink).pathname + new URL(firstLink).search);
    assert.equal(res.status, 400);
    assert.match(res.text, /setup link is not valid/);
    const bad = await agent().get('/setup?token=nonsense');
    assert.equal(bad.status, 400);
  });

  test('admin-issued enrollment link for a person with a password: confirm it, then enroll', async () => {
    await createTestUser(t.ctx, { username: 'root', totpSecret: TEST_TOTP_SECRET, groups: ['gatehouse-admins'] });
    await createTestUser(t.ctx, { username: 'lost' });
    t.clock.advance(30_000);
    const admin = await loginWithTotp(agent(), { username: 'root', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
    const issued = await admin.agent.post('/api/v1/admin/users/lost/enrollment-link').set('x-csrf-token', admin.csrf).expect(200);
    assert.match(issued.body.url, /^http:\/\/localhost:\d+\/setup\?token=[\w-]{43}$/);
    const link = new URL(issued.body.url);

    const a = agent();
    const page = await a.get(link.pathname + link.search).expect(200);
    assert.match(page.text, /autocomplete="current-password"/);
    const wrong = await a.post('/setup/password').type('form').send({ _csrf: csrfFrom(page.text), password: 'wrong password here' });
    assert.equal(wrong.status, 401);
    assert.equal(alertText(wrong.text), 'Incorrect username, password or code.');
    await a.post('/setup/password').type('form').send({ _csrf: csrfFrom(page.text), password: TEST_PASSWORD }).expect(303).expect('location', '/login/enroll');
    const { res } = await enrollTotpThroughPages(a, t.clock);
    assert.equal(res.headers.location, '/login/recovery-codes');
    assert.equal((await agent().get(link.pathname + link.search)).status, 400, 'used');
    const ev = (await t.ctx.store.audit.list({ type: 'enrollment.link_issued' }))[0];
    assert.equal(ev?.username, 'lost');
  });
});
