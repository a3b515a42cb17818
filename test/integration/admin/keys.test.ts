/**
 * Signing keys through the admin API, on both databases: list; rotate (a next key, published in /saml/metadata),
 * activate, retire — each a sensitive change (a stale session gets reauth_required), refused to a read token, and
 * audited with by, via, before and after; conflicts (a second next key, retiring the active key) and not_found.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { bothDatabases } from '../../helpers/databases.js';
import { makeAdminToken, signInAdmin, withToken, type SignedInAdmin } from '../../helpers/admin.js';
import { ensureActiveKey } from '../../../src/keys/signingKeyService.js';

for (const db of bothDatabases) {
  describe(`signing keys API (${db})`, () => {
    let t: TestApp;
    let admin: SignedInAdmin;
    let readToken: string;
    let writeToken: { token: string; id: string };
    const code = (res: { body: { error?: { code?: string } } }) => res.body.error?.code;
    const lastEvent = async () => (await t.ctx.store.audit.list({ limit: 1 }))[0]!;
    const metadata = async () => (await withToken(t, readToken).get('/saml/metadata').expect(200)).text;

    before(async () => {
      t = await startTestApp({ db });
      await ensureActiveKey(t.ctx);
      admin = await signInAdmin(t);
      readToken = (await makeAdminToken(admin, 'read')).token;
      writeToken = await makeAdminToken(admin, 'write');
    });
    after(async () => { await t.close(); });

    it('list: the active key with its fingerprint and expiry, never a private key', async () => {
      const res = await withToken(t, readToken).get('/api/v1/admin/keys').expect(200);
      assert.equal(res.body.total, 1);
      const k = res.body.items[0];
      assert.equal(k.state, 'active');
      assert.match(k.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      assert.ok(Date.parse(k.notAfter) > t.clock.now() + 9 * 365 * 86_400_000);
      assert.doesNotMatch(JSON.stringify(res.body), /PRIVATE KEY|privateKey/);
    });

    it('a read token may not rotate, activate or retire', async () => {
      const active = (await t.ctx.store.signingKeys.findActive())!;
      for (const url of ['/api/v1/admin/keys/rotate', `/api/v1/admin/keys/${active.id}/activate`, `/api/v1/admin/keys/${active.id}/retire`]) {
        assert.equal(code(await withToken(t, readToken).post(url).expect(403)), 'forbidden', url);
      }
    });

    it('a stale session is asked to re-authenticate before a rotation', async () => {
      t.clock.advance((t.ctx.config.admin.reauthSeconds + 60) * 1000);
      try {
        const res = await admin.agent.post('/api/v1/admin/keys/rotate').set('x-csrf-token', admin.csrf).expect(403);
        assert.equal(code(res), 'reauth_required');
        assert.equal((await t.ctx.store.signingKeys.list()).length, 1);
      } finally {
        t.clock.advance(-(t.ctx.config.admin.reauthSeconds + 60) * 1000);
      }
    });

    it('rotate → next key in the metadata, audited; a second rotation is a conflict; retire cancels it', async () => {
      const before = await metadata(); // the process's key cache is loaded: a change made here must still show at once
      const res = await admin.agent.post('/api/v1/admin/keys/rotate').set('x-csrf-token', admin.csrf).expect(201);
      assert.equal(res.body.state, 'next');
      const ev = await lastEvent();
      assert.deepEqual([ev.type, ev.detail.keyId, ev.detail.by, ev.detail.via], ['keys.rotated', res.body.id, 'root', 'api-session']);
      assert.deepEqual(ev.detail.after, { id: res.body.id, state: 'next', fingerprint256: res.body.fingerprint256 });
      const next = (await t.ctx.store.signingKeys.list()).find((k) => k.id === res.body.id)!;
      const pemBody = next.certificatePem.replace(/-----[A-Z ]+-----|\s/g, '');
      assert.ok(!before.includes(pemBody));
      assert.ok((await metadata()).includes(pemBody), 'the next key is published, by this process at once');

      assert.equal(code(await withToken(t, writeToken.token).post('/api/v1/admin/keys/rotate').expect(409)), 'conflict');
      const active = (await t.ctx.store.signingKeys.findActive())!;
      assert.equal(code(await withToken(t, writeToken.token).post(`/api/v1/admin/keys/${active.id}/retire`).expect(409)), 'conflict', 'the active key cannot be retired');

      const retired = await withToken(t, writeToken.token).post(`/api/v1/admin/keys/${res.body.id}/retire`).expect(200);
      assert.equal(retired.body.state, 'retired');
      const rev = await lastEvent();
      assert.deepEqual([rev.type, rev.detail.via, (rev.detail.before as { state: string }).state, (rev.detail.after as { state: string }).state], ['keys.retired', `api-token:${writeToken.id}`, 'next', 'retired']);
      assert.ok(!(await metadata()).includes(pemBody), 'a retired next key leaves the metadata (other processes within 30 s)');
    });

    it('activate: the next key signs, the old one is retired; audited with before and after', async () => {
      const old = (await t.ctx.store.signingKeys.findActive())!;
      const next = await withToken(t, writeToken.token).post('/api/v1/admin/keys/rotate').expect(201);
      const res = await withToken(t, writeToken.token).post(`/api/v1/admin/keys/${next.body.id}/activate`).expect(200);
      assert.equal(res.body.state, 'active');
      assert.equal((await t.ctx.store.signingKeys.findActive())?.id, next.body.id);
      assert.equal((await t.ctx.store.signingKeys.list()).find((k) => k.id === old.id)?.state, 'retired');
      const ev = await lastEvent();
      assert.deepEqual([ev.type, ev.detail.keyId, ev.detail.previous, ev.detail.by], ['keys.activated', next.body.id, old.id, 'root']);
      assert.deepEqual([(ev.detail.before as { state: string }).state, (ev.detail.after as { state: string }).state], ['next', 'active']);
      assert.equal(code(await withToken(t, writeToken.token).post(`/api/v1/admin/keys/${next.body.id}/activate`).expect(409)), 'conflict', 'already active');
    });

    it('not_found and validation', async () => {
      const w = withToken(t, writeToken.token);
      assert.equal(code(await w.post('/api/v1/admin/keys/no-such-key/activate').expect(404)), 'not_found');
      assert.equal(code(await w.post('/api/v1/admin/keys/no-such-key/retire').expect(404)), 'not_found');
      const long = await w.post(`/api/v1/admin/keys/${'k'.repeat(65)}/retire`).expect(400);
      assert.equal(long.body.error.detail[0].field, 'id');
      const q = await withToken(t, readToken).get('/api/v1/admin/keys?limit=0').expect(400);
      assert.equal(q.body.error.detail[0].field, 'limit');
    });
  });
}
