/**
 * Passwords: argon2id hashing (via @node-rs/argon2), the password policy, and a dummy verification so
 * that an unknown username costs the same time as a wrong password.
 *
 * Every password is NFKC-normalised before it is checked, hashed or verified, so a password typed as
 * composed ("é", U+00E9) or decomposed ("e" + U+0301) Unicode — or with full-width digits — is the same
 * password. The policy follows NIST SP 800-63B: a minimum length, a blocklist, not the username or email,
 * and no composition rules.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { hash, verify, parseOptions } from '@node-rs/argon2';
import type { Algorithm, Version } from '@node-rs/argon2';
import { GatehouseError } from '../errors.js';
import { commonPasswords } from './commonPasswords.js';

/** argon2id cost parameters. Memory in KiB. */
export interface PasswordHashParams {
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

/** OWASP's recommended argon2id minimum: 19 MiB, 2 passes, 1 lane. */
export const defaultPasswordParams: Readonly<PasswordHashParams> = Object.freeze({ memoryCost: 19456, timeCost: 2, parallelism: 1 });

// @node-rs/argon2 ships these as `const enum`s, which isolatedModules cannot read; the values are stable.
const ARGON2ID = 2 as Algorithm;
const V0x13 = 1 as Version;

/*
 * How many argon2 hashes and verifications this process runs at once; the others wait here for a slot. Each one
 * holds memoryCost KiB (19 MiB by default) on one of libuv's 4 threads while it runs: more at once than this
 * process's share of the CPUs finish no sooner, but hold more memory (4 × 19 MiB was a third of a node's resident
 * memory during sign-ins) and take threads that signing and file reads need too (issue 12).
 */
let hashSlots = availableParallelism();
let hashing = 0;
const waitingForSlot: (() => void)[] = [];

/**
 * Sets how many argon2 hashes or verifications this process runs at once (at least 1; default: one per CPU it may
 * use). A cluster worker sets its share of the CPUs.
 */
export function limitConcurrentHashing(slots: number): void {
  hashSlots = Math.max(1, Math.floor(slots));
}

/** The argon2 calls of this process running now and waiting for a slot (see limitConcurrentHashing). */
export function passwordHashing(): { running: number; waiting: number } {
  return { running: hashing, waiting: waitingForSlot.length };
}

/** Runs `fn` (one argon2 call) once a slot is free; the slot passes to the next waiter, in order, when it ends. */
async function inHashSlot<T>(fn: () => Promise<T>): Promise<T> {
  if (hashing < hashSlots) hashing++;
  else await new Promise<void>((resolve) => waitingForSlot.push(resolve));
  try {
    return await fn();
  } finally {
    const next = waitingForSlot.shift();
    if (next) next();
    else hashing--;
  }
}

/** The canonical form of a password: Unicode NFKC. Nothing else is changed (no trimming, no case folding). */
export function normalisePassword(password: string): string {
  return password.normalize('NFKC');
}

/**
 * argon2id hash (PHC string, random 16-byte salt) of the NFKC-normalised password.
 * The caller stores the returned string as the user's password hash.
 */
export async function hashPassword(password: string, params: PasswordHashParams = defaultPasswordParams): Promise<string> {
  return inHashSlot(() => hash(normalisePassword(password), {
    algorithm: ARGON2ID, version: V0x13,
    memoryCost: params.memoryCost, timeCost: params.timeCost, parallelism: params.parallelism,
  }));
}

/**
 * True when `password` (NFKC-normalised) matches the stored argon2 hash. Nothing to store, except that
 * the caller should check `needsRehash` after a success and save a fresh `hashPassword` if it says so.
 * A stored hash that is not an argon2 PHC string is a server-side problem: it throws `internal`.
 */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await inHashSlot(() => verify(storedHash, normalisePassword(password)));
  } catch (cause) {
    throw new GatehouseError('internal', 'stored password hash is not a valid argon2 hash', { cause });
  }
}

/**
 * True when the stored hash was made with other parameters than `params` (or is not argon2id v1.3),
 * so the caller should re-hash the password it has just verified and store the new hash.
 */
export function needsRehash(storedHash: string, params: PasswordHashParams = defaultPasswordParams): boolean {
  try {
    const o = parseOptions(storedHash);
    return o.algorithm !== ARGON2ID || o.version !== V0x13 || o.memoryCost !== params.memoryCost
      || o.timeCost !== params.timeCost || o.parallelism !== params.parallelism || o.outputLen !== 32;
  } catch {
    return true;
  }
}

