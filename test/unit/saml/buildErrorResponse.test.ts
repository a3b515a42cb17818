import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildErrorResponse } from '../../../src/saml/buildErrorResponse.js';
import { verifyEnvelopedSignature } from '../../../src/saml/xmlSignature.js';
import { testSigningKey } from './testKeys.js';

const key = testSigningKey();

describe('buildErrorResponse', () => {
  it('is a signed Response with two-level status and an escaped message', () => {
    const { xml, samlResponse } = buildErrorResponse({
      issuer: 'https://idp.example.com/saml/metadata', responseId: '_e1', now: new Date('2026-11-24T15:00:00Z'),
      destination: 'https://sp.example.com/acs', inResponseTo: '_req', status: 'Requester', subStatus: 'NoPassive',
      message: 'passive <login> & no session', key,
    });
    assert.equal(Buffer.from(samlResponse, 'base64').toString(), xml);
    assert.match(xml, /InResponseTo="_req"/);
    assert.match(xml, /<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Requester"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:NoPassive"><\/samlp:StatusCode><\/samlp:StatusCode>/);
    assert.match(xml, /<samlp:StatusMessage>passive &lt;login&gt; &amp; no session<\/samlp:StatusMessage>/);
    assert.equal(xml.includes('Assertion'), false);
    verifyEnvelopedSignature(xml, [key.certificatePem]);
  });
  it('Responder without second level', () => {
    const { xml } = buildErrorResponse({ issuer: 'i', responseId: '_e2', now: new Date(), destination: 'https://sp/acs', status: 'Responder', key });
    assert.match(xml, /status:Responder"><\/samlp:StatusCode><\/samlp:Status>/);
    verifyEnvelopedSignature(xml, [key.certificateB64]);
  });
});
