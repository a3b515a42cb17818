/**
 * Admin API for AWS accounts on both databases: add, list (filter, pages), get by id or alias, change, delete
 * (sensitive; the mappings go with it), and the trust policy of a mapped role — with the AuthMethod condition when
 * every group mapping the role requires a factor. Each route: success, not_found, validation errors naming the
 * field, a read token refused on writes, the audit event with before and after.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { bothDatabases } from '../../helpers/databases.js';
import { makeAdminToken, signInAdmin, withToken, type SignedInAdmin } from '../../helpers/admin.js';
import { adminApi } from '../../helpers/adminApi.js';

for (const db of bothDatabases) {
  describe(`admin API: AWS accounts (${db})`, () => {
    let t: TestApp;
    let admin: SignedInAdmin;
    let read: string;
    const { code, fields, post, patch, del, lastEvent } = adminApi(() => t, () => admin);

    before(async () => {
      t = await startTestApp({ db });
      admin = await signInAdmin(t);
      read = (await makeAdminToken(admin, 'read')).token;
    });
    after(async () => { await t.close(); });

    it('adds an account (after audited), refuses a known id or a taken alias, and bad fields by name', async () => {
      const res = await post('/api/v1/admin/accounts').send({ id: '111122223333', alias: 'prod', provider: 'Gatehouse' }).expect(201);
      assert.deepEqual(res.body, { id: '111122223333', alias: 'prod', partition: 'aws', providerName: 'Gatehouse', region: null, roles: [], mappings: 0 });
      const ev = await lastEvent('account.created');
      assert.deepEqual([ev.detail.account, ev.detail.alias, ev.detail.via, ev.detail.after],
        ['111122223333', 'prod', 'api-session', { id: '111122223333', alias: 'prod', partition: 'aws', provider: 'Gatehouse', region: null }]);
      assert.equal(code(await post('/api/v1/admin/accounts').send({ id: '111122223333', alias: 'other', provider: 'G' }).expect(409)), 'conflict');
      assert.equal(code(await post('/api/v1/admin/accounts').send({ id: '444455556666', alias: 'prod', provider: 'G' }).expect(409)), 'conflict');
      const bad = await post('/api/v1/admin/accounts').send({ id: '12', alias: '-x', provider: 'a b', partition: 'mars', region: 'nowhere' }).expect(400);
      assert.deepEqual(fields(bad), ['alias', 'id', 'partition', 'provider', 'region']);
      // Cross-field rule of the directory file: only the aws partition has regional endpoints.
      const gov = await post('/api/v1/admin/accounts').send({ id: '777788889999', alias: 'gov', provider: 'G', partition: 'aws-us-gov', region: 'eu-west-1' }).expect(400);
      assert.deepEqual(fields(gov), ['region']);
      await post('/api/v1/admin/accounts').send({ id: '777788889999', alias: 'gov', provider: 'GatehouseGov', partition: 'aws-us-gov' }).expect(201);
      assert.equal(code(await withToken(t, read).post('/api/v1/admin/accounts').send({ id: '444455556666', alias: 'x', provider: 'G' }).expect(403)), 'forbidden');
    });

    it('lists (filter, pages) and gets by id or alias; not_found', async () => {
      const all = await withToken(t, read).get('/api/v1/admin/accounts').expect(200);
      assert.deepEqual(all.body.items.map((a: { alias: string }) => a.alias), ['gov', 'prod']);
      const gov = await admin.agent.get('/api/v1/admin/accounts?partition=aws-us-gov').expect(200);
      assert.deepEqual(gov.body.items.map((a: { alias: string }) => a.alias), ['gov']);
      assert.deepEqual(fields(await admin.agent.get('/api/v1/admin/accounts?partition=mars').expect(400)), ['partition']);
      assert.equal((await admin.agent.get('/api/v1/admin/accounts/prod').expect(200)).body.id, '111122223333');
      assert.equal((await admin.agent.get('/api/v1/admin/accounts/111122223333').expect(200)).body.alias, 'prod');
      assert.equal(code(await admin.agent.get('/api/v1/admin/accounts/nope').expect(404)), 'not_found');
    });

    it('changes an account (before and after audited); region null is the global endpoint', async () => {
      const res = await patch('/api/v1/admin/accounts/prod').send({ region: 'eu-west-1', provider: 'GatehouseIdP' }).expect(200);
      assert.deepEqual([res.body.region, res.body.providerName, res.body.alias], ['eu-west-1', 'GatehouseIdP', 'prod']);
      const ev = await lastEvent('account.updated');
      assert.deepEqual([(ev.detail.before as { region: null }).region, (ev.detail.after as { region: string }).region], [null, 'eu-west-1']);
      assert.deepEqual(fields(await patch('/api/v1/admin/accounts/prod').send({ alias: 'x y' }).expect(400)), ['alias']);
      assert.equal(code(await patch('/api/v1/admin/accounts/prod').send({ alias: 'gov' }).expect(409)), 'conflict');
      assert.equal(code(await patch('/api/v1/admin/accounts/nope').send({}).expect(404)), 'not_found');
      assert.equal(code(await withToken(t, read).patch('/api/v1/admin/accounts/prod').send({ region: null }).expect(403)), 'forbidden');
      assert.equal((await patch('/api/v1/admin/accounts/prod').send({ region: null }).expect(200)).body.region, null);
    });

    it('the trust policy of a role: both endpoints, and the AuthMethod check only when every mapping requires a factor', async () => {
      await patch('/api/v1/admin/accounts/prod').send({ region: 'eu-west-1' }).expect(200);
      await post('/api/v1/admin/groups').send({ name: 'admins' }).expect(201);
      await post('/api/v1/admin/groups').send({ name: 'oncall' }).expect(201);
      await post('/api/v1/admin/groups/admins/mappings').send({ account: 'prod', role: 'Admin', requireFactor: 'webauthn' }).expect(201);
      const acs = ['https://signin.aws.amazon.com/saml', 'https://eu-west-1.signin.aws.amazon.com/saml'];

      const one = (await admin.agent.get('/api/v1/admin/accounts/prod/trust-policy?role=Admin').expect(200)).body;
      assert.deepEqual([one.account, one.role, one.acsUrls, one.authMethods, one.mappedBy], ['prod', 'Admin', acs, ['webauthn'], [{ group: 'admins', requireFactor: 'webauthn' }]]);
      assert.deepEqual(one.policy.Statement, [
        { Sid: 'GatehouseSignIn', Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::111122223333:saml-provider/GatehouseIdP' }, Action: ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity'], Condition: { StringEquals: { 'SAML:aud': acs } } },
        { Sid: 'GatehouseFactorCheckedByIam', Effect: 'Allow', Principal: { Federated: 'arn:aws:iam::111122223333:saml-provider/GatehouseIdP' }, Action: ['sts:TagSession'], Condition: { StringEquals: { 'SAML:aud': acs, 'aws:RequestTag/AuthMethod': ['webauthn'] } } },
      ]);
      // Another group maps it with `totp`: a security key still meets that, so IAM accepts either.
      const oncall = await post('/api/v1/admin/groups/oncall/mappings').send({ account: 'prod', role: 'Admin', requireFactor: 'totp' }).expect(201);
      assert.deepEqual((await admin.agent.get('/api/v1/admin/accounts/prod/trust-policy?role=Admin').expect(200)).body.authMethods, ['totp', 'webauthn']);
      // A mapping without a requirement: no factor check (it would refuse sign-ins Gatehouse allows).
      await admin.agent.patch(`/api/v1/admin/groups/oncall/mappings/${oncall.body.id}`).set('x-csrf-token', admin.csrf).send({ requireFactor: null }).expect(200);
      const none = (await admin.agent.get('/api/v1/admin/accounts/prod/trust-policy?role=Admin').expect(200)).body;
      assert.equal(none.authMethods, null);
      assert.deepEqual(none.policy.Statement[0].Action, ['sts:AssumeRoleWithSAML', 'sts:TagSession', 'sts:SetSourceIdentity']);
      // An unmapped role: the plain policy; a read token may read it.
      const unmapped = (await withToken(t, read).get('/api/v1/admin/accounts/prod/trust-policy?role=Nobody').expect(200)).body;
      assert.deepEqual([unmapped.mappedBy, unmapped.authMethods], [[], null]);
      assert.deepEqual(fields(await admin.agent.get('/api/v1/admin/accounts/prod/trust-policy').expect(400)), ['role']);
      assert.equal(code(await admin.agent.get('/api/v1/admin/accounts/nope/trust-policy?role=Admin').expect(404)), 'not_found');
      const acct = (await admin.agent.get('/api/v1/admin/accounts/prod').expect(200)).body;
      assert.deepEqual([acct.roles, acct.mappings], [['Admin'], 2]);
    });

    it('deletes an account (sensitive) with its mappings, which `before` lists', async () => {
      t.clock.advance((t.ctx.config.admin.reauthSeconds + 60) * 1000);
      try {
        assert.equal(code(await del('/api/v1/admin/accounts/prod').expect(403)), 'reauth_required');
      } finally { t.clock.advance(-(t.ctx.config.admin.reauthSeconds + 60) * 1000); }
      assert.equal(code(await withToken(t, read).delete('/api/v1/admin/accounts/prod').expect(403)), 'forbidden');
      await del('/api/v1/admin/accounts/prod').expect(204);
      const ev = await lastEvent('account.deleted');
      assert.equal(ev.detail.mappings, 2);
      assert.deepEqual((ev.detail.before as { mappings: { group: string }[] }).mappings.map((m) => m.group).sort(), ['admins', 'oncall']);
      assert.deepEqual(await t.ctx.store.accounts.listMappings(), []);
      assert.equal(code(await del('/api/v1/admin/accounts/prod').expect(404)), 'not_found');
    });
  });
}
