/**
 * Effective access and the assertion preview, on both databases. The preview's attributes are exactly those of the
 * Response Gatehouse signs for the same sign-in (same roles, tags, session duration, AuthMethod): both come from one
 * function. Nothing is signed or audited by a preview, a broken tag shows as the AWS lint's violation (and the real
 * sign-in is refused for the same rule), and access explains each blocked role: which rule, and what would unblock it.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { bothDatabases } from '../../helpers/databases.js';
import { makeAdminToken, signInAdmin, withToken, type SignedInAdmin } from '../../helpers/admin.js';
import { errorCode as code, refusedFields as fields } from '../../helpers/adminApi.js';
import { parseAutoPost } from '../../helpers/verifySamlResponse.js';
import { createTestUser } from '../../helpers/users.js';
import { checkAwsSamlResponse } from '../../../src/aws/checkAwsSamlResponse.js';

type Block = { rule: string; why: string; unblock: string };
type Role = { key: string; allowedNow: boolean; reason: string | null; groups: string[]; mappings: { group: string; chosen: boolean; blockedBy: Block[] }[] };

for (const db of bothDatabases) {
  describe(`admin API: effective access and assertion preview (${db})`, () => {
    let t: SamlTestApp;
    let admin: SignedInAdmin;
    let read: string;
    const role = (body: { roles: Role[] }, key: string): Role => {
      const r = body.roles.find((x) => x.key === key);
      assert.ok(r, `role ${key} in ${body.roles.map((x) => x.key).join(', ')}`);
      return r;
    };
    const preview = (body: Record<string, unknown>) => admin.agent.post('/api/v1/admin/users/alice/assertion-preview').set('x-csrf-token', admin.csrf).send(body);

    before(async () => {
      t = await startSamlApp({ db });
      admin = await signInAdmin(t, 'root', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
      read = (await makeAdminToken(admin, 'read')).token;
      // prod/Net is only for the office network.
      await admin.agent.post('/api/v1/admin/groups').set('x-csrf-token', admin.csrf).send({ name: 'office' }).expect(201);
      await admin.agent.post('/api/v1/admin/groups/office/mappings').set('x-csrf-token', admin.csrf).send({ account: 'prod', role: 'Net', sourceIps: ['10.0.0.0/8'] }).expect(201);
      await admin.agent.post('/api/v1/admin/groups/office/members').set('x-csrf-token', admin.csrf).send({ username: 'alice' }).expect(200);
    });
    after(async () => { await t.close(); });

    it('access: each role with the groups that give it, each block with why and what would unblock it', async () => {
      const res = await withToken(t, read).get('/api/v1/admin/users/alice/access').expect(200);
      const body = res.body as { judged: unknown; blocked: null; groups: string[]; tags: unknown; roles: Role[]; transitiveTagKeys: string[] };
      assert.deepEqual(body.judged, { factors: ['totp'], factorsFrom: 'devices', sourceIp: null });
      assert.deepEqual(body.groups, ['gov-users', 'office', 'platform-admins']);
      assert.equal(body.blocked, null);
      const admin_ = role(body, '111122223333/Admin');
      assert.deepEqual([admin_.allowedNow, admin_.reason, admin_.groups], [false, 'factor_required', ['platform-admins']]);
      const block = admin_.mappings[0]!.blockedBy[0]!;
      assert.equal(block.rule, 'factor_required');
      assert.match(block.why, /platform-admins requires a security key \(require: webauthn\); authenticator app does not meet it/);
      assert.match(block.unblock, /has no security key: they must add one/);
      const net = role(body, '111122223333/Net');
      assert.deepEqual([net.allowedNow, net.reason], [false, 'source_ip']);
      assert.match(net.mappings[0]!.blockedBy[0]!.why, /only from 10\.0\.0\.0\/8; no client address was given/);
      assert.match(net.mappings[0]!.blockedBy[0]!.unblock, /Sign in from an address in 10\.0\.0\.0\/8/);
      assert.deepEqual([role(body, '111122223333/ReadOnly').allowedNow, role(body, '777788889999/GovReadOnly').allowedNow], [true, true]);
      assert.deepEqual(body.tags, [{ key: 'CostCenter', value: 'CC-1234', group: null }, { key: 'Team', value: 'platform', group: 'platform-admins' }]);
      assert.deepEqual(body.transitiveTagKeys, ['CostCenter']);

      // What-if: a security key from the office network opens both.
      const what = (await admin.agent.get('/api/v1/admin/users/alice/access?factor=webauthn&sourceIp=10.1.2.3').expect(200)).body as { roles: Role[] };
      assert.deepEqual([role(what, '111122223333/Admin').allowedNow, role(what, '111122223333/Net').allowedNow], [true, true]);
      const outside = (await admin.agent.get('/api/v1/admin/users/alice/access?sourceIp=192.0.2.1').expect(200)).body as { roles: Role[] };
      assert.match(role(outside, '111122223333/Net').mappings[0]!.blockedBy[0]!.why, /192\.0\.2\.1 is outside those ranges/);

      assert.deepEqual(fields(await admin.agent.get('/api/v1/admin/users/alice/access?factor=sms&sourceIp=nope').expect(400)), ['factor', 'sourceIp']);
      assert.equal(code(await admin.agent.get('/api/v1/admin/users/nobody/access').expect(404)), 'not_found');
    });

    it('preview: the attributes Gatehouse signs for the same sign-in, nothing signed or audited', async () => {
      const ip = '::ffff:127.0.0.1'; // supertest's client address as the app sees it
      const assertionsBefore = (await t.ctx.store.audit.list({ type: 'saml.assertion', limit: 500 })).length;
      const res = await preview({ factor: 'totp', sourceIp: ip }).expect(200);
      assert.equal((await t.ctx.store.audit.list({ type: 'saml.assertion', limit: 500 })).length, assertionsBefore, 'a preview is not an assertion');
      assert.deepEqual([res.body.wouldSign, res.body.violations, res.body.refusal, res.body.partition, res.body.authMethod], [true, [], null, 'aws', 'totp']);
      assert.deepEqual(res.body.roles, ['111122223333/ReadOnly', '444455556666/Developer']);
      assert.deepEqual(res.body.left.map((l: { key: string }) => l.key).sort(), ['111122223333/Admin', '111122223333/Net', '123412341234/CnReadOnly', '777788889999/GovReadOnly']);

      // The same sign-in for real: alice (TOTP) opens "choose at AWS" in the aws partition.
      const signed = await t.agent.post('/aws/console').type('form').send({ _csrf: t.csrf, choose: 'aws' }).expect(200);
      const form = parseAutoPost(signed.text);
      const { violations, model } = checkAwsSamlResponse(form.xml, { now: new Date(t.clock.now()), expectedAcs: form.action, certificates: [t.certificatePem] });
      assert.deepEqual(violations, []);
      assert.deepEqual(res.body.attributes, model!.attributes, 'the preview shows exactly what is signed');
      assert.equal(res.body.acsUrl, form.action);

      // One account only; a read token may preview (nothing changes).
      const gov = await withToken(t, read).post('/api/v1/admin/users/alice/assertion-preview').send({ account: 'gov' }).expect(200);
      assert.deepEqual([gov.body.factor, gov.body.partition, gov.body.roles, gov.body.audience], ['totp', 'aws-us-gov', ['777788889999/GovReadOnly'], 'urn:amazon:webservices:govcloud']);
      const key = await preview({ factor: 'webauthn', account: 'prod', sourceIp: '10.9.9.9' }).expect(200);
      assert.deepEqual(key.body.roles, ['111122223333/Admin', '111122223333/Net', '111122223333/ReadOnly']);
      assert.ok(key.body.attributes.some((a: { name: string; values: string[] }) => a.name.endsWith('PrincipalTag:AuthMethod') && a.values[0] === 'webauthn'));
    });

    it('preview: a lint violation is shown, and the real sign-in is refused for the same rule', async () => {
      // A group tag that collides in case with alice's CostCenter attribute.
      await admin.agent.put('/api/v1/admin/groups/office/tags/costcenter').set('x-csrf-token', admin.csrf).send({ value: 'CC-9' }).expect(200);
      try {
        const res = await preview({ factor: 'totp', sourceIp: '::ffff:127.0.0.1', account: 'prod' }).expect(200);
        assert.equal(res.body.wouldSign, false);
        assert.deepEqual(res.body.violations.map((v: { rule: string }) => v.rule), ['tag.key.case_collision']);
        const refused = await t.agent.post('/aws/console').set('accept', 'application/json').type('form').send({ _csrf: t.csrf, role: '111122223333/ReadOnly' }).expect(422);
        assert.deepEqual(refused.body.error.detail.map((v: { rule: string }) => v.rule), ['tag.key.case_collision']);
      } finally {
        await admin.agent.delete('/api/v1/admin/groups/office/tags/costcenter').set('x-csrf-token', admin.csrf).expect(204);
      }
    });

    it('preview refusals: no role allowed, a disabled person, no device, unknown account or person', async () => {
      // A recovery code meets no requirement: of prod, only ReadOnly (no requirement) would be sent.
      assert.deepEqual((await preview({ factor: 'recovery', account: 'prod' }).expect(200)).body.roles, ['111122223333/ReadOnly']);
      await createTestUser(t.ctx, { username: 'loner', totpSecret: 'MFRGGZDFMZTWQ2LKMFRGGZDFMZTWQ2LK' });
      const none = await admin.agent.post('/api/v1/admin/users/loner/assertion-preview').set('x-csrf-token', admin.csrf).send({}).expect(200);
      assert.deepEqual([none.body.factor, none.body.wouldSign, none.body.roles, none.body.attributes], ['totp', false, [], []]);
      assert.match(none.body.refusal, /No role is allowed for this sign-in: Gatehouse would refuse \(no_roles\)/);
      assert.equal(code(await preview({ account: 'nope' }).expect(404)), 'not_found');
      assert.deepEqual(fields(await preview({ factor: 'sms', extra: 1 }).expect(400)), ['body', 'factor']);
      await createTestUser(t.ctx, { username: 'newbie', groups: ['platform-admins'] });
      const noDevice = await admin.agent.post('/api/v1/admin/users/newbie/assertion-preview').set('x-csrf-token', admin.csrf).send({}).expect(400);
      assert.deepEqual(fields(noDevice), ['factor']);
      assert.equal(code(await admin.agent.post('/api/v1/admin/users/nobody/assertion-preview').set('x-csrf-token', admin.csrf).send({}).expect(404)), 'not_found');

      const alice = (await t.ctx.store.users.findByUsername('alice'))!;
      await t.ctx.store.users.update(alice.id, { status: 'disabled' }, t.clock.now());
      try {
        const access = (await admin.agent.get('/api/v1/admin/users/alice/access').expect(200)).body as { blocked: string; roles: Role[] };
        assert.equal(access.blocked, 'disabled');
        assert.ok(access.roles.every((r) => !r.allowedNow && r.reason === 'disabled'));
        assert.match(role(access, '111122223333/ReadOnly').mappings[0]!.blockedBy[0]!.unblock, /Enable the account/);
        const res = await preview({ factor: 'totp' }).expect(200);
        assert.match(res.body.refusal, /disabled/);
      } finally {
        await t.ctx.store.users.update(alice.id, { status: 'active' }, t.clock.now());
      }
    });
  });
}
