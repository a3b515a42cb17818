// SP-initiated SSO with both bindings, each AuthnRequest rejection, ForceAuthn, IsPassive, Identity Center.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { deflateRawSync } from 'node:zlib';
import supertest from 'supertest';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { parseAutoPost, verifyWithNodeSaml } from '../../helpers/verifySamlResponse.js';
import { loginWithTotp } from '../../helpers/login.js';
import { createTestUser, TEST_PASSWORD } from '../../helpers/users.js';
import { xmlsecVerify } from '../../interop/helpers.js';
import { fixture, genericSpMetadata, redirectQuery, signPostRequest, spKey } from '../../unit/saml/spFixtures.js';
import { testSigningKey } from '../../unit/saml/testKeys.js';
import { registerServiceProvider } from '../../../src/directory/registerServiceProvider.js';

const SP = 'https://sp.example.com/saml/metadata';
const ACS = 'https://sp.example.com/acs';
let seq = 0;

describe('SP-initiated SSO', () => {
  let t: SamlTestApp;
  const request = (o: { acs?: string; issuer?: string; instant?: Date; force?: boolean; passive?: boolean; id?: string } = {}): string => {
    let x = fixture('generic-sp-authnrequest.xml')
      .replace('https://idp.example.com/saml/sso', `${t.url}/saml/sso`)
      .replace('2026-11-24T15:00:00Z', (o.instant ?? new Date(t.clock.now())).toISOString().replace(/\.\d{3}Z$/, 'Z'))
      .replace('_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6', o.id ?? `_req${Date.now()}${seq++}`);
    if (o.acs) x = x.replace(`AssertionConsumerServiceURL="${ACS}"`, `AssertionConsumerServiceURL="${o.acs}"`);
    if (o.issuer) x = x.replace(`<saml:Issuer>${SP}</saml:Issuer>`, `<saml:Issuer>${o.issuer}</saml:Issuer>`);
    if (o.force) x = x.replace('Version="2.0"', 'Version="2.0" ForceAuthn="true"');
    if (o.passive) x = x.replace('Version="2.0"', 'Version="2.0" IsPassive="true"');
    return x.replace(/^<\?xml[^>]*>\s*/, '');
  };
  const redirect = (xml: string, relayState?: string, key = spKey) => t.agent.get(`/saml/sso?${redirectQuery(xml, { key, ...(relayState ? { relayState } : {}) })}`);
  const post = (xml: string, extra: Record<string, string> = {}) => t.agent.post('/saml/sso').type('form').send({ SAMLRequest: Buffer.from(xml).toString('base64'), ...extra });

  before(async () => {
    t = await startSamlApp();
    await registerServiceProvider(t.ctx, { metadataXml: genericSpMetadata(), name: 'Example SP' });
  });
  after(async () => { await t.close(); });

  async function expectGoodResponse(res: { status: number; text: string }, relayState?: string) {
    assert.equal(res.status, 200, res.text.slice(0, 400));
    const form = parseAutoPost(res.text);
    assert.equal(form.action, ACS);
    assert.equal(form.relayState, relayState);
    const profile = await verifyWithNodeSaml(form, { certificatePem: t.certificatePem, audience: SP });
    assert.ok(xmlsecVerify(form.xml, t.certificatePem).ok);
    assert.match(form.xml, /InResponseTo="_req/);
    assert.equal(profile.nameID, (await t.ctx.store.users.findByUsername('alice'))!.id);
    assert.equal(profile.email, 'alice@example.com');
    return form;
  }

  it('HTTP-Redirect, signed: a signed Response to the registered ACS, InResponseTo and RelayState echoed', async () => {
    await expectGoodResponse(await redirect(request(), 'state-123'), 'state-123');
  });

  it('HTTP-POST, one enveloped signature over the root', async () => {
    await expectGoodResponse(await post(signPostRequest(request()), { RelayState: 'p' }), 'p');
  });

  it('a signed-out browser signs in first and comes back to the SP', async () => {
    const bob = await createTestUser(t.ctx, { username: 'bob', email: 'bob@example.com', totpSecret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' });
    const agent = supertest.agent(t.app.server);
    const first = await agent.get(`/saml/sso?${redirectQuery(request(), { key: spKey, relayState: 'rs' })}`).expect(303);
    const returnTo = decodeURIComponent(/return_to=([^&]+)/.exec(first.headers.location as string)![1]!);
    assert.match(returnTo, /^\/saml\/resume\?r=/);
    const { location } = await loginWithTotp(agent, { username: 'bob', password: TEST_PASSWORD, secret: bob.secret!, now: t.clock.now(), returnTo });
    assert.equal(location, returnTo);
    const res = await agent.get(returnTo).expect(200);
    const form = parseAutoPost(res.text);
    assert.equal(form.relayState, 'rs');
    const profile = await verifyWithNodeSaml(form, { certificatePem: t.certificatePem, audience: SP });
    assert.equal(profile.nameID, bob.user.id);
  });

  it('a tampered resume link is refused', async () => {
    await t.agent.get('/saml/resume?r=v1.AAAA.BBBB.CCCC').expect(400);
  });

  it('ForceAuthn sends even a signed-in person through sign-in again', async () => {
    const res = await redirect(request({ force: true })).expect(303);
    assert.match(res.headers.location as string, /^\/login\?return_to=%2Fsaml%2Fresume.*&force=1$/);
  });

  it('IsPassive without a session: a signed SAML error Response (NoPassive) to the validated ACS', async () => {
    const anon = supertest.agent(t.app.server);
    const res = await anon.get(`/saml/sso?${redirectQuery(request({ passive: true }), { key: spKey })}`).expect(200);
    const form = parseAutoPost(res.text);
    assert.equal(form.action, ACS);
    assert.match(form.xml, /status:NoPassive/);
    assert.ok(xmlsecVerify(form.xml, t.certificatePem, 'urn:oasis:names:tc:SAML:2.0:protocol:Response').ok);
  });

  describe('rejections (an error page, never a Response to an unvalidated ACS)', () => {
    const refused = (res: { status: number; text: string }, code: string, status = 400) => {
      assert.equal(res.status, status, res.text.slice(0, 300));
      assert.match(res.text, new RegExp(code));
      assert.doesNotMatch(res.text, /SAMLResponse/);
    };
    it('unknown issuer', async () => refused(await redirect(request({ issuer: 'https://unknown.example.com' })), 'saml_unknown_sp'));
    it('foreign ACS', async () => refused(await redirect(request({ acs: 'https://evil.example.com/acs' })), 'saml_acs_mismatch'));
    for (const acs of ['https://sp.example.com/acs/', 'https://sp.example.com/ACS', 'https://sp.example.com.evil.com/acs', 'https://sp.example.com/acs.evil', 'http://sp.example.com/acs']) {
      it(`look-alike ACS ${acs}`, async () => refused(await redirect(request({ acs })), 'saml_acs_mismatch'));
    }
    it('missing signature when the SP signs its requests', async () => {
      refused(await t.agent.get(`/saml/sso?${redirectQuery(request())}`), 'saml_signature_invalid');
      refused(await post(request()), 'saml_signature_invalid');
    });
    it('signature by another key', async () => {
      const other = testSigningKey('other', 2048);
      refused(await redirect(request(), undefined, other), 'saml_signature_invalid');
      refused(await post(signPostRequest(request(), other)), 'saml_signature_invalid');
    });
    it('stale IssueInstant', async () => refused(await redirect(request({ instant: new Date(t.clock.now() - 10 * 60_000) })), 'saml_request_stale'));
    it('replayed request ID', async () => {
      const xml = request({ id: '_replay-me' });
      assert.equal((await redirect(xml)).status, 200);
      refused(await redirect(xml), 'saml_request_replayed');
    });
    it('DOCTYPE', async () => refused(await post(fixture('authnrequest-xxe.xml')), 'saml_doctype_forbidden'));
    it('oversized request: 413', async () => {
      const big = request().replace('</samlp:AuthnRequest>', `<!-- ${'x'.repeat(400_000)} --></samlp:AuthnRequest>`);
      refused(await t.agent.get(`/saml/sso?SAMLRequest=${encodeURIComponent(deflateRawSync(big).toString('base64'))}`), 'payload_too_large', 413);
    });
    it('decompression bomb: 413, quickly and with bounded memory', async () => {
      // 8 MB of spaces deflate to ~8 KB: the largest bomb a URL can carry (Node refuses headers over 16 KB with 431).
      const bomb = deflateRawSync(Buffer.alloc(8 * 1024 * 1024, 0x20)).toString('base64');
      const before = process.memoryUsage().rss;
      refused(await t.agent.get(`/saml/sso?SAMLRequest=${encodeURIComponent(bomb)}`), 'payload_too_large', 413);
      assert.ok(process.memoryUsage().rss - before < 40 * 1024 * 1024, 'memory grew by more than 40 MB');
      const huge = deflateRawSync(Buffer.alloc(50 * 1024 * 1024, 0x20)).toString('base64');
      assert.equal((await t.agent.get(`/saml/sso?SAMLRequest=${encodeURIComponent(huge)}`)).status, 431);
    });
  });

  it('IAM Identity Center preset: NameID emailAddress and AccessControl attributes', async () => {
    await registerServiceProvider(t.ctx, { metadataXml: fixture('identity-center-sp-metadata.xml'), name: 'IAM Identity Center', kind: 'identity-center' });
    const ic = fixture('identity-center-authnrequest.xml');
    const entityId = /<saml2?:Issuer[^>]*>([^<]+)</.exec(ic)![1]!;
    const acs = /AssertionConsumerServiceURL="([^"]+)"/.exec(ic)![1]!;
    const xml = ic.replace(/Destination="[^"]+"/, `Destination="${t.url}/saml/sso"`).replace(/IssueInstant="[^"]+"/, `IssueInstant="${new Date(t.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z')}"`).replace(/^<\?xml[^>]*>\s*/, '');
    const res = await t.agent.get(`/saml/sso?${redirectQuery(xml)}`).expect(200);
    const form = parseAutoPost(res.text);
    assert.equal(form.action, acs);
    const profile = await verifyWithNodeSaml(form, { certificatePem: t.certificatePem, audience: entityId });
    assert.equal(profile.nameID, 'alice@example.com');
    assert.equal(profile.nameIDFormat, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    assert.equal(profile['https://aws.amazon.com/SAML/Attributes/AccessControl:CostCenter'], 'CC-1234');
  });

  it('IdP-initiated from the portal: Identity Center gets a Response without InResponseTo at its default ACS', async () => {
    const ic = (await t.ctx.store.serviceProviders.list()).find((x) => x.kind === 'identity-center')!;
    const portal = await t.agent.get('/').expect(200);
    assert.match(portal.text, new RegExp(`name="sp" value="${ic.id}"`));
    const res = await t.agent.post('/saml/launch').type('form').send({ _csrf: t.csrf, sp: ic.id }).expect(200);
    const form = parseAutoPost(res.text);
    assert.equal(form.action, ic.acs[0]!.url);
    assert.doesNotMatch(form.xml, /InResponseTo/);
    const profile = await verifyWithNodeSaml(form, { certificatePem: t.certificatePem, audience: ic.entityId });
    assert.equal(profile.nameID, 'alice@example.com');
    await t.agent.post('/saml/launch').type('form').send({ sp: ic.id }).expect(403);
    await t.agent.post('/saml/launch').type('form').send({ _csrf: t.csrf, sp: 'nope' }).expect(400);
  });
});