// A hash of a random string nobody knows, made with defaultPasswordParams, so the first login of an
// unknown user is not slower than the rest. Hashes for other parameters are made once, on first use.
const DEFAULT_DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$yIOB2pJYh31ftSV9CZztFA$7d9oaD8LX2s1eKVYry8zQfX0O47676A2v/6NKmXlbfo';
const dummyHashes = new Map<string, Promise<string>>();

/** The dummy hash used for `params` (exported so a test can check it uses exactly those parameters). */
export function dummyHash(params: PasswordHashParams): Promise<string> {
  const key = `${params.memoryCost},${params.timeCost},${params.parallelism}`;
  if (key === '19456,2,1') return Promise.resolve(DEFAULT_DUMMY_HASH);
  let h = dummyHashes.get(key);
  if (h === undefined) {
    h = hashPassword(randomBytes(24).toString('base64url'), params);
    dummyHashes.set(key, h);
  }
  return h;
}

/**
 * Verify `password` against a dummy hash made with the same parameters as real hashes, and return false.
 * Call it when the username is unknown (or has no password) so that the response takes as long as a wrong
 * password would. Nothing to store. With parameters other than the defaults the dummy hash is made once per
 * process; `gatehouse serve` makes it at start-up (`prepareDummyHash`), so no sign-in pays for it.
 */
export async function dummyVerify(password: string, params: PasswordHashParams = defaultPasswordParams): Promise<false> {
  const h = await dummyHash(params);
  await inHashSlot(() => verify(h, normalisePassword(password)));
  return false;
}

/** Pre-compute the dummy hash for `params` (see `dummyVerify`). */
export async function prepareDummyHash(params: PasswordHashParams = defaultPasswordParams): Promise<void> {
  await dummyHash(params);
}

export interface PasswordPolicy {
  /** Minimum length in Unicode code points after NFKC. Default 12. */
  minLength?: number;
  /** Maximum length in code points after NFKC (a guard against absurd inputs). Default 1024. */
  maxLength?: number;
  /** The password may not equal the username (case-insensitive). */
  username?: string | null;
  /** The password may not equal the email address (case-insensitive). */
  email?: string | null;
  /** What the messages call the password (the form field's label, e.g. "New password"). Default "Password". */
  label?: string;
}

/**
 * Check a new password against the policy: at least `minLength` code points (after NFKC), not in the
 * built-in blocklist of common passwords, not equal to the username or email (case-insensitive).
 * No composition rules. Throws `password_rejected` with a message the user can act on, naming the field by
 * `policy.label`; returns nothing.
 */
export function checkPasswordPolicy(password: string, policy: PasswordPolicy = {}): void {
  const minLength = policy.minLength ?? 12;
  const maxLength = policy.maxLength ?? 1024;
  const label = policy.label ?? 'Password';
  const normalised = normalisePassword(password);
  const length = [...normalised].length;
  if (length < minLength) {
    throw new GatehouseError('password_rejected', `${label} is too short: use at least ${minLength} characters.`, { detail: { reason: 'too_short', minLength } });
  }
  if (length > maxLength) {
    throw new GatehouseError('password_rejected', `${label} is too long: use at most ${maxLength} characters.`, { detail: { reason: 'too_long', maxLength } });
  }
  const folded = normalised.toLowerCase();
  if (commonPasswords.has(folded)) {
    throw new GatehouseError('password_rejected', `${label} is too common and easy to guess: choose another one.`, { detail: { reason: 'common' } });
  }
  for (const [field, value] of [['username', policy.username], ['email', policy.email]] as const) {
    if (value && folded === normalisePassword(value).toLowerCase()) {
      throw new GatehouseError('password_rejected', `${label} must not be the same as your ${field}.`, { detail: { reason: `same_as_${field}` } });
    }
  }
}

/** Letters and digits that cannot be mistaken for one another when read out or copied by hand (no 0/O, 1/l/I). */
const GENERATED_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

/**
 * A new random password for an admin to hand over once: `groups` groups of 5 characters from a 32-letter alphabet,
 * joined by `-` (the default, 5 groups, is 125 random bits and 29 characters: longer than any `passwordMinLength`
 * up to 29). The caller shows it once, hashes it with `hashPassword` and never logs it.
 */
export function generatePassword(groups = 5): string {
  const bytes = randomBytes(groups * 5);
  const chars = [...bytes].map((b) => GENERATED_ALPHABET[b & 31]!);
  return Array.from({ length: groups }, (_, i) => chars.slice(i * 5, i * 5 + 5).join('')).join('-');
}
