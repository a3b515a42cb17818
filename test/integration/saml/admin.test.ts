// Admin API: register an SP from its metadata, list, remove; admins only, CSRF header required.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { loginWithTotp } from '../../helpers/login.js';
import { createTestUser, TEST_PASSWORD } from '../../helpers/users.js';
import { fixture, genericSpMetadata } from '../../unit/saml/spFixtures.js';

describe('admin API and page', () => {
  let t: SamlTestApp;
  let admin: { agent: ReturnType<typeof supertest.agent>; csrf: string };
  before(async () => {
    t = await startSamlApp();
    const u = await createTestUser(t.ctx, { username: 'root', totpSecret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', groups: ['gatehouse-admins'] });
    const agent = supertest.agent(t.app.server);
    const { csrf } = await loginWithTotp(agent, { username: 'root', password: TEST_PASSWORD, secret: u.secret!, now: t.clock.now() });
    admin = { agent, csrf };
  });
  after(async () => { await t.close(); });

  it('registers from metadata, lists and removes; audited', async () => {
    const res = await admin.agent.post('/api/v1/admin/service-providers').set('x-csrf-token', admin.csrf).send({ metadata: genericSpMetadata(), name: 'Example SP' }).expect(201);
    assert.equal(res.body.entityId, 'https://sp.example.com/saml/metadata');
    assert.deepEqual(res.body.acs.map((a: { url: string }) => a.url), ['https://sp.example.com/acs', 'https://sp.example.com/saml/acs2', 'https://sp.example.com/saml/artifact']);
    assert.equal(res.body.wantRequestsSigned, true);
    const list = await admin.agent.get('/api/v1/admin/service-providers').set('x-csrf-token', admin.csrf).expect(200);
    assert.deepEqual(list.body.items.map((s: { name: string }) => s.name), ['Example SP']);
    await admin.agent.delete(`/api/v1/admin/service-providers/${res.body.id}`).set('x-csrf-token', admin.csrf).expect(204);
    assert.equal((await t.ctx.store.serviceProviders.list()).length, 0);
    assert.deepEqual((await t.ctx.store.audit.list()).slice(0, 2).map((e) => e.type), ['sp.removed', 'sp.registered']);
  });

  it('refuses metadata with a DOCTYPE, a body that is not metadata, a missing CSRF header, and non-admins', async () => {
    const evil = `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>${genericSpMetadata().replace(/^<\?xml[^>]*>/, '')}`;
    const r1 = await admin.agent.post('/api/v1/admin/service-providers').set('x-csrf-token', admin.csrf).send({ metadata: evil }).expect(400);
    assert.equal(r1.body.error.code, 'saml_doctype_forbidden');
    const r2 = await admin.agent.post('/api/v1/admin/service-providers').set('x-csrf-token', admin.csrf).send({ metadata: fixture('generic-sp-authnrequest.xml') }).expect(400);
    assert.match(r2.body.error.code, /validation_failed|saml_request_invalid/);
    await admin.agent.post('/api/v1/admin/service-providers').send({ metadata: genericSpMetadata() }).expect(403);
    const r3 = await t.agent.post('/api/v1/admin/service-providers').set('x-csrf-token', t.csrf).send({ metadata: genericSpMetadata() }).expect(403);
    assert.equal(r3.body.error.code, 'forbidden');
    assert.equal((await t.ctx.store.serviceProviders.list()).length, 0);
  });

  it('/admin: a read-only overview for admins, with user text escaped; others are refused', async () => {
    await t.ctx.store.users.create({ id: 'evil', username: 'mallory', email: '<img src=x onerror=alert(1)>@example.com' }, t.clock.now());
    const page = await admin.agent.get('/admin').expect(200);
    for (const s of ['alice', 'platform-admins', 'prod/Admin (needs webauthn)', '111122223333', 'sp.removed', 'login.']) assert.ok(page.text.includes(s), s);
    assert.ok(page.text.includes('&lt;img src=x onerror=alert(1)&gt;@example.com'));
    assert.ok(!page.text.includes('<img src=x'));
    const refused = await t.agent.get('/admin').expect(403);
    assert.match(refused.text, /Only administrators/);
  });
});
