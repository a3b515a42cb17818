/**
 * Issue 7, point 6: an AuthnRequest whose <Subject> named someone else got an assertion for whoever was signed
 * in. Now (SAML core §3.4.1) the assertion is only ever about the requested subject: the person signed in is
 * that subject → the usual Response; someone else → a signed error Response (Responder / RequestDenied) to the
 * validated ACS and `saml_subject_mismatch` in the audit; nobody signed in → sign in first, then the same rule.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { parseAutoPost, verifyWithNodeSaml, type AutoPostForm } from '../../helpers/verifySamlResponse.js';
import { loginWithTotp } from '../../helpers/login.js';
import { createTestUser, TEST_PASSWORD, type TestUser } from '../../helpers/users.js';
import { EXAMPLE_ACS, EXAMPLE_SP, exampleAuthnRequest, ssoPath } from '../../helpers/authnRequests.js';
import { xmlsecVerify } from '../../interop/helpers.js';
import { genericSpMetadata } from '../../unit/saml/spFixtures.js';
import { registerServiceProvider } from '../../../src/directory/registerServiceProvider.js';

const persistent = 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent';
const nameId = (value: string, format = persistent) => `<saml:NameID Format="${format}">${value}</saml:NameID>`;
const bearer = '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"/>';

for (const db of ['sqlite', 'postgres'] as const) describe(`an AuthnRequest that names its subject (${db})`, () => {
  let t: SamlTestApp;
  let aliceId = '';
  let bob: TestUser;
  let carol: TestUser;
  let n = 0;
  const id = () => `_subject-${db}-${n++}`;

  before(async () => {
    t = await startSamlApp({ db });
    await registerServiceProvider(t.ctx, { metadataXml: genericSpMetadata(), name: 'Example SP' });
    aliceId = (await t.ctx.store.users.findByUsername('alice'))!.id;
    bob = await createTestUser(t.ctx, { username: 'bob', totpSecret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' });
    carol = await createTestUser(t.ctx, { username: 'carol', totpSecret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJR' });
  });
  after(async () => { await t.close(); });

  /** The form is a signed error Response (Responder / RequestDenied) answering `requestId`, with no assertion. */
  function assertSubjectRefused(form: AutoPostForm, requestId: string) {
    assert.equal(form.action, EXAMPLE_ACS);
    assert.match(form.xml, /<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:RequestDenied">/);
    assert.match(form.xml, new RegExp(`InResponseTo="${requestId}"`));
    assert.doesNotMatch(form.xml, /Assertion/);
    assert.match(form.xml, /someone other than the person signed in/);
    assert.ok(xmlsecVerify(form.xml, t.certificatePem, 'urn:oasis:names:tc:SAML:2.0:protocol:Response').ok, 'signed');
  }
  const lastAssertionAudit = async () => (await t.ctx.store.audit.list({ type: 'saml.assertion' }))[0]!;

  it('the person signed in is the subject: the usual Response about them', async () => {
    for (const subject of [nameId(aliceId), nameId(aliceId) + bearer, `<saml:NameID>${aliceId}</saml:NameID>`, bearer]) {
      const res = await t.agent.get(ssoPath(exampleAuthnRequest(t.url, t.clock.now(), { id: id(), subject }))).expect(200);
      const profile = await verifyWithNodeSaml(parseAutoPost(res.text), { certificatePem: t.certificatePem, audience: EXAMPLE_SP });
      assert.equal(profile.nameID, aliceId, subject);
    }
  });

  it('someone else is signed in: a signed error Response, no assertion, audited', async () => {
    const cases = [
      nameId(bob.user.id), nameId('alice', 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified'),
      nameId(aliceId, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress'), nameId(aliceId.toUpperCase()),
      '<saml:EncryptedID><xenc:EncryptedData xmlns:xenc="http://www.w3.org/2001/04/xmlenc#"/></saml:EncryptedID>',
    ];
    for (const subject of cases) {
      const requestId = id();
      const res = await t.agent.get(ssoPath(exampleAuthnRequest(t.url, t.clock.now(), { id: requestId, subject }))).expect(200);
      assertSubjectRefused(parseAutoPost(res.text), requestId);
      const audit = await lastAssertionAudit();
      assert.equal(audit.outcome, 'failure', subject);
      assert.equal(audit.reason, 'saml_subject_mismatch', subject);
      assert.equal(audit.userId, aliceId);
    }
  });

  it('nobody signed in: sign in first; the subject gets the Response, anyone else the error', async () => {
    t.clock.advance(30_000);
    const asBob = supertest.agent(t.app.server);
    const first = await asBob.get(ssoPath(exampleAuthnRequest(t.url, t.clock.now(), { id: id(), subject: nameId(bob.user.id) }))).expect(303);
    const returnTo = new URL(first.headers.location as string, t.url).searchParams.get('return_to')!;
    await loginWithTotp(asBob, { username: 'bob', password: TEST_PASSWORD, secret: bob.secret!, now: t.clock.now(), returnTo });
    const form = parseAutoPost((await asBob.get(returnTo).expect(200)).text);
    assert.match(form.xml, new RegExp(`<saml:NameID Format="${persistent}">${bob.user.id}</saml:NameID>`));
    assert.match(form.xml, /status:Success/);

    const asCarol = supertest.agent(t.app.server);
    const requestId = id();
    const second = await asCarol.get(ssoPath(exampleAuthnRequest(t.url, t.clock.now(), { id: requestId, subject: nameId(bob.user.id) }))).expect(303);
    const carolReturn = new URL(second.headers.location as string, t.url).searchParams.get('return_to')!;
    await loginWithTotp(asCarol, { username: 'carol', password: TEST_PASSWORD, secret: carol.secret!, now: t.clock.now(), returnTo: carolReturn });
    assertSubjectRefused(parseAutoPost((await asCarol.get(carolReturn).expect(200)).text), requestId);
  });

  it('a malformed Subject is refused before anything is answered', async () => {
    for (const subject of [nameId(aliceId) + nameId(aliceId), '<saml:NameID></saml:NameID>', nameId('x'.repeat(257)), nameId('<b>x</b>')]) {
      const res = await t.agent.get(ssoPath(exampleAuthnRequest(t.url, t.clock.now(), { id: id(), subject }))).set('accept', 'application/json').expect(400);
      assert.equal(res.body.error.code, 'saml_request_invalid', subject);
    }
    const two = exampleAuthnRequest(t.url, t.clock.now(), { id: id(), subject: nameId(aliceId) }).replace('</saml:Subject>', `</saml:Subject><saml:Subject>${nameId(aliceId)}</saml:Subject>`);
    assert.equal((await t.agent.get(ssoPath(two)).set('accept', 'application/json').expect(400)).body.error.code, 'saml_request_invalid');
  });
});
