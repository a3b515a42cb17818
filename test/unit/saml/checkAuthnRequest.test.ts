import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  checkAcsUrl, checkAuthnRequest, checkDestination, checkIssueInstant, checkIssuer, checkSignaturePost,
  checkSignatureRedirect, parseRedirectQuery,
} from '../../../src/saml/checkAuthnRequest.js';
import { decodeRedirectMessage } from '../../../src/saml/decodeSamlMessage.js';
import { parseAuthnRequest } from '../../../src/saml/parseAuthnRequest.js';
import { parseSpMetadata } from '../../../src/saml/parseSpMetadata.js';
import { isGatehouseError } from '../../../src/errors.js';
import { testSigningKey } from './testKeys.js';
import { fixture, genericSpMetadata, redirectQuery, signPostRequest, spKey } from './spFixtures.js';

const code = (c: string) => (e: unknown): boolean => isGatehouseError(e, c as never);
const sp = parseSpMetadata(genericSpMetadata());
const ic = parseSpMetadata(fixture('identity-center-sp-metadata.xml'));
const xml = fixture('generic-sp-authnrequest.xml');
const request = parseAuthnRequest(xml);
const now = new Date('2026-11-24T15:00:10Z');
const ssoUrl = 'https://idp.example.com/saml/sso';
const withAcs = (url: string) => parseAuthnRequest(xml.replace('AssertionConsumerServiceURL="https://sp.example.com/acs"', `AssertionConsumerServiceURL="${url}"`));

describe('checkIssuer', () => {
  it('accepts the registered SP and refuses an unknown or different one', () => {
    assert.equal(checkIssuer(request, sp), sp);
    assert.throws(() => checkIssuer(request, undefined), code('saml_unknown_sp'));
    assert.throws(() => checkIssuer(request, ic), code('saml_unknown_sp'));
  });
});

