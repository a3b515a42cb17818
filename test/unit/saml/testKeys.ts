// Test helper: RSA keys with self-signed certificates built by src/saml/x509.ts.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createSigningKey, type SigningKey } from '../../../src/saml/signingKey.js';

const cache = new Map<string, SigningKey>();

/** A fresh (cached per name) RSA signing key with a self-signed certificate valid 2020–2060. */
export function testSigningKey(name = 'idp', bits = 2048): SigningKey {
  const k = `${name}/${bits}`;
  const hit = cache.get(k);
  if (hit !== undefined) return hit;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: bits });
  const key = createSigningKey({
    kid: name,
    privateKey,
    commonName: `Gatehouse test ${name}`,
    notBefore: new Date('2020-01-01T00:00:00Z'),
    notAfter: new Date('2060-01-01T00:00:00Z'),
    serial: randomBytes(16),
  });
  cache.set(k, key);
  return key;
}
