/**
 * The people pages' guards, as plain HTTP (the browser test walks the pages themselves): a person who is not an
 * admin is refused, every form needs the session's CSRF value, a stale session is sent through re-authentication
 * and back to the page that shows the form (the confirmation, for an MFA reset or a device removal), one-time
 * secrets are never cached, and the changes the forms make are recorded as console changes.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { signInAdmin, type SignedInAdmin } from '../../helpers/admin.js';
import { loginWithTotp } from '../../helpers/login.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET, type TestUser } from '../../helpers/users.js';

describe('admin console: people pages', () => {
  let t: TestApp;
  let admin: SignedInAdmin;
  let kim: TestUser;
  const form = (url: string, body: Record<string, string> = {}) => admin.agent.post(url).type('form').send({ _csrf: admin.csrf, ...body }).redirects(0);
  const stale = async (fn: () => Promise<void>) => {
    t.clock.advance((t.ctx.config.admin.reauthSeconds + 60) * 1000);
    try { await fn(); } finally { t.clock.advance(-(t.ctx.config.admin.reauthSeconds + 60) * 1000); }
  };
  const reauthTo = (path: string) => `/login/step-up?${new URLSearchParams({ reauth: '1', return_to: path }).toString()}`;

  before(async () => {
    t = await startTestApp({});
    admin = await signInAdmin(t);
    kim = await createTestUser(t.ctx, { username: 'kim', totpSecret: TEST_TOTP_SECRET, recoveryCodes: true });
  });
  after(async () => { await t.close(); });

  it('a signed-in person who is not an admin is refused; no session goes to sign-in and back', async () => {
    t.clock.advance(30_000);
    const kimWeb = await loginWithTotp(supertest.agent(t.app.server), { username: 'kim', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
    for (const path of ['/admin/people', '/admin/people/kim', '/admin/new-person', '/admin/people/kim/reset-mfa']) {
      assert.equal((await kimWeb.agent.get(path).redirects(0)).status, 403, path);
    }
    assert.equal((await kimWeb.agent.post('/admin/people/kim/unlock').type('form').send({ _csrf: kimWeb.csrf }).redirects(0)).status, 403);
    const anon = await supertest(t.app.server).get('/admin/people/kim').redirects(0).expect(303);
    assert.equal(anon.headers.location, '/login?return_to=%2Fadmin%2Fpeople%2Fkim');
  });

  it('every form needs the CSRF value', async () => {
    for (const path of ['/admin/people', '/admin/people/kim/details', '/admin/people/kim/unlock', '/admin/people/kim/disable', '/admin/people/kim/password', '/admin/people/kim/groups']) {
      const res = await admin.agent.post(path).type('form').send({ username: 'x', mode: 'generate', group: 'x' }).redirects(0);
      assert.equal(res.status, 403, path);
    }
    assert.equal((await t.ctx.store.users.findByUsername('kim'))?.status, 'active');
  });

  it('a stale session: sensitive pages and forms go through re-authentication back to the form; ordinary ones do not', async () => {
    await stale(async () => {
      const get = await admin.agent.get('/admin/people/kim/reset-mfa').redirects(0).expect(303);
      assert.equal(get.headers.location, reauthTo('/admin/people/kim/reset-mfa'));
      const post = await form('/admin/people/kim/reset-mfa').expect(303);
      assert.equal(post.headers.location, reauthTo('/admin/people/kim/reset-mfa'), 'back to the confirmation, not to a POST');
      const remove = await form(`/admin/people/kim/devices/${kim.deviceId}/remove`).expect(303);
      assert.equal(remove.headers.location, reauthTo(`/admin/people/kim/devices/${kim.deviceId}/remove`));
      const link = await form('/admin/people/kim/enrollment-link').expect(303);
      assert.equal(link.headers.location, reauthTo('/admin/people/kim'));
      assert.equal((await t.ctx.store.devices.listForUser(kim.user.id)).length, 1, 'nothing was reset');
      await admin.agent.get('/admin/people/kim').expect(200);
      assert.match(String((await form('/admin/people/kim/unlock').expect(303)).headers.location), /^\/admin\/people\/kim\?done=/);
    });
  });

  it('one-time secrets are not cached and not in the audit log; the console is recorded as the way in', async () => {
    const link = await form('/admin/people/kim/enrollment-link').expect(200);
    assert.equal(link.headers['cache-control'], 'no-store');
    const url = /<code class="secret" id="secret-value">([^<]+)<\/code>/.exec(link.text)?.[1] ?? '';
    assert.ok(url.startsWith(`${t.url}/setup?token=`), url);
    const pw = await form('/admin/people/kim/password', { mode: 'generate' }).expect(200);
    assert.equal(pw.headers['cache-control'], 'no-store');
    const password = /<code class="secret" id="secret-value">([^<]+)<\/code>/.exec(pw.text)?.[1] ?? '';
    assert.match(password, /^[a-z2-9-]{29}$/);
    const events = await t.ctx.store.audit.list({ limit: 20 });
    assert.ok(!JSON.stringify(events).includes(password) && !JSON.stringify(events).includes(new URL(url).searchParams.get('token')!));
    const [set] = await t.ctx.store.audit.list({ type: 'user.password_set', limit: 1 });
    assert.deepEqual([set?.detail.by, set?.detail.via, set?.detail.generated], ['root', 'console', true]);
  });

  it('refused form input keeps what was typed and names the field; an unknown person or device is not found', async () => {
    const dup = await form('/admin/people', { username: 'KIM', email: 'kim2@example.com', displayName: 'Second <b>Kim</b>' }).expect(409);
    assert.match(dup.text, /user &quot;KIM&quot; exists already/);
    assert.match(dup.text, /id="username"[^>]*aria-invalid="true"/);
    assert.match(dup.text, /value="Second &lt;b&gt;Kim&lt;\/b&gt;"/);
    const badEmail = await form('/admin/people/kim/details', { email: 'nope', displayName: '' }).expect(400);
    assert.match(badEmail.text, /id="email"[^>]*aria-invalid="true"/);
    assert.match(badEmail.text, /Check the fields marked below/);
    const noGroup = await form('/admin/people/kim/groups', { group: 'nope' }).expect(404);
    assert.match(noGroup.text, /No group named &quot;nope&quot;\./);
    assert.equal((await admin.agent.get('/admin/people/nobody')).status, 404);
    assert.equal((await admin.agent.get('/admin/people/kim/devices/nope/rename')).status, 404);
    assert.equal((await admin.agent.get('/admin/people?offset=-1')).status, 400);
  });

  it('an admin cannot disable themself from the console', async () => {
    const page = await admin.agent.get('/admin/people/root').expect(200);
    assert.doesNotMatch(page.text, /href="\/admin\/people\/root\/disable"/);
    const res = await form('/admin/people/root/disable').expect(409);
    assert.match(res.text, /cannot disable yourself/);
    assert.equal((await t.ctx.store.users.findByUsername('root'))?.status, 'active');
  });
});
