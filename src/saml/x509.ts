/**
 * A minimal DER encoder for one job: a self-signed X.509 v3 certificate for an RSA key, signed with
 * sha256WithRSAEncryption. Node can read certificates (crypto.X509Certificate) but not write them.
 *
 * Extensions (each once; IAM rejects repeated extensions): basicConstraints (critical, CA false),
 * keyUsage (critical, digitalSignature), subjectKeyIdentifier (SHA-1 of the public key bits, RFC 5280 §4.2.1.2).
 */
import { createHash, createPublicKey, sign, type KeyObject } from 'node:crypto';

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

const sequence = (...c: Buffer[]): Buffer => tlv(0x30, ...c);
const set = (...c: Buffer[]): Buffer => tlv(0x31, ...c);
const explicit = (n: number, ...c: Buffer[]): Buffer => tlv(0xa0 | n, ...c);
const nullValue = Buffer.from([0x05, 0x00]);
const booleanTrue = Buffer.from([0x01, 0x01, 0xff]);
const octetString = (b: Buffer): Buffer => tlv(0x04, b);
const bitString = (b: Buffer): Buffer => tlv(0x03, Buffer.from([0]), b);
const utf8String = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));

function oid(dotted: string): Buffer {
  const parts = dotted.split('.').map(Number);
  const [a = 0, b = 0, ...rest] = parts;
  const out: number[] = [a * 40 + b];
  for (const p of rest) {
    const chunk: number[] = [p & 0x7f];
    for (let v = Math.floor(p / 128); v > 0; v = Math.floor(v / 128)) chunk.unshift((v & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** DER INTEGER from unsigned big-endian bytes (leading zeros stripped, a 0x00 added if the high bit is set). */
function unsignedInteger(bytes: Uint8Array): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i += 1;
  let b = Buffer.from(bytes.subarray(i));
  if (b.length === 0) b = Buffer.from([0]);
  if ((b[0] ?? 0) & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return tlv(0x02, b);
}

function time(d: Date): Buffer {
  const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = d.getUTCFullYear();
  // RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050.
  if (year >= 1950 && year < 2050) return tlv(0x17, Buffer.from(`${digits.slice(2)}Z`, 'ascii'));
  return tlv(0x18, Buffer.from(`${digits}Z`, 'ascii'));
}

function name(commonName: string): Buffer {
  return sequence(set(sequence(oid('2.5.4.3'), utf8String(commonName))));
}

const sha256WithRsa = sequence(oid('1.2.840.113549.1.1.11'), nullValue);

/** Input of {@link buildSelfSignedCertificate}. */
export interface SelfSignedCertificateInput {
  /** RSA private key (2048 bits or more) that signs the certificate and whose public half it carries. */
  privateKey: KeyObject;
  /** Subject and issuer CN. */
  commonName: string;
  notBefore: Date;
  notAfter: Date;
  /** Serial number as unsigned big-endian bytes: pass 16 random bytes (RFC 5280: at most 20 octets). */
  serial: Uint8Array;
}

/**
 * Builds a self-signed X.509 v3 certificate (DER) for an RSA key. Pure given its inputs (the serial and the
 * dates come from the caller). Throws RangeError for a non-RSA key, an empty serial over 20 bytes or
 * notAfter before notBefore.
 */
export function buildSelfSignedCertificate(input: SelfSignedCertificateInput): Buffer {
  const { privateKey, commonName, notBefore, notAfter, serial } = input;
  if (privateKey.asymmetricKeyType !== 'rsa') throw new RangeError('only RSA keys are supported');
  if (serial.length === 0 || serial.length > 20) throw new RangeError('serial must be 1–20 bytes');
  if (notAfter.getTime() <= notBefore.getTime()) throw new RangeError('notAfter must be after notBefore');
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const publicKeyBits = extractSpkiBitString(spki);
  const extensions = explicit(3, sequence(
    sequence(oid('2.5.29.19'), booleanTrue, octetString(sequence())),
    // keyUsage: BIT STRING with 7 unused bits, digitalSignature (bit 0) set.
    sequence(oid('2.5.29.15'), booleanTrue, octetString(Buffer.from([0x03, 0x02, 0x07, 0x80]))),
    sequence(oid('2.5.29.14'), octetString(octetString(createHash('sha1').update(publicKeyBits).digest()))),
  ));
  const tbs = sequence(
    explicit(0, Buffer.from([0x02, 0x01, 0x02])),
    unsignedInteger(serial),
    sha256WithRsa,
    name(commonName),
    sequence(time(notBefore), time(notAfter)),
    name(commonName),
    spki,
    extensions,
  );
  const signature = sign('sha256', tbs, privateKey);
  return sequence(tbs, sha256WithRsa, bitString(signature));
}

/** The contents (without the unused-bits octet) of the BIT STRING in a DER SubjectPublicKeyInfo. */
function extractSpkiBitString(spki: Buffer): Buffer {
  // SEQUENCE { AlgorithmIdentifier, BIT STRING }: skip outer header, skip algorithm TLV, read bit string.
  let pos = 0;
  const readHeader = (): { len: number; start: number } => {
    pos += 1; // tag
    let len = spki[pos] ?? 0;
    pos += 1;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i += 1) len = len * 256 + (spki[pos + i] ?? 0);
      pos += n;
    }
    return { len, start: pos };
  };
  readHeader();
  const alg = readHeader();
  pos = alg.start + alg.len;
  const bits = readHeader();
  return spki.subarray(bits.start + 1, bits.start + bits.len);
}
