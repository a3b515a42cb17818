import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildIdpMetadata } from '../../../src/saml/buildIdpMetadata.js';
import { childrenNamed, parseXmlSafely } from '../../../src/saml/parseXmlSafely.js';
import { isGatehouseError } from '../../../src/errors.js';
import { samlifyIdp } from '../../helpers/samlify.js';
import { testSigningKey } from './testKeys.js';

const current = testSigningKey('current');
const next = testSigningKey('next');
const MD = 'urn:oasis:names:tc:SAML:2.0:metadata';

describe('buildIdpMetadata', () => {
  const xml = buildIdpMetadata({
    entityId: 'https://idp.example.com/saml/metadata', baseUrl: 'https://idp.example.com/',
    validUntil: new Date('2027-01-01T00:00:00.500Z'), certificates: [current.certificateB64, next.certificateB64, current.certificateB64],
  });
  it('is UTF-8 XML without BOM, with a declaration', () => {
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<md:EntityDescriptor'));
    assert.notEqual(Buffer.from(xml)[0], 0xef);
  });
  it('publishes every certificate once, SSO for both bindings, name id formats', () => {
    const { root } = parseXmlSafely(xml);
    assert.equal(root.getAttribute('entityID'), 'https://idp.example.com/saml/metadata');
    assert.equal(root.getAttribute('validUntil'), '2027-01-01T00:00:00Z');
    const idp = childrenNamed(root, MD, 'IDPSSODescriptor')[0];
    assert.ok(idp);
    assert.equal(idp.getAttribute('WantAuthnRequestsSigned'), 'false');
    const keys = childrenNamed(idp, MD, 'KeyDescriptor');
    assert.equal(keys.length, 2);
    assert.ok(keys.every((k) => k.getAttribute('use') === 'signing'));
    assert.deepEqual(keys.map((k) => k.textContent), [current.certificateB64, next.certificateB64]);
    const sso = childrenNamed(idp, MD, 'SingleSignOnService');
    assert.deepEqual(sso.map((s) => [s.getAttribute('Binding')?.slice(-4), s.getAttribute('Location')]),
      [['rect', 'https://idp.example.com/saml/sso'], ['POST', 'https://idp.example.com/saml/sso']]);
    assert.equal(childrenNamed(idp, MD, 'NameIDFormat').length, 4);
  });
  it('samlify reads it as IdP metadata', () => {
    const idp = samlifyIdp(xml);
    assert.equal(idp.entityMeta.getEntityID(), 'https://idp.example.com/saml/metadata');
    const certs = idp.entityMeta.getX509Certificate('signing');
    assert.deepEqual(certs, [current.certificateB64, next.certificateB64]);
  });
  it('refuses no certificate, more than 10, and junk', () => {
    const base = { entityId: 'e', baseUrl: 'https://x', validUntil: new Date() };
    assert.throws(() => buildIdpMetadata({ ...base, certificates: [] }), (e) => isGatehouseError(e, 'validation_failed'));
    assert.throws(() => buildIdpMetadata({ ...base, certificates: Array.from({ length: 11 }, (_, i) => `QQ${i}`) }), (e) => isGatehouseError(e, 'validation_failed'));
    assert.throws(() => buildIdpMetadata({ ...base, certificates: ['<evil/>'] }), (e) => isGatehouseError(e, 'validation_failed'));
  });
});
