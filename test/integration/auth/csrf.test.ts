/**
 * CSRF: every state-changing form and JSON endpoint of sign-in, enrollment, account, setup and the admin API
 * refuses a request without the page's token, or with a wrong one (csrf_invalid, 403), and changes nothing.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { loginWithTotp, submitPassword } from '../../helpers/login.js';
import { hashToken, newToken } from '../../../src/auth/tokens.js';

type Kind = 'form' | 'header';

async function expectRefused(agent: supertest.Agent, path: string, kind: Kind, body: Record<string, unknown> = {}): Promise<void> {
  for (const token of [undefined, 'wrong-token-value']) {
    let req = agent.post(path).set('accept', 'application/json');
    if (kind === 'header') {
      if (token) req = req.set('x-csrf-token', token);
      req = req.send(body);
    } else {
      req = req.type('form').send(token ? { ...body, _csrf: token } : body);
    }
    const res = await req;
    assert.equal(res.status, 403, `${path} with ${token ? 'a wrong' : 'no'} token answered ${res.status}`);
    assert.equal(res.body.error?.code, 'csrf_invalid', path);
  }
}

describe('CSRF on every form', () => {
  let t: TestApp;
  const agent = () => supertest.agent(t.app.server);
  before(async () => {
    t = await startTestApp();
    await createTestUser(t.ctx, { username: 'alice', totpSecret: TEST_TOTP_SECRET, recoveryCodes: true, groups: ['gatehouse-admins'] });
    await createTestUser(t.ctx, { username: 'newbie' });
    await createTestUser(t.ctx, { username: 'invited', password: null });
  });
  after(async () => { await t.close(); });

  test('sign-in: password, TOTP, recovery code, WebAuthn options and answer', async () => {
    const a = agent();
    await a.get('/login').expect(200);
    await expectRefused(a, '/login/password', 'form', { username: 'alice', password: TEST_PASSWORD });
    await expectRefused(a, '/login', 'form', { username: 'alice', password: TEST_PASSWORD });
    assert.equal((await submitPassword(a, { username: 'alice', password: TEST_PASSWORD })).status, 303);
    await expectRefused(a, '/login/totp', 'form', { code: '123456' });
    await expectRefused(a, '/login/recovery', 'form', { code: 'aaaa-bbbb-cccc' });
    await expectRefused(a, '/login/webauthn/options', 'header');
    await expectRefused(a, '/login/webauthn/verify', 'header', { response: {} });
    // the flow is still waiting for the second factor: nothing was consumed
    await a.get('/login/mfa').expect(200);
  });

  test('enrollment: TOTP confirmation, WebAuthn options and answer', async () => {
    const a = agent();
    assert.equal((await submitPassword(a, { username: 'newbie', password: TEST_PASSWORD })).status, 303);
    await a.get('/login/enroll/totp').expect(200);
    await expectRefused(a, '/login/enroll/totp', 'form', { code1: '123456', code2: '234567' });
    await expectRefused(a, '/login/enroll/webauthn/options', 'header');
    await expectRefused(a, '/login/enroll/webauthn/verify', 'header', { response: {} });
    await expectRefused(a, '/login/recovery-codes', 'form');
  });

  test('setup link: password form', async () => {
    const invited = (await t.ctx.store.users.findByUsername('invited'))!;
    const token = newToken();
    const now = t.clock.now();
    await t.ctx.store.enrollmentTokens.create({ tokenHash: hashToken(token), userId: invited.id, purpose: 'enroll', createdAt: now, expiresAt: now + 3600_000 });
    const a = agent();
    await a.get(`/setup?token=${token}`).expect(200);
    await expectRefused(a, '/setup/password', 'form', { password: 'a long enough new password', confirm: 'a long enough new password' });
    assert.ok(await t.ctx.store.enrollmentTokens.findValid(hashToken(token), t.clock.now()), 'the link is still unused');
  });

  test('signed in: logout, account forms and the admin API', async () => {
    const { agent: a } = await loginWithTotp(agent(), { username: 'alice', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
    const [device] = await t.ctx.store.devices.listForUser((await t.ctx.store.users.findByUsername('alice'))!.id);
    await expectRefused(a, '/logout', 'form');
    await expectRefused(a, '/account/devices/add', 'form', { kind: 'totp' });
    await expectRefused(a, `/account/devices/${device!.id}/remove`, 'form');
    await expectRefused(a, '/account/recovery-codes', 'form');
    await expectRefused(a, '/api/v1/admin/users/newbie/unlock', 'header');
    await expectRefused(a, '/api/v1/admin/users/newbie/enrollment-link', 'header');
    await a.get('/account').expect(200);
    assert.equal((await t.ctx.store.devices.listForUser(device!.userId)).length, 1);
  });
});
