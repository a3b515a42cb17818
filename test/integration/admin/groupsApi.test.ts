/**
 * Admin API for groups on both databases: create, list (filters, pages), get, change, delete; members; session
 * tags; role mappings. Each route: success, not_found, validation errors naming the field, a read token refused
 * on writes, the audit event with before and after; mapping changes and deletion are sensitive (a stale session
 * must re-authenticate); concurrent creations of one name give one group and clear conflicts, never a 500.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { bothDatabases } from '../../helpers/databases.js';
import { makeAdminToken, signInAdmin, withToken, type SignedInAdmin } from '../../helpers/admin.js';
import { adminApi, type ChangeDetail as Detail } from '../../helpers/adminApi.js';
import { createTestUser } from '../../helpers/users.js';

for (const db of bothDatabases) {
  describe(`admin API: groups (${db})`, () => {
    let t: TestApp;
    let admin: SignedInAdmin;
    let read: string;
    let write: string;
    const { code, fields, post, patch, put, del, lastEvent } = adminApi(() => t, () => admin);
    const stale = async (fn: () => Promise<void>) => {
      t.clock.advance((t.ctx.config.admin.reauthSeconds + 60) * 1000);
      try { await fn(); } finally { t.clock.advance(-(t.ctx.config.admin.reauthSeconds + 60) * 1000); }
    };

    before(async () => {
      t = await startTestApp({ db });
      admin = await signInAdmin(t);
      read = (await makeAdminToken(admin, 'read')).token;
      write = (await makeAdminToken(admin, 'write')).token;
      await t.ctx.store.accounts.insert({ id: '111122223333', alias: 'prod', partition: 'aws', providerName: 'Gatehouse', region: null });
      await createTestUser(t.ctx, { username: 'alice' });
    });
    after(async () => { await t.close(); });

    it('creates a group (audited with after), refuses a taken name, and bad fields by name', async () => {
      const res = await post('/api/v1/admin/groups').send({ name: 'platform', description: 'Platform team', tags: { Team: 'platform' } }).expect(201);
      assert.deepEqual({ name: res.body.name, description: res.body.description, tags: res.body.tags, members: res.body.members, mappings: res.body.mappings },
        { name: 'platform', description: 'Platform team', tags: { Team: 'platform' }, members: [], mappings: [] });
      const ev = await lastEvent('group.created');
      assert.deepEqual({ by: ev.detail.by, via: ev.detail.via, group: ev.detail.group, after: ev.detail.after },
        { by: 'root', via: 'api-session', group: 'platform', after: { name: 'platform', description: 'Platform team', tags: { Team: 'platform' } } });
      assert.equal(code(await post('/api/v1/admin/groups').send({ name: 'platform' }).expect(409)), 'conflict');
      const bad = await post('/api/v1/admin/groups').send({ name: 'no spaces', tags: { AuthMethod: 'x' }, extra: 1 }).expect(400);
      assert.equal(code(bad), 'validation_failed');
      assert.deepEqual(fields(bad).map((f) => f.split('.')[0]), ['body', 'name', 'tags']);
      assert.equal(code(await post('/api/v1/admin/groups').send({}).expect(400)), 'validation_failed');
    });

    it('a read token reads but may not write; a write token writes as its admin', async () => {
      await withToken(t, read).get('/api/v1/admin/groups').expect(200);
      assert.equal(code(await withToken(t, read).post('/api/v1/admin/groups').send({ name: 'readers' }).expect(403)), 'forbidden');
      assert.equal(code(await withToken(t, read).patch('/api/v1/admin/groups/platform').send({ description: null }).expect(403)), 'forbidden');
      assert.equal(code(await withToken(t, read).delete('/api/v1/admin/groups/platform').expect(403)), 'forbidden');
      assert.equal(code(await withToken(t, read).post('/api/v1/admin/groups/platform/mappings').send({ account: 'prod', role: 'Admin' }).expect(403)), 'forbidden');
      await withToken(t, write).post('/api/v1/admin/groups').send({ name: 'by-token' }).expect(201);
      assert.match(String((await lastEvent('group.created')).detail.via), /^api-token:/);
    });

    it('lists with filters and pages, gets one, and says not_found', async () => {
      await post('/api/v1/admin/groups').send({ name: 'auditors' }).expect(201);
      const all = await admin.agent.get('/api/v1/admin/groups?limit=2').expect(200);
      assert.equal(all.body.total, 4, 'auditors, by-token, gatehouse-admins (the admins), platform');
      assert.deepEqual(all.body.items.map((g: { name: string }) => g.name), ['auditors', 'by-token']);
      assert.equal(all.body.nextOffset, 2);
      const q = await admin.agent.get('/api/v1/admin/groups?q=PLAT').expect(200);
      assert.deepEqual(q.body.items.map((g: { name: string }) => g.name), ['platform']);
      assert.equal((await admin.agent.get('/api/v1/admin/groups/platform').expect(200)).body.name, 'platform');
      assert.equal(code(await admin.agent.get('/api/v1/admin/groups/nope').expect(404)), 'not_found');
      assert.deepEqual(fields(await admin.agent.get('/api/v1/admin/groups?limit=0').expect(400)), ['limit']);
      assert.equal(code(await admin.agent.get('/api/v1/admin/groups?account=nope').expect(404)), 'not_found');
    });

    it('changes the description (before and after audited)', async () => {
      const res = await patch('/api/v1/admin/groups/platform').send({ description: 'People who run the platform' }).expect(200);
      assert.equal(res.body.description, 'People who run the platform');
      const ev = await lastEvent('group.updated');
      assert.deepEqual([(ev.detail.before as { description: string }).description, (ev.detail.after as { description: string }).description], ['Platform team', 'People who run the platform']);
      assert.deepEqual(fields(await patch('/api/v1/admin/groups/platform').send({ description: 5 }).expect(400)), ['description']);
      assert.equal(code(await patch('/api/v1/admin/groups/nope').send({ description: null }).expect(404)), 'not_found');
    });

    it('adds and removes members (the person\'s groups before and after)', async () => {
      const res = await post('/api/v1/admin/groups/platform/members').send({ username: 'alice' }).expect(200);
      assert.deepEqual(res.body.members, ['alice']);
      const ev = await lastEvent('group.member_added');
      assert.equal(ev.username, 'alice');
      assert.deepEqual([ev.detail.before, ev.detail.after], [{ groups: [] }, { groups: ['platform'] }]);
      assert.equal(code(await post('/api/v1/admin/groups/platform/members').send({ username: 'nobody' }).expect(404)), 'not_found');
      assert.deepEqual(fields(await post('/api/v1/admin/groups/platform/members').send({}).expect(400)), ['username']);
      await post('/api/v1/admin/groups/auditors/members').send({ username: 'alice' }).expect(200);
      await del('/api/v1/admin/groups/auditors/members/alice').expect(204);
      const removed = await lastEvent('group.member_removed');
      assert.deepEqual([removed.detail.before, removed.detail.after], [{ groups: ['auditors', 'platform'] }, { groups: ['platform'] }]);
      assert.equal(code(await del('/api/v1/admin/groups/auditors/members/alice').expect(404)), 'not_found');
      const filtered = await admin.agent.get('/api/v1/admin/groups?member=alice').expect(200);
      assert.deepEqual(filtered.body.items.map((g: { name: string }) => g.name), ['platform']);
    });

    it('sets and removes session tags by the AWS rules (a key with a slash, AuthMethod reserved)', async () => {
      const res = await put(`/api/v1/admin/groups/platform/tags/${encodeURIComponent('cost/center')}`).send({ value: 'CC-1' }).expect(200);
      assert.deepEqual(res.body.tags, { Team: 'platform', 'cost/center': 'CC-1' });
      const ev = await lastEvent('group.tags_changed');
      assert.deepEqual([ev.detail.key, ev.detail.value, ev.detail.before, ev.detail.after],
        ['cost/center', 'CC-1', { tags: { Team: 'platform' } }, { tags: { Team: 'platform', 'cost/center': 'CC-1' } }]);
      const reserved = await put('/api/v1/admin/groups/platform/tags/authmethod').send({ value: 'x' }).expect(400);
      assert.deepEqual(fields(reserved), ['key']);
      assert.match(reserved.body.error.message, /reserved/);
      assert.deepEqual(fields(await put('/api/v1/admin/groups/platform/tags/Team').send({ value: 'a<b' }).expect(400)), ['value']);
      // Keys are case-insensitive: TEAM replaces Team.
      assert.deepEqual((await put('/api/v1/admin/groups/platform/tags/TEAM').send({ value: 'core' }).expect(200)).body.tags, { 'cost/center': 'CC-1', TEAM: 'core' });
      await del(`/api/v1/admin/groups/platform/tags/${encodeURIComponent('cost/center')}`).expect(204);
      assert.deepEqual((await lastEvent('group.tags_changed')).detail.after, { tags: { TEAM: 'core' } });
      assert.equal(code(await del('/api/v1/admin/groups/platform/tags/nope').expect(404)), 'not_found');
    });

    it('maps a role (sensitive), changes and removes the mapping, each audited with before and after', async () => {
      const created = await post('/api/v1/admin/groups/platform/mappings').send({ account: 'prod', role: '/team/Admin', sessionDuration: 3600, requireFactor: 'webauthn', sourceIps: ['10.0.0.0/8'] }).expect(201);
      assert.deepEqual({ ...created.body, id: undefined }, {
        id: undefined, group: 'platform', accountId: '111122223333', account: 'prod', partition: 'aws', role: 'team/Admin', sessionDuration: 3600, requireFactor: 'webauthn', sourceIps: ['10.0.0.0/8'],
      });
      const mapped = await lastEvent('role.mapped');
      assert.equal(mapped.detail.before, undefined);
      assert.deepEqual(mapped.detail.after, { account: 'prod', role: 'team/Admin', sessionDuration: 3600, requireFactor: 'webauthn', sourceIps: ['10.0.0.0/8'] });
      assert.equal(code(await post('/api/v1/admin/groups/platform/mappings').send({ account: 'prod', role: 'team/Admin' }).expect(409)), 'conflict');
      const bad = await post('/api/v1/admin/groups/platform/mappings').send({ account: 'prod', role: 'a,b', sessionDuration: 60, requireFactor: 'sms', sourceIps: ['10.0.0.0/33'] }).expect(400);
      assert.deepEqual(fields(bad), ['requireFactor', 'role', 'sessionDuration', 'sourceIps.0']);
      assert.equal(code(await post('/api/v1/admin/groups/platform/mappings').send({ account: '999999999999', role: 'Admin' }).expect(404)), 'not_found');
      assert.equal(code(await post('/api/v1/admin/groups/nope/mappings').send({ account: 'prod', role: 'Admin' }).expect(404)), 'not_found');

      const id = created.body.id as string;
      assert.equal((await admin.agent.get(`/api/v1/admin/groups/platform/mappings/${id}`).expect(200)).body.role, 'team/Admin');
      const changed = await patch(`/api/v1/admin/groups/platform/mappings/${id}`).send({ requireFactor: null, sourceIps: [] }).expect(200);
      assert.deepEqual([changed.body.requireFactor, changed.body.sourceIps, changed.body.sessionDuration], [null, [], 3600]);
      const ev = await lastEvent('role.mapped');
      assert.deepEqual([(ev.detail.before as { requireFactor: string }).requireFactor, (ev.detail.after as { requireFactor: null }).requireFactor], ['webauthn', null]);
      assert.deepEqual(fields(await patch(`/api/v1/admin/groups/platform/mappings/${id}`).send({ sessionDuration: 50000 }).expect(400)), ['sessionDuration']);
      assert.equal(code(await patch('/api/v1/admin/groups/platform/mappings/nope').send({}).expect(404)), 'not_found');
      const list = await admin.agent.get('/api/v1/admin/groups/platform/mappings').expect(200);
      assert.deepEqual(list.body.items.map((m: { role: string }) => m.role), ['team/Admin']);

      await stale(async () => {
        const res = await patch(`/api/v1/admin/groups/platform/mappings/${id}`).send({ requireFactor: 'totp' }).expect(403);
        assert.equal(code(res), 'reauth_required');
        assert.equal(code(await post('/api/v1/admin/groups/platform/mappings').send({ account: 'prod', role: 'Other' }).expect(403)), 'reauth_required');
        assert.equal(code(await del(`/api/v1/admin/groups/platform/mappings/${id}`).expect(403)), 'reauth_required');
        // An ordinary change needs no re-authentication.
        await patch('/api/v1/admin/groups/platform').send({ description: 'still fine' }).expect(200);
      });
      await del(`/api/v1/admin/groups/platform/mappings/${id}`).expect(204);
      const unmapped = await lastEvent('role.unmapped');
      assert.deepEqual(unmapped.detail.before, { account: 'prod', role: 'team/Admin', sessionDuration: 3600, requireFactor: null, sourceIps: [] });
      assert.equal(code(await del(`/api/v1/admin/groups/platform/mappings/${id}`).expect(404)), 'not_found');
    });

    it('deletes a group (sensitive) with what it held in `before`', async () => {
      await post('/api/v1/admin/groups/platform/mappings').send({ account: 'prod', role: 'ReadOnly' }).expect(201);
      await stale(async () => { assert.equal(code(await del('/api/v1/admin/groups/platform').expect(403)), 'reauth_required'); });
      await del('/api/v1/admin/groups/platform').expect(204);
      const ev = await lastEvent('group.deleted');
      assert.deepEqual([ev.detail.members, ev.detail.roles], [1, 1]);
      const was = ev.detail.before as { members: string[]; mappings: { role: string }[] };
      assert.deepEqual([was.members, was.mappings.map((m) => m.role)], [['alice'], ['ReadOnly']]);
      assert.equal(code(await admin.agent.get('/api/v1/admin/groups/platform').expect(404)), 'not_found');
      assert.equal(code(await del('/api/v1/admin/groups/platform').expect(404)), 'not_found');
      assert.deepEqual(await t.ctx.store.accounts.listMappings(), []);
    });

    it('200 concurrent creations of one name: one group, the rest conflict (never a 500)', async () => {
      const results = await Promise.all(Array.from({ length: 200 }, () => withToken(t, write).post('/api/v1/admin/groups').send({ name: 'race' })));
      const statuses = results.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 201).length, 1, JSON.stringify(results.filter((r) => r.status !== 201 && r.status !== 409).map((r) => r.body)));
      assert.equal(statuses.filter((s) => s === 409).length, 199);
      assert.equal((await t.ctx.store.audit.list({ type: 'group.created', limit: 500 })).filter((e) => (e.detail as Detail).group === 'race').length, 1);
    });
  });
}
