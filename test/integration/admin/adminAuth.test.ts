/**
 * Who may use the admin API, on both databases: every way in is refused with its own code — no credentials, a
 * malformed or unknown bearer token, a read token writing, an expired token, a revoked token, the token of a
 * person who is no longer an admin, a non-admin session, a session without the CSRF header, a stale session for a
 * sensitive change, a session without the admin policy's factor — and tokens cannot make tokens. Tokens are
 * stored hashed, shown once, and every token change is audited.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { bothDatabases } from '../../helpers/databases.js';
import { makeAdminToken, signInAdmin, withToken, type SignedInAdmin } from '../../helpers/admin.js';
import { loginWithTotp } from '../../helpers/login.js';
import { createTestUser, TEST_PASSWORD } from '../../helpers/users.js';
import { hashToken } from '../../../src/auth/tokens.js';

for (const db of bothDatabases) {
  describe(`admin API authentication (${db})`, () => {
    let t: TestApp;
    let admin: SignedInAdmin;
    const code = (res: { body: { error?: { code?: string } } }) => res.body.error?.code;

    before(async () => {
      t = await startTestApp({ db });
      admin = await signInAdmin(t);
    });
    after(async () => { await t.close(); });

    it('a token is shown once, stored only as its hash, listed without it, and audited', async () => {
      const { token, id } = await makeAdminToken(admin, 'read', 7, 'grafana');
      assert.match(token, /^gha_[A-Za-z0-9_-]{43}$/);
      const row = await t.ctx.store.adminApiTokens.findById(id);
      assert.equal(row?.tokenHash, hashToken(token));
      const list = await withToken(t, token).get('/api/v1/admin/tokens').expect(200);
      assert.ok(!JSON.stringify(list.body).includes(token));
      assert.ok(!JSON.stringify(list.body).includes(hashToken(token)));
      const mine = list.body.items.find((x: { id: string }) => x.id === id);
      assert.deepEqual({ name: mine.name, scope: mine.scope, state: mine.state, createdBy: mine.createdBy }, { name: 'grafana', scope: 'read', state: 'active', createdBy: 'root' });
      const ev = (await t.ctx.store.audit.list({ limit: 20 })).find((e) => e.type === 'admin.token_created');
      assert.deepEqual((ev?.detail as { after: { name: string } }).after.name, 'grafana');
      assert.equal((ev?.detail as { via: string }).via, 'api-session');
      assert.ok(!JSON.stringify(ev).includes(token));
    });

    it('no credentials, a malformed header, an unknown token', async () => {
      const anon = supertest(t.app.server);
      assert.equal(code(await anon.get('/api/v1/admin/tokens').expect(401)), 'session_required');
      assert.equal(code(await anon.get('/api/v1/admin/tokens').set('Authorization', 'Basic abc').expect(401)), 'api_token_invalid');
      assert.equal(code(await anon.get('/api/v1/admin/tokens').set('Authorization', `Bearer ${'x'.repeat(500)}`).expect(401)), 'api_token_invalid');
      assert.equal(code(await withToken(t, 'gha_' + 'A'.repeat(43)).get('/api/v1/admin/tokens').expect(401)), 'api_token_invalid');
      // Authentication comes before reading the input: a bad body without credentials is a 401, not a 400.
      assert.equal(code(await anon.post('/api/v1/admin/tokens').send({ name: 5 }).expect(401)), 'session_required');
    });

    it('a read token may read but not write', async () => {
      const { token } = await makeAdminToken(admin, 'read');
      await withToken(t, token).get('/api/v1/admin/service-providers').expect(200);
      const res = await withToken(t, token).post('/api/v1/admin/users/root/unlock').expect(403);
      assert.equal(code(res), 'forbidden');
      assert.match(res.body.error.message, /only read/);
    });

    it('a write token may write, but cannot make tokens', async () => {
      const { token } = await makeAdminToken(admin, 'write');
      const ok = await withToken(t, token).post('/api/v1/admin/users/root/unlock').expect(200);
      assert.equal(ok.body.username, 'root');
      const res = await withToken(t, token).post('/api/v1/admin/tokens').send({ name: 'child', scope: 'write', days: 1 }).expect(403);
      assert.equal(code(res), 'forbidden');
    });

    it('an expired token and a revoked token are refused, and the refusal is audited', async () => {
      const expiring = await makeAdminToken(admin, 'read', 1, 'short');
      t.clock.advance(86_400_000 + 1000);
      assert.equal(code(await withToken(t, expiring.token).get('/api/v1/admin/tokens').expect(401)), 'api_token_invalid');
      t.clock.advance(-(86_400_000 + 1000));
      const revoked = await makeAdminToken(admin, 'write', 30, 'to-revoke');
      await withToken(t, revoked.token).get('/api/v1/admin/tokens').expect(200);
      const r = await admin.agent.post(`/api/v1/admin/tokens/${revoked.id}/revoke`).set('x-csrf-token', admin.csrf).expect(200);
      assert.equal(r.body.state, 'revoked');
      assert.equal(code(await withToken(t, revoked.token).get('/api/v1/admin/tokens').expect(401)), 'api_token_invalid');
      const refused = (await t.ctx.store.audit.list({ limit: 30 })).filter((e) => e.type === 'admin.token_refused').map((e) => (e.detail as { reason: string }).reason);
      assert.deepEqual(refused.sort(), ['expired', 'revoked']);
      assert.ok((await t.ctx.store.audit.list({ limit: 30 })).some((e) => e.type === 'admin.token_revoked'));
    });

    it('the token of a person who is no longer an admin stops working', async () => {
      const other = await signInAdmin(t, 'ops', 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU');
      const { token } = await makeAdminToken(other, 'write');
      await withToken(t, token).get('/api/v1/admin/tokens').expect(200);
      const group = (await t.ctx.store.groups.findByName(t.ctx.config.admin.group))!;
      await t.ctx.store.groups.removeMember(group.id, other.person.user.id);
      assert.equal(code(await withToken(t, token).get('/api/v1/admin/tokens').expect(401)), 'api_token_invalid');
    });

    it('a non-admin session, a session without the CSRF header', async () => {
      const u = await createTestUser(t.ctx, { username: 'pat', totpSecret: 'MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK' });
      const agent = supertest.agent(t.app.server);
      const { csrf } = await loginWithTotp(agent, { username: 'pat', password: TEST_PASSWORD, secret: u.secret!, now: t.clock.now() });
      assert.equal(code(await agent.get('/api/v1/admin/tokens').expect(403)), 'forbidden');
      assert.equal(code(await agent.post('/api/v1/admin/users/root/unlock').set('x-csrf-token', csrf).expect(403)), 'forbidden');
      assert.equal(code(await admin.agent.post('/api/v1/admin/users/root/unlock').expect(403)), 'csrf_invalid');
      assert.equal(code(await admin.agent.post('/api/v1/admin/users/root/unlock').set('x-csrf-token', 'wrong').expect(403)), 'csrf_invalid');
    });

    it('a stale session must re-authenticate before a sensitive change, not before an ordinary one', async () => {
      t.clock.advance((t.ctx.config.admin.reauthSeconds + 60) * 1000);
      try {
        const res = await admin.agent.post('/api/v1/admin/tokens').set('x-csrf-token', admin.csrf).send({ name: 'late', scope: 'read', days: 1 }).expect(403);
        assert.equal(code(res), 'reauth_required');
        assert.equal(res.body.error.detail.maxAgeSeconds, t.ctx.config.admin.reauthSeconds);
        assert.match(res.body.error.detail.reauthUrl, /^\/login\/step-up\?reauth=1&return_to=/);
        await admin.agent.post('/api/v1/admin/users/root/unlock').set('x-csrf-token', admin.csrf).expect(200);
      } finally {
        t.clock.advance(-(t.ctx.config.admin.reauthSeconds + 60) * 1000);
      }
    });

    it('bad input names the field; a lifetime over admin.tokenMaxDays is refused', async () => {
      const res = await admin.agent.post('/api/v1/admin/tokens').set('x-csrf-token', admin.csrf).send({ name: '', scope: 'root', days: 1.5 }).expect(400);
      assert.equal(code(res), 'validation_failed');
      assert.deepEqual(res.body.error.detail.map((f: { field: string }) => f.field).sort(), ['days', 'name', 'scope']);
      const long = await admin.agent.post('/api/v1/admin/tokens').set('x-csrf-token', admin.csrf).send({ name: 'x', scope: 'read', days: t.ctx.config.admin.tokenMaxDays + 1 }).expect(400);
      assert.deepEqual(long.body.error.detail, [{ field: 'days', message: `must be at most ${t.ctx.config.admin.tokenMaxDays}` }]);
    });
  });
}

describe('admin policy: admin.requireFactor webauthn', () => {
  let t: TestApp;
  before(async () => { t = await startTestApp({ overrides: { admin: { requireFactor: 'webauthn' } } }); });
  after(async () => { await t.close(); });

  it('a TOTP sign-in is asked to step up with a security key, on the API and on the console', async () => {
    const admin = await signInAdmin(t);
    const res = await admin.agent.get('/api/v1/admin/tokens').expect(403);
    assert.equal(res.body.error.code, 'mfa_required');
    assert.deepEqual(res.body.error.detail, { requireFactor: 'webauthn' });
    const page = await admin.agent.get('/admin').redirects(0).expect(303);
    assert.equal(page.headers.location, '/login/step-up?factor=webauthn&return_to=%2Fadmin');
  });
});
