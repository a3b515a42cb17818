// Interop: samlify, the SAML library most Node.js service providers use, as a second independent judge.
// A samlify ServiceProvider, configured strictly from Gatehouse's own IdP metadata, consumes Gatehouse's AWS
// and generic-SP Responses; AuthnRequests that samlify builds and signs (HTTP-Redirect and HTTP-POST) are
// accepted by Gatehouse's /saml/sso. Tampering, a foreign key or an expired assertion make samlify refuse.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { acsUrlFor, audienceFor, partitions } from '../../src/aws/partitions.js';
import { registerServiceProvider } from '../../src/directory/registerServiceProvider.js';
import { buildIdpMetadata } from '../../src/saml/buildIdpMetadata.js';
import { buildResponse } from '../../src/saml/buildResponse.js';
import { samlifyConsume, samlifyIdp, samlifyLoginRequest, samlifySp, validateSamlMessage } from '../helpers/samlify.js';
import { startSamlApp, type SamlTestApp } from '../helpers/samlSetup.js';
import { parseAutoPost } from '../helpers/verifySamlResponse.js';
import { testSigningKey } from '../unit/saml/testKeys.js';
import { spKey } from '../unit/saml/spFixtures.js';
import { awsResponseInput } from './helpers.js';

const key = testSigningKey('idp', 3072);
const P = 'https://aws.amazon.com/SAML/Attributes/';
const b64 = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');
const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Gatehouse's metadata for the issuer of awsResponseInput, published with `cert`. */
const metadataFor = (issuer: string, cert = key.certificateB64): string =>
  buildIdpMetadata({ entityId: issuer, baseUrl: 'https://idp.example.com', validUntil: new Date(Date.now() + 86_400_000), certificates: [cert] });

describe('samlify consumes the AWS Responses buildResponse writes', () => {
  const now = new Date();
  const input = awsResponseInput(key, now);
  const idp = samlifyIdp(metadataFor(input.issuer));

  for (const p of partitions) {
    it(`partition ${p}: signature, issuer, audience, Destination, NameID and every AWS attribute`, async () => {
      const { xml } = buildResponse(awsResponseInput(key, now, { acsUrl: acsUrlFor(p), audience: audienceFor(p) }));
      const sp = samlifySp({ entityId: audienceFor(p), acsUrl: acsUrlFor(p) });
      const login = await samlifyConsume(sp, idp, { samlResponse: b64(xml) }, { acsUrl: acsUrlFor(p) });
      assert.equal(login.issuer, input.issuer);
      assert.equal(login.nameID, 'u-8d7f2c1e');
      if (p === 'aws') {
        assert.deepEqual(list(login.attributes[`${P}Role`]), [
          'arn:aws:iam::111122223333:role/Admin,arn:aws:iam::111122223333:saml-provider/Gatehouse',
          'arn:aws:iam::111122223333:role/ReadOnly,arn:aws:iam::111122223333:saml-provider/Gatehouse',
          'arn:aws:iam::444455556666:role/platform/Developer,arn:aws:iam::444455556666:saml-provider/Gatehouse',
        ]);
        assert.deepEqual(list(login.attributes[`${P}RoleSessionName`]), ['alice@example.com']);
        assert.deepEqual(list(login.attributes[`${P}SessionDuration`]), ['3600']);
        assert.deepEqual(list(login.attributes[`${P}PrincipalTag:AuthMethod`]), ['webauthn']);
        assert.deepEqual(list(login.attributes[`${P}TransitiveTagKeys`]), ['CostCenter']);
      }
    });
  }

  it('refuses a Response whose assertion was changed after signing', async () => {
    const { xml } = buildResponse(input);
    const forged = xml.replace('role/ReadOnly,', 'role/Admin2,');
    assert.notEqual(forged, xml);
    const sp = samlifySp({ entityId: audienceFor('aws'), acsUrl: acsUrlFor('aws') });
    await assert.rejects(samlifyConsume(sp, idp, { samlResponse: b64(forged) }, { acsUrl: acsUrlFor('aws') }), /FAILED_TO_VERIFY_SIGNATURE/);
  });

  it('refuses a Response signed by a key the metadata does not publish', async () => {
    const other = testSigningKey('other', 2048);
    const { xml } = buildResponse(awsResponseInput(other, now));
    const sp = samlifySp({ entityId: audienceFor('aws'), acsUrl: acsUrlFor('aws') });
    await assert.rejects(samlifyConsume(sp, idp, { samlResponse: b64(xml) }, { acsUrl: acsUrlFor('aws') }), /ERROR_UNMATCH_CERTIFICATE_DECLARATION_IN_METADATA|FAILED_TO_VERIFY_SIGNATURE/);
  });

  it('refuses an expired assertion and another SP’s audience', async () => {
    const { xml } = buildResponse(awsResponseInput(key, new Date(now.getTime() - 10 * 60_000)));
    const sp = samlifySp({ entityId: audienceFor('aws'), acsUrl: acsUrlFor('aws') });
    await assert.rejects(samlifyConsume(sp, idp, { samlResponse: b64(xml) }, { acsUrl: acsUrlFor('aws') }), /ERR_SUBJECT_UNCONFIRMED|ERR_EXPIRED_SESSION/);
    const wrong = samlifySp({ entityId: 'https://other-sp.example.com', acsUrl: acsUrlFor('aws') });
    await assert.rejects(samlifyConsume(wrong, idp, { samlResponse: b64(buildResponse(input).xml) }, { acsUrl: acsUrlFor('aws') }), /ERR_AUDIENCE/);
  });

  it('the schema validator samlify runs first really checks: DTDs, foreign roots and missing attributes are refused', async () => {
    const { xml } = buildResponse(input);
    assert.equal(await validateSamlMessage(xml), 'valid');
    await assert.rejects(validateSamlMessage(`<!DOCTYPE x [<!ENTITY e "e">]>${xml}`), /DOCTYPE/);
    await assert.rejects(validateSamlMessage('<x:Response xmlns:x="urn:example" Version="2.0" ID="a" IssueInstant="b"/>'), /ERR_SCHEMA_ROOT/);
    await assert.rejects(validateSamlMessage(xml.replace('Version="2.0"', 'Version="1.1"')), /ERR_SCHEMA_VERSION/);
    await assert.rejects(validateSamlMessage('<not xml'), /./);
    const sp = samlifySp({ entityId: audienceFor('aws'), acsUrl: acsUrlFor('aws') });
    // samlify runs it on what it receives, before the signature: a refusal names our check.
    await assert.rejects(samlifyConsume(sp, idp, { samlResponse: b64(`<!DOCTYPE x [<!ENTITY e "e">]>${xml}`) }, { acsUrl: acsUrlFor('aws') }), /DOCTYPE/);
    await assert.rejects(samlifyConsume(sp, idp, { samlResponse: b64(xml.replace('Version="2.0"', 'Version="1.1"')) }, { acsUrl: acsUrlFor('aws') }), /ERR_SCHEMA_VERSION/);
  });
});

