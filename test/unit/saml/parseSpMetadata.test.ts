import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpMetadata } from '../../../src/saml/parseSpMetadata.js';
import { isGatehouseError } from '../../../src/errors.js';
import { fixture, genericSpMetadata, spKey } from './spFixtures.js';

const invalid = (e: unknown): boolean => isGatehouseError(e, 'validation_failed');

describe('parseSpMetadata', () => {
  it('generic SP: ACS list, signing certs only, flags, formats', () => {
    const m = parseSpMetadata(genericSpMetadata());
    assert.equal(m.entityId, 'https://sp.example.com/saml/metadata');
    assert.deepEqual(m.acs, [
      { url: 'https://sp.example.com/acs', binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', index: 0, isDefault: true },
      { url: 'https://sp.example.com/saml/acs2', binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', index: 1 },
      { url: 'https://sp.example.com/saml/artifact', binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact', index: 2 },
    ]);
    assert.deepEqual(m.signingCertificates, [spKey.certificateB64]);
    assert.equal(m.wantRequestsSigned, true);
    assert.equal(m.wantAssertionsSigned, true);
    assert.equal(m.nameIdFormats.length, 2);
    assert.equal(m.validUntil?.toISOString(), '2030-01-01T00:00:00.000Z');
  });
  it('Identity Center SP', () => {
    const m = parseSpMetadata(fixture('identity-center-sp-metadata.xml'));
    assert.equal(m.entityId, 'https://eu-west-1.signin.aws/platform/saml/d-93670a1b2c');
    assert.equal(m.wantRequestsSigned, false);
    assert.deepEqual(m.signingCertificates, []);
    assert.equal(m.acs[0]?.isDefault, true);
  });
  it('EntitiesDescriptor with one entity', () => {
    const inner = fixture('identity-center-sp-metadata.xml').replace(/^<\?xml[^>]*>\s*(<!--[\s\S]*?-->)?/, '');
    const m = parseSpMetadata(`<md:EntitiesDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata">${inner}</md:EntitiesDescriptor>`);
    assert.equal(m.entityId, 'https://eu-west-1.signin.aws/platform/saml/d-93670a1b2c');
  });
  it('refuses broken metadata', () => {
    const ic = fixture('identity-center-sp-metadata.xml');
    assert.throws(() => parseSpMetadata(ic.replace(/entityID="[^"]+"/, '')), invalid);
    assert.throws(() => parseSpMetadata(ic.replace(/<md:AssertionConsumerService[^>]+>/, '')), invalid);
    assert.throws(() => parseSpMetadata(ic.replace('Location="https://', 'Location="http://')), invalid);
    assert.throws(() => parseSpMetadata(ic.replace('Location="https://', 'Location="javascript://')), invalid);
    assert.throws(() => parseSpMetadata(ic.replace('AuthnRequestsSigned="false"', 'AuthnRequestsSigned="true"')), invalid);
    assert.throws(() => parseSpMetadata(ic.replace(/SPSSODescriptor/g, 'IDPSSODescriptor')), invalid);
    assert.throws(() => parseSpMetadata(`<!DOCTYPE x>${ic}`), (e) => isGatehouseError(e, 'saml_doctype_forbidden'));
  });
});
