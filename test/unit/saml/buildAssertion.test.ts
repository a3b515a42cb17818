import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { ExclusiveCanonicalization } from 'xml-crypto';
import { buildAssertion, buildCanonicalAssertion } from '../../../src/saml/buildAssertion.js';
import { saml } from '../../../src/saml/samlConstants.js';
import { buildResponse, buildResponseAsync } from '../../../src/saml/buildResponse.js';
import { escapeAttribute, escapeText, formatInstant } from '../../../src/saml/escapeXml.js';
import { buildSignedInfo } from '../../../src/saml/signXml.js';
import { isGatehouseError } from '../../../src/errors.js';
import { awsResponseInput } from '../../interop/helpers.js';
import { testSigningKey } from './testKeys.js';

const key = testSigningKey();
const now = new Date('2026-11-24T15:00:00.789Z');

function excC14n(xml: string): string {
  const doc = new DOMParser().parseFromString(xml, 'text/xml');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return new ExclusiveCanonicalization().process(doc.documentElement as any, {}) as string;
}

describe('buildAssertion', () => {
  it('writes exactly the exclusive-c14n form (checked against xml-crypto’s canonicaliser)', () => {
    for (const overrides of [
      {},
      { inResponseTo: '_r&1' },
      { sessionNotOnOrAfter: undefined, attributes: [] },
      { nameId: 'a&b<c>"d"\r\n\t', attributes: [{ name: 'n"&<>\t\r\n', values: ['v&<>"\'\r\n\t', 'ü😀'] }] },
    ]) {
      const { canonical } = buildCanonicalAssertion(awsResponseInput(key, now, overrides));
      assert.equal(excC14n(canonical), canonical);
    }
  });

  it('uses UTC timestamps without milliseconds and a 5-minute lifetime', () => {
    const xml = buildAssertion(awsResponseInput(key, now));
    assert.match(xml, /IssueInstant="2026-11-24T15:00:00Z"/);
    assert.match(xml, /<saml:Conditions NotBefore="2026-11-24T15:00:00Z" NotOnOrAfter="2026-11-24T15:05:00Z">/);
    assert.match(xml, /<saml:SubjectConfirmationData NotOnOrAfter="2026-11-24T15:05:00Z" Recipient="https:\/\/signin.aws.amazon.com\/saml">/);
    assert.match(xml, /AuthnInstant="2026-11-24T14:59:30Z"/);
    assert.match(xml, new RegExp(`<saml:AuthnContextClassRef>${saml.refedsMfa}</saml:AuthnContextClassRef>`));
    assert.equal(formatInstant(new Date('2026-01-02T03:04:05.999Z')), '2026-01-02T03:04:05Z');
  });

  it('places the signature right after Issuer; digest and signature verify by hand', () => {
    const input = awsResponseInput(key, now);
    const { canonical } = buildCanonicalAssertion(input);
    const xml = buildAssertion(input);
    assert.match(xml, /^<saml:Assertion [^>]*><saml:Issuer>[^<]*<\/saml:Issuer><ds:Signature /);
    const withoutSig = xml.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
    assert.equal(withoutSig, canonical);
    const digest = createHash('sha256').update(canonical).digest('base64');
    assert.ok(xml.includes(`<ds:DigestValue>${digest}</ds:DigestValue>`));
    const sig = /<ds:SignatureValue>([^<]+)</.exec(xml)?.[1] ?? '';
    const signedInfo = buildSignedInfo(input.assertionId, digest);
    assert.ok(verify('sha256', Buffer.from(signedInfo), createPublicKey(key.privateKey), Buffer.from(sig, 'base64')));
    // the SignedInfo we signed is the exc-c14n of the SignedInfo in the document
    const si = /<ds:SignedInfo>[\s\S]*<\/ds:SignedInfo>/.exec(xml)?.[0] ?? '';
    assert.equal(excC14n(si.replace('<ds:SignedInfo>', '<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">')), signedInfo);
  });

  it('refuses ids that are not NCNames and characters XML cannot carry', () => {
    assert.throws(() => buildAssertion(awsResponseInput(key, now, { assertionId: '1abc' })), (e) => isGatehouseError(e, 'internal'));
    assert.throws(() => buildAssertion(awsResponseInput(key, now, { assertionId: 'a"b' })), (e) => isGatehouseError(e, 'internal'));
    assert.throws(() => buildResponse(awsResponseInput(key, now, { responseId: '' })), (e) => isGatehouseError(e, 'internal'));
    assert.throws(() => buildAssertion(awsResponseInput(key, now, { nameId: 'a\u0001b' })), (e) => isGatehouseError(e, 'validation_failed'));
    assert.throws(() => buildAssertion(awsResponseInput(key, now, { nameId: 'a\uD800b' })), (e) => isGatehouseError(e, 'validation_failed'));
  });

  it('escapes per C14N: > is escaped in text but not in attributes', () => {
    assert.equal(escapeText('a&b<c>d"e\r'), 'a&amp;b&lt;c&gt;d"e&#xD;');
    assert.equal(escapeAttribute('a&b<c>d"e\r\n\t'), 'a&amp;b&lt;c>d&quot;e&#xD;&#xA;&#x9;');
    assert.equal(escapeText('😀'), '😀');
  });

  it('Response: Destination = ACS, no InResponseTo when IdP-initiated, Success status, one assertion', () => {
    const { xml } = buildResponse(awsResponseInput(key, now));
    assert.match(xml, /^<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" Destination="https:\/\/signin.aws.amazon.com\/saml" ID="[^"]+" IssueInstant="2026-11-24T15:00:00Z" Version="2.0">/);
    assert.equal(xml.includes('InResponseTo'), false);
    assert.match(xml, /<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success">/);
    assert.equal(xml.match(/<saml:Assertion /g)?.length, 1);
  });

  it('Response signed on the thread pool (the serving path) is byte for byte the one signed in line', async () => {
    const input = awsResponseInput(key, now);
    assert.equal((await buildResponseAsync(input)).xml, buildResponse(input).xml);
    await assert.rejects(buildResponseAsync({ ...input, assertionId: '1-not-an-ncname' }), (e) => isGatehouseError(e, 'internal'));
  });
});
