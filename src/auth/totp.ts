/**
 * TOTP (RFC 6238) as authenticator apps and AWS use it: SHA-1, 6 digits, 30-second steps.
 * Built on otpauth for the HOTP arithmetic and URIs, and qrcode for a server-rendered SVG.
 *
 * No clock, no storage: `now` (milliseconds since the epoch) comes in, the matched time step goes out.
 * Each step is single-use: the caller stores the returned step with an atomic compare-and-set
 *   UPDATE mfa_devices SET last_step = :step WHERE id = :id AND (last_step IS NULL OR last_step < :step)
 * and treats "0 rows updated" as `totp_replayed` (another node or request used it first).
 */
import { randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';
import { GatehouseError } from '../errors.js';
import type { RandomBytes } from './tokens.js';

const TOTP_PERIOD_SECONDS = 30;
const TOTP_DIGITS = 6;
const TOTP_ALGORITHM = 'SHA1';
/** Steps accepted either side of the current one (clock drift and typing time). */
const TOTP_WINDOW = 1;

/**
 * A new random TOTP secret: 160 bits (RFC 4226's recommended length), base32 without padding (32 chars).
 * The caller stores it encrypted (mfa_devices.secret_enc) and shows it once, as a QR code and as text.
 */
export function generateTotpSecret(randomBytes: RandomBytes = nodeRandomBytes): string {
  return new Secret({ buffer: Uint8Array.from(randomBytes(20)).buffer }).base32;
}

/**
 * The `otpauth://totp/...` URI for an authenticator app: issuer and account in the label and the
 * `issuer` parameter, SHA1, 6 digits, period 30. Nothing to store.
 */
export function totpUri({ issuer, account, secret }: { issuer: string; account: string; secret: string }): string {
  return new TOTP({
    issuer, label: account, issuerInLabel: true, secret: parseSecret(secret),
    algorithm: TOTP_ALGORITHM, digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS,
  }).toString();
}

/**
 * An SVG document (string) of the QR code for `uri`, rendered on the server; no script, no network. qrcode is
 * imported here, on first use: only enrolment needs it, and a serving process need not hold it (issue 12).
 */
export async function totpQrSvg(uri: string): Promise<string> {
  const { default: QRCode } = await import('qrcode');
  return QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** The time step that contains `now` (ms since the epoch). */
export function totpStep(now: number): number {
  return Math.floor(now / 1000 / TOTP_PERIOD_SECONDS);
}

/** The 6-digit code of `secret` (base32) at time step `step`. For tests and tooling; never shown to users. */
export function totpCodeAt(secret: string, step: number): string {
  return HOTP.generate({ secret: parseSecret(secret), algorithm: TOTP_ALGORITHM, digits: TOTP_DIGITS, counter: step });
}

/**
 * The code as typed, normalised: NFKC (full-width digits become ASCII), white space removed. It must then
 * be exactly 6 digits, else `factor_rejected`.
 */
function normaliseTotpCode(code: string): string {
  const c = code.normalize('NFKC').replace(/\s+/g, '');
  if (!/^\d{6}$/.test(c)) throw new GatehouseError('factor_rejected', 'Enter the 6-digit code from your authenticator app.', { detail: { reason: 'format' } });
  return c;
}

/**
 * Verify a TOTP code at `now`, accepting the current step and one either side. Returns the matched step.
 *
 * Throws `factor_rejected` when the code is malformed or matches no step in the window, and
 * `totp_replayed` when it matches only steps ≤ `lastStep` (already used). The caller must then store
 * `step` with the atomic compare-and-set described at the top of this file, and treat a lost race as
 * `totp_replayed`.
 */
export function verifyTotp({ secret, code, now, lastStep }: {
  secret: string; code: string; now: number; lastStep?: number | null;
}): { step: number } {
  const typed = normaliseTotpCode(code);
  const current = totpStep(now);
  const matched = matchingSteps(parseSecret(secret), typed, current - TOTP_WINDOW, current + TOTP_WINDOW);
  if (matched.length === 0) throw new GatehouseError('factor_rejected', 'That code is not correct. Check the time on your device and try the newest code.', { detail: { reason: 'mismatch' } });
  const fresh = matched.filter((s) => lastStep === null || lastStep === undefined || s > lastStep);
  const step = fresh[0];
  if (step === undefined) throw new GatehouseError('totp_replayed', 'That code has already been used. Wait for the next code and try again.');
  return { step };
}

/**
 * Confirm a new TOTP device with two CONSECUTIVE codes, as AWS does: `code1` at step s-1 and `code2` at
 * step s, both within the window around `now` (so s is the current step or the next one). Proves the
 * app's clock and secret are right. Returns the later step `s`; the caller stores the device with
 * `last_step = s` (so neither code can be used again) and marks it confirmed.
 * Throws `factor_rejected` for malformed codes, the same code twice, or codes that are not consecutive.
 */
export function verifyTotpEnrollment({ secret, code1, code2, now }: {
  secret: string; code1: string; code2: string; now: number;
}): { step: number } {
  const first = normaliseTotpCode(code1);
  const second = normaliseTotpCode(code2);
  if (first === second) {
    throw new GatehouseError('factor_rejected', 'Enter two different codes: wait for the app to show the next code before entering the second one.', { detail: { reason: 'same_code' } });
  }
  const key = parseSecret(secret);
  const current = totpStep(now);
  const lo = current - TOTP_WINDOW;
  const hi = current + TOTP_WINDOW;
  const firstSteps = matchingSteps(key, first, lo, hi);
  const secondSteps = matchingSteps(key, second, lo, hi);
  for (const s of secondSteps) {
    if (firstSteps.includes(s - 1)) return { step: s };
  }
  throw new GatehouseError('factor_rejected', 'Those codes are not two consecutive codes from this secret. Check the time on your device and try again.', { detail: { reason: 'not_consecutive' } });
}

/** Every step in [lo, hi] whose code equals `typed`, ascending. Compares all candidates in constant time. */
function matchingSteps(secret: Secret, typed: string, lo: number, hi: number): number[] {
  const typedBytes = Buffer.from(typed, 'ascii');
  const out: number[] = [];
  for (let step = lo; step <= hi; step++) {
    if (step < 0) continue;
    const expected = Buffer.from(HOTP.generate({ secret, algorithm: TOTP_ALGORITHM, digits: TOTP_DIGITS, counter: step }), 'ascii');
    if (timingSafeEqual(expected, typedBytes)) out.push(step);
  }
  return out;
}

/**
 * A TOTP secret as people paste it or as another IdP exports it, normalised: white space, dashes and `=`
 * padding removed, upper case. Returns undefined unless the result is base32 (A–Z, 2–7) of 16 to 256
 * characters (80 to 1280 bits). The one rule for every secret Gatehouse accepts (directory file, enrolment);
 * the caller stores the normalised form.
 */
export function normaliseTotpSecret(secret: string): string | undefined {
  if (secret.length > 1024) return undefined;
  const clean = secret.replace(/[\s\-=]/g, '').toUpperCase();
  return /^[A-Z2-7]{16,256}$/.test(clean) ? clean : undefined;
}

function parseSecret(secret: string): Secret {
  const clean = normaliseTotpSecret(secret);
  if (clean === undefined) throw new GatehouseError('validation_failed', 'TOTP secret must be base32 and at least 80 bits long.');
  return Secret.fromBase32(clean);
}
