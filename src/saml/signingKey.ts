/**
 * The IdP signing key as the SAML code uses it. Key generation (randomness) and storage happen in the
 * caller; this module only assembles and loads.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { certificateToPem, parseCertificate } from './pem.js';
import { buildSelfSignedCertificate } from './x509.js';

/** An RSA signing key with its certificate, ready for signXml and buildIdpMetadata. */
export interface SigningKey {
  /** Stable id of the key (for rotation and audit). */
  kid: string;
  privateKey: KeyObject;
  certificatePem: string;
  /** DER certificate in base64, no headers or line breaks (the ds:X509Certificate text). */
  certificateB64: string;
}

/** Input of {@link createSigningKey}. */
export interface CreateSigningKeyInput {
  kid: string;
  /** A freshly generated RSA key (3072 bits recommended): `generateKeyPairSync('rsa', { modulusLength: 3072 })`. */
  privateKey: KeyObject;
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  /** 16 random bytes from the caller. */
  serial: Uint8Array;
}

/**
 * Wraps a private key in a new self-signed certificate. The caller must store `kid`, the private key
 * (encrypted) and `certificatePem`, and reload them with {@link loadSigningKey}.
 */
export function createSigningKey(input: CreateSigningKeyInput): SigningKey {
  const der = buildSelfSignedCertificate(input);
  return { kid: input.kid, privateKey: input.privateKey, certificatePem: certificateToPem(der), certificateB64: der.toString('base64') };
}

/**
 * Loads a stored key: PKCS#8/PKCS#1 PEM private key (or KeyObject) and PEM certificate. Throws RangeError
 * when the certificate's public key does not match the private key or the key is not RSA.
 */
export function loadSigningKey(kid: string, privateKey: string | KeyObject, certificatePem: string): SigningKey {
  const key = typeof privateKey === 'string' ? createPrivateKey(privateKey) : privateKey;
  if (key.asymmetricKeyType !== 'rsa') throw new RangeError('signing key must be RSA');
  const cert = parseCertificate(certificatePem);
  if (!cert.checkPrivateKey(key)) throw new RangeError(`certificate does not match private key ${kid}`);
  return { kid, privateKey: key, certificatePem: cert.toString(), certificateB64: cert.raw.toString('base64') };
}
