import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignedXml } from 'xml-crypto';
import { verifyEnvelopedSignature } from '../../../src/saml/xmlSignature.js';
import { isGatehouseError } from '../../../src/errors.js';
import { testSigningKey } from './testKeys.js';
import { fixture, signPostRequest, spKey } from './spFixtures.js';

const bad = (e: unknown): boolean => isGatehouseError(e, 'saml_signature_invalid');
const xml = fixture('generic-sp-authnrequest.xml');
const signed = signPostRequest(xml);
const certs = [spKey.certificatePem];
const sigOf = (s: string): string => /<Signature[\s\S]*<\/Signature>/.exec(s)?.[0] ?? '';

describe('verifyEnvelopedSignature', () => {
  it('accepts a root signature and returns the signed canonical XML', () => {
    const out = verifyEnvelopedSignature(signed, certs);
    assert.match(out, /^<samlp:AuthnRequest /);
    assert.equal(out.includes('Signature'), false);
    // any one of several configured certificates may match; base64 DER works too
    verifyEnvelopedSignature(signed, [testSigningKey('other').certificatePem, spKey.certificateB64]);
  });
  it('refuses when no certificate is configured, or the wrong one', () => {
    assert.throws(() => verifyEnvelopedSignature(signed, []), bad);
    assert.throws(() => verifyEnvelopedSignature(signed, [testSigningKey('other').certificatePem]), bad);
  });
  it('ignores the certificate in KeyInfo (attacker-signed with embedded cert)', () => {
    const evil = signPostRequest(xml, testSigningKey('attacker'));
    assert.ok(evil.includes('<X509Certificate>'));
    assert.throws(() => verifyEnvelopedSignature(evil, certs), bad);
  });
  it('refuses an unsigned document and a tampered one', () => {
    assert.throws(() => verifyEnvelopedSignature(xml, certs), bad);
    assert.throws(() => verifyEnvelopedSignature(signed.replace('AllowCreate="true"', 'AllowCreate="false"'), certs), bad);
  });
  it('wrapping: signed request nested in an evil root', () => {
    const inner = signed.replace(/^<\?xml[^>]*>\s*/, '');
    const evil = `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_evil" Version="2.0" IssueInstant="2026-11-24T15:00:00Z" AssertionConsumerServiceURL="https://evil.example.com/acs"><saml:Issuer>https://sp.example.com/saml/metadata</saml:Issuer><samlp:Extensions>${inner}</samlp:Extensions></samlp:AuthnRequest>`;
    assert.throws(() => verifyEnvelopedSignature(evil, certs), bad);
  });
  it('wrapping: signature moved out of the root, or a second signature', () => {
    const sig = sigOf(signed);
    const moved = signed.replace(sig, '').replace('</samlp:AuthnRequest>', `<samlp:Extensions>${sig}</samlp:Extensions></samlp:AuthnRequest>`);
    assert.throws(() => verifyEnvelopedSignature(moved, certs), bad);
    assert.throws(() => verifyEnvelopedSignature(signed.replace(sig, sig + sig), certs), bad);
  });
  it('wrapping: reference to another element, duplicate ID', () => {
    const id = /ID="([^"]+)"/.exec(signed)?.[1] ?? '';
    assert.throws(() => verifyEnvelopedSignature(signed.replace(`URI="#${id}"`, 'URI="#_other"'), certs), bad);
    const dup = signed.replace('<samlp:NameIDPolicy ', `<samlp:NameIDPolicy ID="${id}" `);
    assert.throws(() => verifyEnvelopedSignature(dup, certs), bad);
  });
  it('refuses rsa-sha1', () => {
    const sig = new SignedXml({ privateKey: spKey.privateKey.export({ type: 'pkcs8', format: 'pem' }), signatureAlgorithm: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1', canonicalizationAlgorithm: 'http://www.w3.org/2001/10/xml-exc-c14n#' });
    sig.addReference({ xpath: '/*', transforms: ['http://www.w3.org/2000/09/xmldsig#enveloped-signature', 'http://www.w3.org/2001/10/xml-exc-c14n#'], digestAlgorithm: 'http://www.w3.org/2000/09/xmldsig#sha1' });
    sig.computeSignature(xml);
    assert.throws(() => verifyEnvelopedSignature(sig.getSignedXml(), certs), bad);
  });
  it('refuses DOCTYPE before looking at signatures', () => {
    assert.throws(() => verifyEnvelopedSignature(`<!DOCTYPE x>${signed.replace(/^<\?xml[^>]*>/, '')}`, certs), (e) => isGatehouseError(e, 'saml_doctype_forbidden'));
  });
});
