/**
 * Certificates as text: PEM armour for DER bytes, and reading a certificate given either as PEM or as the
 * bare base64 DER that SP metadata carries in `ds:X509Certificate` (white space allowed in both).
 */
import { X509Certificate } from 'node:crypto';

const pemCertificate = /^-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\s]+)\r?\n-----END CERTIFICATE-----$/;
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** PEM armour for a DER certificate (64-character lines, trailing newline). */
export function certificateToPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/**
 * The DER bytes of a certificate given as one PEM `CERTIFICATE` block or as bare base64 DER. Throws
 * RangeError for anything else (another PEM type, several blocks, text that is not base64).
 */
export function certificateDer(certificate: string): Buffer {
  const text = certificate.trim();
  const body = text.startsWith('-----') ? pemCertificate.exec(text)?.[1] : text;
  if (body === undefined) throw new RangeError('not a PEM CERTIFICATE block');
  const b64 = body.replace(/\s+/g, '');
  if (b64 === '' || !base64.test(b64)) throw new RangeError('certificate is not base64');
  return Buffer.from(b64, 'base64');
}

/**
 * Reads a certificate given as PEM or bare base64 DER (see {@link certificateDer}). Throws RangeError for
 * malformed text, and Node's error for bytes that are not an X.509 certificate. Nothing to store.
 */
export function parseCertificate(certificate: string): X509Certificate {
  return new X509Certificate(certificateDer(certificate));
}
