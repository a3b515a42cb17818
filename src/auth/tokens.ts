/**
 * Opaque random tokens (session ids, CLI codes, reset links) and the helpers to store and compare them.
 * Nothing here touches storage: the caller stores `hashToken(token)` and hands the token itself to the user.
 */
import { createHash, randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';

/** A source of cryptographically secure random bytes; tests may inject a deterministic one. */
export type RandomBytes = (size: number) => Uint8Array;

/**
 * A new random token: `bytes` random bytes (default 32 = 256 bits), base64url without padding.
 * Store only `hashToken(token)`; the token itself goes to the user (cookie, URL, CLI) and is never saved.
 */
export function newToken(bytes = 32, randomBytes: RandomBytes = nodeRandomBytes): string {
  if (!Number.isInteger(bytes) || bytes < 16) throw new RangeError('a token needs at least 16 random bytes');
  return Buffer.from(randomBytes(bytes)).toString('base64url');
}

/**
 * SHA-256 of the token, lower-case hex: the value to store and to look a token up by. A fast hash is
 * enough because tokens carry ≥ 128 bits of randomness, so there is nothing to brute-force offline.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Constant-time equality of two strings or byte arrays. Both sides are hashed first so that the time
 * taken depends on neither the contents nor (beyond hashing) the lengths.
 */
export function safeEqual(a: string | Uint8Array, b: string | Uint8Array): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db) && byteLength(a) === byteLength(b);
}

function byteLength(v: string | Uint8Array): number {
  return typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.byteLength;
}
