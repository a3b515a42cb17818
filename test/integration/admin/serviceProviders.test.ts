/**
 * Service providers through the admin API, on both databases: register, list (paginated, filtered), get, enable /
 * disable (PATCH), remove — success, not_found, validation errors naming the field, a read token refused on every
 * write, and each change one audit event with by, via, before and after. A disabled SP is refused: its AuthnRequest
 * gets saml_sp_disabled (an error page, no Response), the portal hides it and its IdP-initiated launch is refused;
 * enabled again, it signs people in again.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { bothDatabases } from '../../helpers/databases.js';
import { makeAdminToken, signInAdmin, withToken, type SignedInAdmin } from '../../helpers/admin.js';
import { fixture, genericSpMetadata, redirectQuery, spKey } from '../../unit/saml/spFixtures.js';
import { parseAutoPost } from '../../helpers/verifySamlResponse.js';

const SP = 'https://sp.example.com/saml/metadata';
const ACS = 'https://sp.example.com/acs';
let n = 0;

for (const db of bothDatabases) {
  describe(`service providers API (${db})`, () => {
    let t: SamlTestApp;
    let admin: SignedInAdmin;
    let readToken: string;
    let writeToken: { token: string; id: string };
    const code = (res: { body: { error?: { code?: string } } }) => res.body.error?.code;
    const lastEvent = async () => (await t.ctx.store.audit.list({ limit: 1 }))[0]!;
    const request = (): string => fixture('generic-sp-authnrequest.xml')
      .replace('https://idp.example.com/saml/sso', `${t.url}/saml/sso`)
      .replace('2026-11-24T15:00:00Z', new Date(t.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'))
      .replace('_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6', `_spapi${Date.now()}${n++}`)
      .replace(/^<\?xml[^>]*>\s*/, '');
    const signIn = () => t.agent.get(`/saml/sso?${redirectQuery(request(), { key: spKey })}`);

    before(async () => {
      t = await startSamlApp({ db });
      admin = await signInAdmin(t);
      readToken = (await makeAdminToken(admin, 'read')).token;
      writeToken = await makeAdminToken(admin, 'write');
    });
    after(async () => { await t.close(); });

    it('register: 201 with the ACS URLs, audited with by, via and after; metadata again updates with before', async () => {
      const res = await withToken(t, writeToken.token).post('/api/v1/admin/service-providers').send({ metadata: genericSpMetadata(), name: 'Example SP' }).expect(201);
      assert.equal(res.body.entityId, SP);
      assert.equal(res.body.enabled, true);
      assert.deepEqual(res.body.acs.map((a: { url: string }) => a.url), [ACS, 'https://sp.example.com/saml/acs2', 'https://sp.example.com/saml/artifact']);
      assert.equal('metadataXml' in res.body, false);
      const ev = await lastEvent();
      assert.equal(ev.type, 'sp.registered');
      assert.deepEqual([ev.detail.by, ev.detail.via, ev.detail.before], ['root', `api-token:${writeToken.id}`, undefined]);
      assert.deepEqual((ev.detail.after as { name: string; enabled: boolean }), { name: 'Example SP', kind: 'generic', acs: res.body.acs.map((a: { url: string }) => a.url), wantRequestsSigned: true, enabled: true });
      const again = await admin.agent.post('/api/v1/admin/service-providers').set('x-csrf-token', admin.csrf).send({ metadata: genericSpMetadata(), name: 'Example SP 2' }).expect(201);
      assert.equal(again.body.id, res.body.id);
      const upd = await lastEvent();
      assert.equal(upd.type, 'sp.updated');
      assert.deepEqual([upd.detail.via, (upd.detail.before as { name: string }).name, (upd.detail.after as { name: string }).name], ['api-session', 'Example SP', 'Example SP 2']);
    });

    it('list is paginated and filtered; get one; not_found', async () => {
      const list = await withToken(t, readToken).get('/api/v1/admin/service-providers?limit=1').expect(200);
      assert.deepEqual([list.body.total, list.body.items.length, list.body.nextOffset], [1, 1, null]);
      const sp = list.body.items[0];
      assert.equal((await withToken(t, readToken).get('/api/v1/admin/service-providers?enabled=false').expect(200)).body.total, 0);
      assert.equal((await withToken(t, readToken).get('/api/v1/admin/service-providers?kind=identity-center').expect(200)).body.total, 0);
      const one = await withToken(t, readToken).get(`/api/v1/admin/service-providers/${sp.id}`).expect(200);
      assert.deepEqual(one.body, sp);
      assert.equal(code(await withToken(t, readToken).get('/api/v1/admin/service-providers/no-such-sp').expect(404)), 'not_found');
    });

    it('validation errors name the field', async () => {
      const bad = async (res: { status: number; body: { error: { code: string; detail: { field: string }[] } } }, field: string) => {
        assert.equal(res.status, 400, JSON.stringify(res.body));
        assert.equal(res.body.error.code, 'validation_failed');
        assert.ok(res.body.error.detail.some((d) => d.field === field), JSON.stringify(res.body.error.detail));
      };
      const w = withToken(t, writeToken.token);
      const id = (await t.ctx.store.serviceProviders.findByEntityId(SP))!.id;
      await bad(await w.post('/api/v1/admin/service-providers').send({ name: 'x' }), 'metadata');
      await bad(await w.post('/api/v1/admin/service-providers').send({ metadata: genericSpMetadata(), kind: 'aws' }), 'kind');
      await bad(await w.patch(`/api/v1/admin/service-providers/${id}`).send({ enabled: 'yes' }), 'enabled');
      await bad(await w.patch(`/api/v1/admin/service-providers/${id}`).send({}), 'enabled');
      await bad(await withToken(t, readToken).get('/api/v1/admin/service-providers?enabled=maybe'), 'enabled');
      const notMetadata = await w.post('/api/v1/admin/service-providers').send({ metadata: '<x/>' }).expect(400);
      assert.match(notMetadata.body.error.message, /SP metadata/);
    });

    it('a read token is refused on every write', async () => {
      const id = (await t.ctx.store.serviceProviders.findByEntityId(SP))!.id;
      const r = withToken(t, readToken);
      for (const res of [
        await r.post('/api/v1/admin/service-providers').send({ metadata: genericSpMetadata() }),
        await r.patch(`/api/v1/admin/service-providers/${id}`).send({ enabled: false }),
        await r.delete(`/api/v1/admin/service-providers/${id}`),
      ]) {
        assert.equal(res.status, 403);
        assert.equal(code(res), 'forbidden');
      }
      assert.equal((await t.ctx.store.serviceProviders.findById(id))?.enabled, true);
    });

    it('disabled: its AuthnRequests get saml_sp_disabled, the portal hides it, its launch is refused; enabled again, it works', async () => {
      const sp = (await t.ctx.store.serviceProviders.findByEntityId(SP))!;
      assert.equal((await signIn()).status, 200, 'enabled: answered');
      assert.match((await t.agent.get('/').expect(200)).text, new RegExp(`name="sp" value="${sp.id}"`));

      const off = await withToken(t, writeToken.token).patch(`/api/v1/admin/service-providers/${sp.id}`).send({ enabled: false }).expect(200);
      assert.equal(off.body.enabled, false);
      const ev = await lastEvent();
      assert.equal(ev.type, 'sp.disabled');
      assert.deepEqual([ev.detail.entityId, ev.detail.by, ev.detail.via], [SP, 'root', `api-token:${writeToken.id}`]);
      assert.deepEqual([(ev.detail.before as { enabled: boolean }).enabled, (ev.detail.after as { enabled: boolean }).enabled], [true, false]);

      const refused = await signIn();
      assert.equal(refused.status, 403);
      assert.match(refused.text, /saml_sp_disabled/);
      assert.match(refused.text, /disabled in Gatehouse/);
      assert.doesNotMatch(refused.text, /SAMLResponse/);
      const json = await t.agent.get(`/saml/sso?${redirectQuery(request(), { key: spKey })}`).set('accept', 'application/json').expect(403);
      assert.equal(code(json), 'saml_sp_disabled');
      assert.doesNotMatch((await t.agent.get('/').expect(200)).text, new RegExp(`value="${sp.id}"`), 'the portal hides it');
      const launch = await t.agent.post('/saml/launch').type('form').send({ _csrf: t.csrf, sp: sp.id });
      assert.equal(launch.status, 403);
      assert.match(launch.text, /saml_sp_disabled/);

      const unchanged = await withToken(t, writeToken.token).patch(`/api/v1/admin/service-providers/${sp.id}`).send({ enabled: false }).expect(200);
      assert.equal(unchanged.body.enabled, false);
      assert.equal((await lastEvent()).seq, ev.seq, 'disabling a disabled SP records nothing');

      await admin.agent.patch(`/api/v1/admin/service-providers/${sp.id}`).set('x-csrf-token', admin.csrf).send({ enabled: true }).expect(200);
      const on = await lastEvent();
      assert.deepEqual([on.type, on.detail.via], ['sp.enabled', 'api-session']);
      const ok = await signIn();
      assert.equal(ok.status, 200);
      assert.equal(parseAutoPost(ok.text).action, ACS);
    });

    it('remove: 204, audited with before; then not_found', async () => {
      const sp = (await t.ctx.store.serviceProviders.findByEntityId(SP))!;
      await withToken(t, writeToken.token).delete(`/api/v1/admin/service-providers/${sp.id}`).expect(204);
      const ev = await lastEvent();
      assert.deepEqual([ev.type, ev.detail.entityId, ev.detail.by, ev.detail.via, (ev.detail.before as { name: string }).name, ev.detail.after], ['sp.removed', SP, 'root', `api-token:${writeToken.id}`, sp.name, undefined]);
      assert.equal(code(await withToken(t, writeToken.token).delete(`/api/v1/admin/service-providers/${sp.id}`).expect(404)), 'not_found');
      assert.equal(code(await withToken(t, writeToken.token).patch(`/api/v1/admin/service-providers/${sp.id}`).send({ enabled: true }).expect(404)), 'not_found');
    });
  });
}
