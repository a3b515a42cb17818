import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, it } from 'node:test';
import { certificateDer, certificateToPem, parseCertificate } from '../../../src/saml/pem.js';
import { testSigningKey } from './testKeys.js';

const key = testSigningKey('pem', 2048);
const der = Buffer.from(key.certificateB64, 'base64');

describe('saml/pem', () => {
  it('PEM armour with 64-character lines that Node reads back', () => {
    const pem = certificateToPem(der);
    assert.match(pem, /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{64}\n)+[A-Za-z0-9+/=]{1,64}\n-----END CERTIFICATE-----\n$/);
    assert.deepEqual(new X509Certificate(pem).raw, der);
  });

  it('reads PEM and bare base64 DER, with the white space metadata and config files carry', () => {
    const b64 = key.certificateB64;
    for (const form of [certificateToPem(der), certificateToPem(der).replace(/\n/g, '\r\n'), `  ${certificateToPem(der)}  `, b64,
      b64.replace(/.{1,64}/g, '$&\n'), `\n  ${b64.replace(/.{1,76}/g, '$&\n      ')}`]) {
      assert.deepEqual(certificateDer(form), der);
      assert.equal(parseCertificate(form).fingerprint256, new X509Certificate(der).fingerprint256);
    }
  });

  it('refuses other PEM types, several blocks, and text that is not base64', () => {
    const pem = certificateToPem(der);
    const bad = [
      '', '   ', 'not base64!', `${key.certificateB64}%`, 'QQ', pem.replace(/CERTIFICATE/g, 'PUBLIC KEY'), pem + pem,
      pem.replace('-----END CERTIFICATE-----', ''), `junk\n${pem}`,
    ];
    for (const b of bad) assert.throws(() => certificateDer(b), RangeError, JSON.stringify(b.slice(0, 40)));
    assert.throws(() => parseCertificate(Buffer.from('not a certificate').toString('base64')));
  });
});
