import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateRawSync, deflateSync } from 'node:zlib';
import { decodePostMessage, decodeRedirectMessage } from '../../../src/saml/decodeSamlMessage.js';
import { isGatehouseError } from '../../../src/errors.js';
import { fixture } from './spFixtures.js';

const code = (c: string) => (e: unknown): boolean => isGatehouseError(e, c as never);

describe('decodeSamlMessage', () => {
  const xml = fixture('identity-center-authnrequest.xml');
  it('decodes HTTP-Redirect (raw deflate + base64) and HTTP-POST (base64, line-wrapped)', () => {
    assert.equal(decodeRedirectMessage(deflateRawSync(Buffer.from(xml)).toString('base64')), xml);
    const b64 = Buffer.from(xml).toString('base64');
    assert.equal(decodePostMessage(b64), xml);
    assert.equal(decodePostMessage(b64.replace(/.{76}/g, '$&\r\n')), xml);
  });
  it('refuses bad base64, zlib-wrapped (non-raw) deflate and invalid UTF-8', () => {
    assert.throws(() => decodePostMessage('not base64!'), code('saml_request_invalid'));
    assert.throws(() => decodePostMessage(''), code('saml_request_invalid'));
    assert.throws(() => decodeRedirectMessage(deflateSync(Buffer.from(xml)).toString('base64')), code('saml_request_invalid'));
    assert.throws(() => decodePostMessage(Buffer.from([0x3c, 0xff, 0xfe, 0x3e]).toString('base64')), code('saml_request_invalid'));
  });
  it('refuses oversized input before decoding', () => {
    assert.throws(() => decodePostMessage('A'.repeat(400_000)), code('payload_too_large'));
    assert.throws(() => decodePostMessage(Buffer.alloc(300_000, 0x41).toString('base64'), { maxInputChars: 1e7 }), code('payload_too_large'));
    assert.throws(() => decodeRedirectMessage('A'.repeat(2000), { maxInputChars: 1000 }), code('payload_too_large'));
  });
  it('a decompression bomb (50 MB of zeros) is refused with bounded memory', () => {
    const bomb = deflateRawSync(Buffer.alloc(50 * 1024 * 1024), { level: 9 }).toString('base64');
    const before = process.memoryUsage();
    assert.throws(() => decodeRedirectMessage(bomb), code('payload_too_large'));
    const after = process.memoryUsage();
    assert.ok(after.arrayBuffers - before.arrayBuffers < 8 * 1024 * 1024, 'external memory grew by more than 8 MB');
    assert.ok(after.rss - before.rss < 32 * 1024 * 1024, 'rss grew by more than 32 MB');
    // a smaller cap stops even earlier
    assert.throws(() => decodeRedirectMessage(bomb, { maxXmlBytes: 4096, maxInputChars: 1e6 }), code('payload_too_large'));
  });
});
