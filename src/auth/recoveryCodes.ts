/**
 * One-time recovery codes, the way a person can sign in after losing every MFA device.
 *
 * A code is 12 characters of lower-case RFC 4648 base32 (a–z, 2–7: no 0/1/8/9 to confuse with o/l/b/g),
 * shown as `xxxx-xxxx-xxxx`: 60 random bits each. The caller shows the codes once and stores only
 * `hashRecoveryCode(code)` per code; using one is an atomic "mark used where unused" in the store.
 */
import { createHash, randomBytes as nodeRandomBytes } from 'node:crypto';
import type { RandomBytes } from './tokens.js';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const CODE_CHARS = 12;
const GROUP = 4;

/**
 * `n` new recovery codes (default 10), formatted `xxxx-xxxx-xxxx`, all distinct.
 * The caller shows them to the user once and stores `hashRecoveryCode(code)` for each, replacing any
 * earlier set.
 */
export function generateRecoveryCodes(n = 10, randomBytes: RandomBytes = nodeRandomBytes): string[] {
  if (!Number.isInteger(n) || n < 1 || n > 100) throw new RangeError('recovery code count must be 1..100');
  const codes = new Set<string>();
  while (codes.size < n) {
    // 256 is a multiple of 32, so taking the low 5 bits of each byte is unbiased.
    const bytes = randomBytes(CODE_CHARS);
    let raw = '';
    for (let i = 0; i < CODE_CHARS; i++) raw += ALPHABET[(bytes[i] ?? 0) & 31];
    codes.add(formatRecoveryCode(raw));
  }
  return [...codes];
}

/** The canonical form of a code as typed: lower-case, without dashes or white space. */
export function normaliseRecoveryCode(code: string): string {
  return code.normalize('NFKC').toLowerCase().replace(/[\s\-‐‑‒–—]/g, '');
}

/**
 * SHA-256 (lower-case hex) of the normalised code: the value to store and to look a code up by.
 * A fast hash is fine here (unlike passwords) because each code carries 60 random bits, so an offline
 * guess per hash is hopeless; it also lets the store find a code by its hash with an index.
 */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normaliseRecoveryCode(code), 'utf8').digest('hex');
}

/** True when `code` has the shape of a recovery code (12 base32 characters once normalised). */
export function isRecoveryCodeShape(code: string): boolean {
  return /^[a-z2-7]{12}$/.test(normaliseRecoveryCode(code));
}

function formatRecoveryCode(raw: string): string {
  const groups: string[] = [];
  for (let i = 0; i < raw.length; i += GROUP) groups.push(raw.slice(i, i + GROUP));
  return groups.join('-');
}
