import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { createSigningKey, loadSigningKey } from '../../../src/saml/signingKey.js';
import { certificateToPem } from '../../../src/saml/pem.js';
import { buildSelfSignedCertificate } from '../../../src/saml/x509.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });

describe('x509', () => {
  it('builds a self-signed v3 certificate that Node and OpenSSL read', () => {
    const der = buildSelfSignedCertificate({
      privateKey, commonName: 'Gatehouse IdP — Ünïcode', notBefore: new Date('2026-01-01T00:00:00Z'),
      notAfter: new Date('2051-01-01T00:00:00Z'), serial: Buffer.from('00ff0102', 'hex'),
    });
    const c = new X509Certificate(der);
    assert.equal(c.subject, 'CN=Gatehouse IdP — Ünïcode');
    assert.equal(c.issuer, c.subject);
    assert.equal(c.serialNumber, 'FF0102');
    assert.equal(new Date(c.validFrom).toISOString(), '2026-01-01T00:00:00.000Z');
    assert.equal(new Date(c.validTo).toISOString(), '2051-01-01T00:00:00.000Z'); // GeneralizedTime from 2050
    assert.ok(c.verify(c.publicKey));
    assert.ok(c.checkPrivateKey(privateKey));
    const text = spawnSync('openssl', ['x509', '-noout', '-text'], { input: certificateToPem(der), encoding: 'utf8' });
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, /Version: 3/);
    assert.match(text.stdout, /sha256WithRSAEncryption/);
    assert.match(text.stdout, /Basic Constraints: critical\s+CA:FALSE/);
    assert.match(text.stdout, /Key Usage: critical\s+Digital Signature/);
  });

  it('encodes a serial with the high bit set as a positive integer', () => {
    const der = buildSelfSignedCertificate({ privateKey, commonName: 'x', notBefore: new Date(0), notAfter: new Date(1e12), serial: Buffer.from([0x80, 1]) });
    assert.equal(new X509Certificate(der).serialNumber, '8001');
  });

  it('rejects bad input', () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    assert.throws(() => buildSelfSignedCertificate({ privateKey: ec, commonName: 'x', notBefore: new Date(0), notAfter: new Date(1), serial: Buffer.from([1]) }), RangeError);
    assert.throws(() => buildSelfSignedCertificate({ privateKey, commonName: 'x', notBefore: new Date(1), notAfter: new Date(1), serial: Buffer.from([1]) }), RangeError);
    assert.throws(() => buildSelfSignedCertificate({ privateKey, commonName: 'x', notBefore: new Date(0), notAfter: new Date(1), serial: Buffer.alloc(21, 1) }), RangeError);
  });

  it('createSigningKey / loadSigningKey round-trip and mismatch detection', () => {
    const k = createSigningKey({ kid: 'k1', privateKey, commonName: 'idp', notBefore: new Date(0), notAfter: new Date(2e12), serial: Buffer.from([7]) });
    assert.equal(k.certificateB64, new X509Certificate(k.certificatePem).raw.toString('base64'));
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const loaded = loadSigningKey('k1', pem, k.certificatePem);
    assert.equal(loaded.certificateB64, k.certificateB64);
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    assert.throws(() => loadSigningKey('k1', other, k.certificatePem), RangeError);
  });
});
