import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseAuthnRequest } from '../../../src/saml/parseAuthnRequest.js';
import { isGatehouseError } from '../../../src/errors.js';
import { fixture } from './spFixtures.js';

const invalid = (e: unknown): boolean => isGatehouseError(e, 'saml_request_invalid');
const generic = fixture('generic-sp-authnrequest.xml');

describe('parseAuthnRequest', () => {
  it('reads a generic SP request', () => {
    assert.deepEqual(parseAuthnRequest(generic), {
      id: '_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6',
      issuer: 'https://sp.example.com/saml/metadata',
      issueInstant: new Date('2026-11-24T15:00:00Z'),
      destination: 'https://idp.example.com/saml/sso',
      acsUrl: 'https://sp.example.com/acs',
      protocolBinding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
      forceAuthn: false,
      isPassive: false,
      nameIdPolicyFormat: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
      hasXmlSignature: false,
    });
  });
  it('reads an Identity Center request (saml2p prefix, milliseconds)', () => {
    const r = parseAuthnRequest(fixture('identity-center-authnrequest.xml'));
    assert.equal(r.issuer, 'https://eu-west-1.signin.aws/platform/saml/d-93670a1b2c');
    assert.equal(r.issueInstant.toISOString(), '2026-11-24T15:00:00.123Z');
    assert.equal(r.nameIdPolicyFormat, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
  });
  it('reads ForceAuthn / IsPassive / AssertionConsumerServiceIndex', () => {
    const r = parseAuthnRequest(generic.replace('AssertionConsumerServiceURL="https://sp.example.com/acs"', 'AssertionConsumerServiceIndex="1" ForceAuthn="true" IsPassive="1"'));
    assert.equal(r.acsIndex, 1);
    assert.equal(r.acsUrl, undefined);
    assert.equal(r.forceAuthn, true);
    assert.equal(r.isPassive, true);
  });
  const cases: [string, string][] = [
    ['wrong namespace', generic.replace('urn:oasis:names:tc:SAML:2.0:protocol"', 'urn:evil"')],
    ['not an AuthnRequest', generic.replace(/samlp:AuthnRequest/g, 'samlp:LogoutRequest')],
    ['Version 1.1', generic.replace('Version="2.0"', 'Version="1.1"')],
    ['no ID', generic.replace(/ ID="[^"]+"/, '')],
    ['no Issuer', generic.replace(/<saml:Issuer>.*<\/saml:Issuer>/, '')],
    ['empty Issuer', generic.replace(/<saml:Issuer>.*<\/saml:Issuer>/, '<saml:Issuer> </saml:Issuer>')],
    ['two Issuers', generic.replace(/(<saml:Issuer>.*<\/saml:Issuer>)/, '$1$1')],
    ['bad IssueInstant', generic.replace('2026-11-24T15:00:00Z', 'yesterday')],
    ['IssueInstant without zone', generic.replace('2026-11-24T15:00:00Z', '2026-11-24T15:00:00')],
    ['URL and Index', generic.replace('Version=', 'AssertionConsumerServiceIndex="0" Version=')],
    ['bad index', generic.replace('AssertionConsumerServiceURL="https://sp.example.com/acs"', 'AssertionConsumerServiceIndex="-1"')],
    ['bad boolean', generic.replace('Version=', 'ForceAuthn="yes" Version=')],
  ];
  for (const [name, xml] of cases) it(`refuses: ${name}`, () => assert.throws(() => parseAuthnRequest(xml), invalid));
  it('refuses DOCTYPE', () => {
    assert.throws(() => parseAuthnRequest(fixture('authnrequest-xxe.xml')), (e) => isGatehouseError(e, 'saml_doctype_forbidden'));
  });
});