describe('checkDestination', () => {
  it('must be our SSO URL when present', () => {
    checkDestination(request, ssoUrl);
    assert.throws(() => checkDestination(request, 'https://idp.example.com/saml/sso/'), code('saml_request_invalid'));
    checkDestination(parseAuthnRequest(xml.replace(/ Destination="[^"]+"/, '')), ssoUrl);
  });
});

describe('checkAcsUrl', () => {
  it('exact match from metadata', () => {
    assert.equal(checkAcsUrl(request, sp).url, 'https://sp.example.com/acs');
    assert.equal(checkAcsUrl(withAcs('https://sp.example.com/saml/acs2'), sp).index, 1);
  });
  for (const foreign of [
    'https://evil.example.com/acs',
    'https://sp.example.com/acs.evil',
    'https://sp.example.com.evil/acs',
    'https://sp.example.com/acs/',
    'https://SP.example.com/acs',
    'https://sp.example.com/ACS',
    'https://sp.example.com:443/acs',
    'https://sp.example.com/acs?x=1',
    'https://sp.example.com/acs#',
    'http://sp.example.com/acs',
    'https://sp.example.com/saml/artifact', // in metadata, but not an HTTP-POST endpoint
  ]) {
    it(`refuses foreign or look-alike ACS ${foreign}`, () => assert.throws(() => checkAcsUrl(withAcs(foreign), sp), code('saml_acs_mismatch')));
  }
  it('index must exist; neither → SP default', () => {
    const byIndex = (i: number) => parseAuthnRequest(xml.replace('AssertionConsumerServiceURL="https://sp.example.com/acs"', `AssertionConsumerServiceIndex="${i}"`));
    assert.equal(checkAcsUrl(byIndex(1), sp).url, 'https://sp.example.com/saml/acs2');
    assert.throws(() => checkAcsUrl(byIndex(7), sp), code('saml_acs_mismatch'));
    assert.throws(() => checkAcsUrl(byIndex(2), sp), code('saml_acs_mismatch'));
    const neither = parseAuthnRequest(xml.replace(' AssertionConsumerServiceURL="https://sp.example.com/acs"', ''));
    assert.equal(checkAcsUrl(neither, sp).url, 'https://sp.example.com/acs');
    assert.equal(checkAcsUrl(neither, { ...sp, acs: sp.acs.map((a) => ({ ...a, isDefault: a.index === 1 })) }).url, 'https://sp.example.com/saml/acs2');
  });
  it('refuses a non-POST ProtocolBinding', () => {
    const r = parseAuthnRequest(xml.replace('bindings:HTTP-POST', 'bindings:HTTP-Artifact'));
    assert.throws(() => checkAcsUrl(r, sp), code('saml_acs_mismatch'));
  });
});

describe('checkSignatureRedirect', () => {
  it('verifies over the raw query string, with and without RelayState', () => {
    assert.deepEqual(checkSignatureRedirect(redirectQuery(xml, { key: spKey, relayState: 'https://app/x?a=1&b=2' }), sp), { signed: true });
    assert.deepEqual(checkSignatureRedirect(redirectQuery(xml, { key: spKey }), sp), { signed: true });
    // lower-case percent-encoding as some SPs send it: verification uses the bytes received
    const q = redirectQuery(xml, { relayState: 'a/b' }).replace('%2F', '%2f');
    const signedPart = `${q}&SigAlg=${encodeURIComponent('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256')}`;
    const sig = sign('sha256', Buffer.from(signedPart), spKey.privateKey).toString('base64');
    assert.deepEqual(checkSignatureRedirect(`${signedPart}&Signature=${encodeURIComponent(sig)}`, sp), { signed: true });
  });
  it('refuses missing, bad, other-key, weak and tampered signatures when required', () => {
    assert.throws(() => checkSignatureRedirect(redirectQuery(xml), sp), code('saml_signature_invalid'));
    const good = redirectQuery(xml, { key: spKey, relayState: 'r1' });
    assert.throws(() => checkSignatureRedirect(good.replace('RelayState=r1', 'RelayState=r2'), sp), code('saml_signature_invalid'));
    assert.throws(() => checkSignatureRedirect(good.replace(/Signature=[^&]+$/, 'Signature=AAAA'), sp), code('saml_signature_invalid'));
    assert.throws(() => checkSignatureRedirect(good.replace(/&Signature=[^&]+$/, ''), sp), code('saml_signature_invalid'));
    assert.throws(() => checkSignatureRedirect(redirectQuery(xml, { key: testSigningKey('attacker') }), sp), code('saml_signature_invalid'));
    assert.throws(() => checkSignatureRedirect(redirectQuery(xml, { key: spKey, sigAlg: 'http://www.w3.org/2000/09/xmldsig#rsa-sha1' }), sp), code('saml_signature_invalid'));
    assert.throws(() => checkSignatureRedirect(`${good}&SAMLRequest=x`, sp), code('saml_request_invalid'));
  });
  it('unsigned is fine when the SP does not sign; a bad signature never is', () => {
    assert.deepEqual(checkSignatureRedirect(redirectQuery(xml), ic), { signed: false });
    assert.throws(() => checkSignatureRedirect(redirectQuery(xml, { key: spKey }), ic), code('saml_signature_invalid'));
  });
  it('parseRedirectQuery hands back the decoded parameters', () => {
    const q = parseRedirectQuery(redirectQuery(xml, { key: spKey, relayState: 'x y&z' }));
    assert.equal(q.relayState, 'x y&z');
    assert.equal(decodeRedirectMessage(q.samlRequest), xml);
  });
});

describe('checkSignaturePost', () => {
  const signed = signPostRequest(xml);
  it('verifies an xml-crypto signed request', () => {
    assert.deepEqual(checkSignaturePost(signed, parseAuthnRequest(signed), sp), { signed: true });
  });
  it('refuses missing, tampered, other-key signatures', () => {
    assert.throws(() => checkSignaturePost(xml, request, sp), code('saml_signature_invalid'));
    const tampered = signed.replace('https://sp.example.com/acs', 'https://evil.example.com/acs');
    assert.throws(() => checkSignaturePost(tampered, parseAuthnRequest(tampered), sp), code('saml_signature_invalid'));
    const other = signPostRequest(xml, testSigningKey('attacker'));
    assert.throws(() => checkSignaturePost(other, parseAuthnRequest(other), sp), code('saml_signature_invalid'));
  });
  it('accepts unsigned when not required', () => {
    assert.deepEqual(checkSignaturePost(xml, request, ic), { signed: false });
  });
});

describe('checkIssueInstant', () => {
  it('within 3 minutes either way', () => {
    checkIssueInstant(request, new Date('2026-11-24T15:03:00Z'));
    checkIssueInstant(request, new Date('2026-11-24T14:57:00Z'));
    assert.throws(() => checkIssueInstant(request, new Date('2026-11-24T15:03:01Z')), code('saml_request_stale'));
    assert.throws(() => checkIssueInstant(request, new Date('2026-11-24T14:56:59Z')), code('saml_request_stale'));
    assert.throws(() => checkIssueInstant(request, new Date('2026-11-24T15:00:31Z'), 30), code('saml_request_stale'));
  });
});

describe('checkAuthnRequest (all checks)', () => {
  it('Redirect: returns the ACS and what to consume', () => {
    const r = checkAuthnRequest({ request, sp, now, ssoUrl, binding: { kind: 'redirect', rawQuery: redirectQuery(xml, { key: spKey }) } });
    assert.equal(r.acs.url, 'https://sp.example.com/acs');
    assert.equal(r.signed, true);
    assert.deepEqual(r.consume, { issuer: sp.entityId, id: request.id, consumeUntil: new Date('2026-11-24T15:03:00Z') });
  });
  it('POST, Identity Center unsigned', () => {
    const icXml = fixture('identity-center-authnrequest.xml');
    const r = checkAuthnRequest({ request: parseAuthnRequest(icXml), sp: ic, now, ssoUrl, binding: { kind: 'post', xml: icXml } });
    assert.equal(r.acs.url, 'https://eu-west-1.signin.aws/platform/saml/acs/4f1a2b3c-5d6e-7f80-9a1b-2c3d4e5f6a7b');
    assert.equal(r.signed, false);
  });
  it('stops at the first failing check', () => {
    assert.throws(() => checkAuthnRequest({ request, sp: undefined, now, ssoUrl, binding: { kind: 'post', xml } }), code('saml_unknown_sp'));
    assert.throws(() => checkAuthnRequest({ request, sp, now, ssoUrl, binding: { kind: 'post', xml } }), code('saml_signature_invalid'));
    const signed = signPostRequest(xml);
    assert.throws(() => checkAuthnRequest({ request: parseAuthnRequest(signed), sp, now: new Date('2026-11-24T16:00:00Z'), ssoUrl, binding: { kind: 'post', xml: signed } }), code('saml_request_stale'));
  });
});
