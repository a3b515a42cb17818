import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseXmlSafely } from '../../../src/saml/parseXmlSafely.js';
import { isGatehouseError } from '../../../src/errors.js';
import { fixture } from './spFixtures.js';

const code = (c: string) => (e: unknown): boolean => isGatehouseError(e, c as never);

describe('parseXmlSafely', () => {
  it('parses a real AuthnRequest (string and bytes, with BOM)', () => {
    const xml = fixture('generic-sp-authnrequest.xml');
    assert.equal(parseXmlSafely(xml).root.localName, 'AuthnRequest');
    assert.equal(parseXmlSafely(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(xml)])).root.localName, 'AuthnRequest');
  });
  it('refuses DOCTYPE, XXE and billion laughs', () => {
    assert.throws(() => parseXmlSafely(fixture('authnrequest-xxe.xml')), code('saml_doctype_forbidden'));
    assert.throws(() => parseXmlSafely(fixture('authnrequest-billion-laughs.xml')), code('saml_doctype_forbidden'));
    assert.throws(() => parseXmlSafely('<!doctype x><x/>'), code('saml_doctype_forbidden'));
    assert.throws(() => parseXmlSafely('<x/><!ENTITY a "b">'), code('saml_doctype_forbidden'));
  });
  it('refuses malformed XML, warnings and non-UTF-8 bytes', () => {
    for (const bad of ['', '<x>', '<x></y>', '<a/><b/>', 'text', '<x a="1" a="2"/>', '<x>&unknown;</x>', '<p:x/>']) {
      assert.throws(() => parseXmlSafely(bad), code('saml_request_invalid'), JSON.stringify(bad));
    }
    assert.throws(() => parseXmlSafely(Buffer.from([0x3c, 0x78, 0xff, 0x2f, 0x3e])), code('saml_request_invalid'));
  });
  it('caps size in bytes', () => {
    assert.throws(() => parseXmlSafely(`<x>${'a'.repeat(300_000)}</x>`), code('payload_too_large'));
    assert.throws(() => parseXmlSafely(`<x>${'é'.repeat(140_000)}</x>`), code('payload_too_large'));
    assert.throws(() => parseXmlSafely(Buffer.alloc(20, 0x20), { maxBytes: 10 }), code('payload_too_large'));
    assert.equal(parseXmlSafely(`<x>${'a'.repeat(1000)}</x>`, { maxBytes: 1010 }).root.localName, 'x');
  });
});