describe('samlify against the running app', () => {
  const SP = 'https://samlify-sp.example.com/metadata';
  const ACS = 'https://samlify-sp.example.com/saml/acs';
  let t: SamlTestApp;
  let idp: ReturnType<typeof samlifyIdp>;
  let idpForUnsigned: ReturnType<typeof samlifyIdp>;
  const sp = samlifySp({ entityId: SP, acsUrl: ACS, signingKey: spKey });
  let aliceId: string;

  before(async () => {
    t = await startSamlApp();
    const metadata = await t.agent.get('/saml/metadata').expect(200);
    assert.match(metadata.text, /WantAuthnRequestsSigned="false"/);
    idp = samlifyIdp(metadata.text, { forSigningSp: true });
    idpForUnsigned = samlifyIdp(metadata.text);
    await registerServiceProvider(t.ctx, { metadataXml: sp.getMetadata(), name: 'samlify SP' });
    aliceId = (await t.ctx.store.users.findByUsername('alice'))!.id;
  });
  after(async () => { await t.close(); });

  async function expectLogin(res: { status: number; text: string }, id: string, relayState?: string): Promise<void> {
    assert.equal(res.status, 200, res.text.slice(0, 400));
    const form = parseAutoPost(res.text);
    assert.equal(form.action, ACS);
    assert.equal(form.relayState, relayState);
    const login = await samlifyConsume(sp, idp, form, { acsUrl: ACS, inResponseTo: id });
    assert.equal(login.nameID, aliceId);
    assert.deepEqual(list(login.attributes.username), ['alice']);
    assert.deepEqual(list(login.attributes.email), ['alice@example.com']);
    assert.deepEqual(list(login.attributes.groups).sort(), ['gov-users', 'platform-admins']);
  }

  it('samlify reads the served metadata: entityID, signing certificate, both SSO bindings', () => {
    assert.equal(idp.entityMeta.getEntityID(), `${t.url}/saml/metadata`);
    assert.deepEqual(list(idp.entityMeta.getX509Certificate('signing') as string | string[]), [t.certificatePem.replace(/-----[A-Z ]+-----|\s/g, '')]);
    assert.equal(idp.entityMeta.getSingleSignOnService('redirect'), `${t.url}/saml/sso`);
    assert.equal(idp.entityMeta.getSingleSignOnService('post'), `${t.url}/saml/sso`);
  });

  it('HTTP-Redirect: a samlify-signed AuthnRequest is accepted, and samlify accepts the Response', async () => {
    const { id, url } = samlifyLoginRequest(sp, idp, 'redirect', 'relay-1');
    const target = new URL(url);
    assert.equal(`${target.origin}${target.pathname}`, `${t.url}/saml/sso`);
    assert.ok(target.searchParams.get('Signature') && target.searchParams.get('SigAlg'), 'samlify signed the request');
    await expectLogin(await t.agent.get(`${target.pathname}${target.search}`), id, 'relay-1');
  });

  it('HTTP-POST: a samlify-signed AuthnRequest (enveloped signature) is accepted, and samlify accepts the Response', async () => {
    const { id, samlRequest } = samlifyLoginRequest(sp, idp, 'post', 'relay-2');
    assert.match(Buffer.from(samlRequest, 'base64').toString('utf8'), /<ds:Signature|<Signature/);
    await expectLogin(await t.agent.post('/saml/sso').type('form').send({ SAMLRequest: samlRequest, RelayState: 'relay-2' }), id, 'relay-2');
  });

  it('Gatehouse refuses a samlify request signed with a key the SP metadata does not publish, and an unsigned one', async () => {
    const impostor = samlifySp({ entityId: SP, acsUrl: ACS, signingKey: testSigningKey('impostor', 2048) });
    const { url } = samlifyLoginRequest(impostor, idp, 'redirect');
    const res = await t.agent.get(`${new URL(url).pathname}${new URL(url).search}`);
    assert.equal(res.status, 400);
    assert.match(res.text, /saml_signature_invalid/);
    const unsigned = samlifySp({ entityId: SP, acsUrl: ACS });
    const plain = samlifyLoginRequest(unsigned, idpForUnsigned, 'post');
    const res2 = await t.agent.post('/saml/sso').type('form').send({ SAMLRequest: plain.samlRequest });
    assert.equal(res2.status, 400);
    assert.match(res2.text, /saml_signature_invalid/);
  });

  it('AWS console sign-in: samlify, as AWS’s SP in each partition, accepts the Response', async () => {
    const cases = [
      { role: '111122223333/ReadOnly', partition: 'aws' as const, acs: acsUrlFor('aws'), arn: 'arn:aws:iam::111122223333:role/ReadOnly,arn:aws:iam::111122223333:saml-provider/Gatehouse' },
      { role: '444455556666/Developer', partition: 'aws' as const, acs: acsUrlFor('aws', 'eu-west-1'), arn: 'arn:aws:iam::444455556666:role/Developer,arn:aws:iam::444455556666:saml-provider/Gatehouse' },
      { role: '777788889999/GovReadOnly', partition: 'aws-us-gov' as const, acs: acsUrlFor('aws-us-gov'), arn: 'arn:aws-us-gov:iam::777788889999:role/GovReadOnly,arn:aws-us-gov:iam::777788889999:saml-provider/GatehouseGov' },
      { role: '123412341234/CnReadOnly', partition: 'aws-cn' as const, acs: acsUrlFor('aws-cn'), arn: 'arn:aws-cn:iam::123412341234:role/CnReadOnly,arn:aws-cn:iam::123412341234:saml-provider/GatehouseCn' },
    ];
    for (const c of cases) {
      const res = await t.agent.post('/aws/console').type('form').send({ _csrf: t.csrf, role: c.role });
      assert.equal(res.status, 200, res.text.slice(0, 400));
      const form = parseAutoPost(res.text);
      assert.equal(form.action, c.acs);
      const aws = samlifySp({ entityId: audienceFor(c.partition), acsUrl: c.acs });
      const login = await samlifyConsume(aws, idp, form, { acsUrl: c.acs });
      assert.equal(login.nameID, aliceId);
      assert.deepEqual(list(login.attributes[`${P}Role`]), [c.arn]);
      assert.deepEqual(list(login.attributes[`${P}RoleSessionName`]), ['alice']);
      assert.deepEqual(list(login.attributes[`${P}PrincipalTag:AuthMethod`]), ['totp']);
    }
  });
});
