// Interop: responses built by our canonical-text builder must satisfy independent verifiers
// (@node-saml/node-saml configured strictly, and xmlsec1), and tampering must make both fail.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SAML, ValidateInResponseTo } from '@node-saml/node-saml';
import { acsUrlFor, audienceFor, partitions } from '../../src/aws/partitions.js';
import { buildErrorResponse } from '../../src/saml/buildErrorResponse.js';
import { buildResponse } from '../../src/saml/buildResponse.js';
import { testSigningKey } from '../unit/saml/testKeys.js';
import { awsResponseInput, xmlsecVerify } from './helpers.js';

const key = testSigningKey('idp', 3072);
const roleAttr = 'https://aws.amazon.com/SAML/Attributes/Role';

function strictSp(audience: string, callbackUrl: string, cert = key.certificatePem): SAML {
  return new SAML({
    idpCert: cert,
    issuer: audience,
    callbackUrl,
    audience,
    wantAssertionsSigned: true,
    wantAuthnResponseSigned: false, // AWS checks the assertion signature; we sign the assertion only
    signatureAlgorithm: 'sha256',
    validateInResponseTo: ValidateInResponseTo.never,
    acceptedClockSkewMs: 0,
  });
}

const b64 = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');

async function nodeSamlAccepts(sp: SAML, xml: string): Promise<Record<string, unknown>> {
  const { profile } = await sp.validatePostResponseAsync({ SAMLResponse: b64(xml) });
  assert.ok(profile);
  return profile as Record<string, unknown>;
}

function assertionOf(xml: string): string {
  const m = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(xml);
  assert.ok(m);
  return m[0];
}

describe('signed AWS response: independent verifiers accept it', () => {
  it('node-saml validates signature, audience, recipient, timestamps and returns the AWS attributes', async () => {
    const input = awsResponseInput(key, new Date());
    const { xml, samlResponse } = buildResponse(input);
    assert.equal(Buffer.from(samlResponse, 'base64').toString('utf8'), xml);
    const profile = await nodeSamlAccepts(strictSp(audienceFor('aws'), acsUrlFor('aws')), xml);
    assert.equal(profile.nameID, 'u-8d7f2c1e');
    assert.equal(profile.issuer, input.issuer);
    assert.deepEqual(profile[roleAttr], [
      'arn:aws:iam::111122223333:role/Admin,arn:aws:iam::111122223333:saml-provider/Gatehouse',
      'arn:aws:iam::111122223333:role/ReadOnly,arn:aws:iam::111122223333:saml-provider/Gatehouse',
      'arn:aws:iam::444455556666:role/platform/Developer,arn:aws:iam::444455556666:saml-provider/Gatehouse',
    ]);
    assert.equal(profile['https://aws.amazon.com/SAML/Attributes/RoleSessionName'], 'alice@example.com');
    assert.equal(profile['https://aws.amazon.com/SAML/Attributes/PrincipalTag:AuthMethod'], 'webauthn');
    assert.equal(profile['https://aws.amazon.com/SAML/Attributes/SessionDuration'], '3600');
  });

  it('xmlsec1 verifies the assertion signature', () => {
    const { xml } = buildResponse(awsResponseInput(key, new Date()));
    const r = xmlsecVerify(xml, key.certificatePem);
    assert.ok(r.ok, r.output);
    assert.match(r.output, /SignedInfo References \(ok\/all\): 1\/1/);
  });

  for (const p of partitions) {
    it(`partition ${p}: node-saml and xmlsec1 accept`, async () => {
      const input = awsResponseInput(key, new Date(), { acsUrl: acsUrlFor(p), audience: audienceFor(p) });
      const { xml } = buildResponse(input);
      await nodeSamlAccepts(strictSp(audienceFor(p), acsUrlFor(p)), xml);
      assert.ok(xmlsecVerify(xml, key.certificatePem).ok);
    });
  }

  it('regional ACS', async () => {
    const acs = acsUrlFor('aws', 'eu-central-1');
    const { xml } = buildResponse(awsResponseInput(key, new Date(), { acsUrl: acs }));
    assert.match(xml, /Destination="https:\/\/eu-central-1\.signin\.aws\.amazon\.com\/saml"/);
    await nodeSamlAccepts(strictSp(audienceFor('aws'), acs), xml);
  });

  it('text that needs c14n escaping survives signing (& < > " \' CR LF TAB, non-ASCII, astral)', async () => {
    const tricky = 'a&b<c>d"e\'f\tg\r\nh\ré ü 😀 ]]> &amp;';
    const input = awsResponseInput(key, new Date(), {
      nameId: 'o\'brien&<co>',
      attributes: [
        { name: 'urn:example:tricky', values: [tricky] },
        { name: 'urn:example:"quoted"&<name>\t\n', values: ['x', 'y z'] },
      ],
    });
    const { xml } = buildResponse(input);
    const profile = await nodeSamlAccepts(strictSp(audienceFor('aws'), acsUrlFor('aws')), xml);
    assert.equal(profile.nameID, 'o\'brien&<co>');
    assert.equal(profile['urn:example:tricky'], tricky);
    assert.deepEqual(profile['urn:example:"quoted"&<name>\t\n'], ['x', 'y z']);
    assert.ok(xmlsecVerify(xml, key.certificatePem).ok);
  });

  it('SP-initiated: InResponseTo is carried in Response and SubjectConfirmationData', async () => {
    const { xml } = buildResponse(awsResponseInput(key, new Date(), { inResponseTo: '_req-42' }));
    assert.equal(xml.match(/InResponseTo="_req-42"/g)?.length, 2);
    await nodeSamlAccepts(strictSp(audienceFor('aws'), acsUrlFor('aws')), xml);
    assert.ok(xmlsecVerify(xml, key.certificatePem).ok);
  });

  it('signed error Response verifies with xmlsec1 (Response ID)', () => {
    const { xml } = buildErrorResponse({
      issuer: 'https://idp.example.com/saml/metadata', responseId: '_err1', now: new Date(),
      destination: 'https://sp.example.com/acs', inResponseTo: '_req1', status: 'Responder', subStatus: 'AuthnFailed',
      message: 'Sign-in failed & was cancelled', key,
    });
    assert.match(xml, /status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"/);
    const r = xmlsecVerify(xml, key.certificatePem, 'urn:oasis:names:tc:SAML:2.0:protocol:Response');
    assert.ok(r.ok, r.output);
  });
});

describe('signed AWS response: tampering is detected by both verifiers', () => {
  const sp = (): SAML => strictSp(audienceFor('aws'), acsUrlFor('aws'));

  it('changing one attribute value', async () => {
    const { xml } = buildResponse(awsResponseInput(key, new Date()));
    const evil = xml.replace('role/ReadOnly', 'role/OrgAdmin');
    assert.notEqual(evil, xml);
    await assert.rejects(nodeSamlAccepts(sp(), evil), /Invalid signature/);
    assert.equal(xmlsecVerify(evil, key.certificatePem).ok, false);
  });

  it('another key signed it', async () => {
    const other = testSigningKey('attacker', 2048);
    const { xml } = buildResponse(awsResponseInput(other, new Date()));
    await assert.rejects(nodeSamlAccepts(sp(), xml));
    assert.equal(xmlsecVerify(xml, key.certificatePem).ok, false);
  });

  it('wrapping: evil assertion with the same ID first, signed one nested inside it', async () => {
    const { xml } = buildResponse(awsResponseInput(key, new Date()));
    const signed = assertionOf(xml);
    const evil = signed.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '').replace('role/ReadOnly', 'role/OrgAdmin');
    const wrapped = xml.replace(signed, evil.replace('</saml:Issuer>', `</saml:Issuer>${signed}`));
    await assert.rejects(nodeSamlAccepts(sp(), wrapped));
    assert.equal(xmlsecVerify(wrapped, key.certificatePem).ok, false);
  });

  it('wrapping: evil unsigned sibling assertion with the same ID before the signed one', async () => {
    const { xml } = buildResponse(awsResponseInput(key, new Date()));
    const signed = assertionOf(xml);
    const evil = signed.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '').replace('role/ReadOnly', 'role/OrgAdmin');
    const wrapped = xml.replace(signed, evil + signed);
    await assert.rejects(nodeSamlAccepts(sp(), wrapped));
    assert.equal(xmlsecVerify(wrapped, key.certificatePem).ok, false);
  });

  it('wrapping: evil assertion with a fresh ID before the signed one (node-saml rejects; xmlsec1 only checks the signature it finds)', async () => {
    const { xml } = buildResponse(awsResponseInput(key, new Date()));
    const signed = assertionOf(xml);
    const evil = signed.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '').replace('role/ReadOnly', 'role/OrgAdmin')
      .replace(/ID="_a/, 'ID="_evil');
    const wrapped = xml.replace(signed, evil + signed);
    await assert.rejects(nodeSamlAccepts(sp(), wrapped), /multiple assertions|Invalid signature/);
    // xmlsec1 is a signature checker, not a SAML processor: the genuine signature still verifies. What
    // protects an SP is checking that the assertion it reads is the one the signature references.
    assert.equal(xmlsecVerify(wrapped, key.certificatePem).ok, true);
  });

  it('expired assertion (built 10 minutes ago) is refused by node-saml', async () => {
    const { xml } = buildResponse(awsResponseInput(key, new Date(Date.now() - 600_000)));
    await assert.rejects(nodeSamlAccepts(sp(), xml), /expired|NotOnOrAfter/i);
  });

  it('wrong audience is refused by node-saml', async () => {
    // (node-saml 5 does not compare Recipient/Destination with callbackUrl; checkAwsSamlResponse does.)
    const { xml } = buildResponse(awsResponseInput(key, new Date(), { audience: 'urn:amazon:webservices:govcloud' }));
    await assert.rejects(nodeSamlAccepts(sp(), xml), /audience/i);
  });
});
