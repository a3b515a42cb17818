/**
 * Device login of the CLI (RFC 8628, `gatehouse login --device`, for SSH sessions): the CLI gets a device code
 * (secret, for polling) and a short user code; a signed-in person opens `/cli/device`, compares or types the user
 * code, and approves or denies; the CLI polls the token endpoint no faster than the interval. Device codes expire
 * after `cli.deviceCodeTtlSeconds`, are decided once and redeemed once (conditional updates in the store), and
 * starting them is limited per client address. The CLI session goes to the person who APPROVED: the approval
 * binds their sign-in to the code, and the page tells them they are signing themselves in on that computer.
 * Wrong user codes count against the person and the address like failed sign-ins (src/auth/lockout.ts).
 */
import { randomInt } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { DeviceCode } from '../store/repositories/deviceCodes.js';
import type { ThrottleLimits } from '../store/repositories/throttles.js';
import { recordAudit, type AuditRequest } from '../audit/recordAudit.js';
import { GatehouseError } from '../errors.js';
import { hashToken, newToken } from './tokens.js';
import { backoffError, giveBackAttempt, lockoutKeys, reserveAttempt, settleFailure } from './lockout.js';
import { auditRef, deviceName, issueCliToken, refuseGrant, strongestFactor, type TokenGrant } from './cliTokens.js';
import { signInOfSession, type ApprovingSession } from './cliCodes.js';

/** RFC 8628 §6.1: 20 consonants (no vowels, so no words; no look-alike pairs), 8 of them ≈ 34.5 bits. */
export const USER_CODE_ALPHABET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;
const userCodePattern = new RegExp(`^[${USER_CODE_ALPHABET}]{${USER_CODE_LENGTH}}$`);
/** Device codes are 256 random bits, base64url. */
export const deviceCodePattern = /^[A-Za-z0-9_-]{43}$/;

/** A new random user code (8 letters, no hyphen; show it with `formatUserCode`). */
export function newUserCode(): string {
  return Array.from({ length: USER_CODE_LENGTH }, () => USER_CODE_ALPHABET[randomInt(USER_CODE_ALPHABET.length)]).join('');
}

/** `BCDFGHJK` → `BCDF-GHJK`, as the terminal and the approval page show it. */
export function formatUserCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** A user code as typed (any case, spaces or hyphens anywhere) → its 8 letters; undefined when it cannot be one. */
export function normaliseUserCode(input: string): string | undefined {
  const c = input.toUpperCase().replace(/[\s-]/g, '');
  return userCodePattern.test(c) ? c : undefined;
}

/** What the CLI gets when it starts a device login (RFC 8628 §3.2 without the URIs, which the HTTP layer adds). */
export interface DeviceStart { deviceCode: string; userCode: string; expiresIn: number; interval: number }

/** At most `cli.deviceStartsPerAddress` starts per address within the device code lifetime (the last one locks the key). */
function startLimits(ctx: AppContext): ThrottleLimits {
  const windowMs = ctx.config.cli.deviceCodeTtlSeconds * 1000;
  const n = ctx.config.cli.deviceStartsPerAddress;
  return { windowMs, backoffAfter: n, baseDelayMs: 0, lockAfter: n, lockMs: windowMs };
}

/**
 * Starts a device login for the computer `clientName`: counts the start against the client address (refused with
 * `too_many_attempts` past `cli.deviceStartsPerAddress`), stores the device code's hash and a fresh user code, and
 * records `cli.device_start`. The caller gives the device code and the formatted user code to the CLI.
 */
export async function startDeviceLogin(ctx: AppContext, clientName: string, ip: string, req?: AuditRequest): Promise<DeviceStart> {
  const now = ctx.now().getTime();
  const key = `cli-device:${ip}`;
  if (!(await ctx.store.throttles.reserve(key, now, startLimits(ctx)))) {
    const s = await ctx.store.throttles.status(key, now, startLimits(ctx));
    throw backoffError(Math.max(1, Math.ceil(((s?.lockedUntil ?? s?.waitUntil ?? now + 1000) - now) / 1000)));
  }
  const deviceCode = newToken(32);
  const deviceCodeHash = hashToken(deviceCode);
  const ttl = ctx.config.cli.deviceCodeTtlSeconds;
  const interval = ctx.config.cli.devicePollIntervalSeconds;
  for (let attempt = 0; attempt < 5; attempt++) {
    const userCode = newUserCode();
    if (await ctx.store.deviceCodes.create({ deviceCodeHash, userCode, clientName, intervalMs: interval * 1000, createdAt: now, expiresAt: now + ttl * 1000 })) {
      await recordAudit(ctx, { type: 'cli.device_start', outcome: 'info', detail: { clientName, ref: auditRef(deviceCodeHash) } }, { req });
      return { deviceCode, userCode: formatUserCode(userCode), expiresIn: ttl, interval };
    }
  }
  throw new GatehouseError('internal', 'could not pick a free user code');
}

/** Where an approval page request came from (the lockout keys and the audit). */
export interface DeviceMeta { ip: string; req?: AuditRequest }

const unknownCode = (): GatehouseError => new GatehouseError('user_code_invalid', 'That code is not valid. Check the code shown in your terminal and try again.');

/**
 * Runs `use` on the pending, unexpired device login that `input` names, counting a wrong code against the person
 * and the address first (reserve → look up → give back when the code was a real one). Refusals: `too_many_attempts`
 * (back-off or lock), `user_code_invalid` (unknown, decided already, expired). `audit` records each refusal.
 */
async function withUserCode<T>(ctx: AppContext, session: ApprovingSession, input: string, meta: DeviceMeta,
  use: (userCode: string) => Promise<{ result: T } | { missing: DeviceCode | undefined }>, audit: DecisionAudit): Promise<T> {
  const keys = lockoutKeys(session.user.username, meta.ip);
  const reservation = await reserveAttempt(ctx, keys);
  if (!reservation.granted) {
    const gate = reservation.gate;
    const seconds = gate.state === 'backoff' ? gate.retryAfterSeconds : Math.max(1, Math.ceil((gate.until - ctx.now().getTime()) / 1000));
    await audit('failure', gate.state === 'backoff' ? 'backoff' : 'locked', { retryAfterSeconds: seconds });
    throw backoffError(seconds);
  }
  const userCode = normaliseUserCode(input);
  const outcome = userCode ? await use(userCode) : { missing: undefined };
  if ('result' in outcome) {
    await giveBackAttempt(ctx, reservation.attempt);
    return outcome.result;
  }
  const code = outcome.missing;
  if (!code) {
    await settleFailure(ctx, reservation.attempt, { userId: session.user.id, username: session.user.username, ip: meta.ip, requestId: meta.req?.id });
    await audit('failure', 'unknown_code');
    throw unknownCode();
  }
  await giveBackAttempt(ctx, reservation.attempt);
  const expired = code.status === 'pending';
  await audit('failure', expired ? 'expired' : 'already_decided', { code });
  throw new GatehouseError('user_code_invalid', expired
    ? 'This code has expired. Start the sign-in again in your terminal.'
    : 'This code was already approved or denied, and works only once. Start the sign-in again in your terminal if you need to.');
}

type DecisionAudit = (outcome: 'success' | 'failure', reason: string | null, extra?: { code?: DeviceCode; retryAfterSeconds?: number }) => Promise<void>;

/** Records `cli.device_decision` events of one approval page request (`decision` undefined: a look-up). */
async function decisionAudit(ctx: AppContext, session: ApprovingSession, decision: 'approve' | 'deny' | undefined, meta: DeviceMeta): Promise<DecisionAudit> {
  const signIn = signInOfSession(session);
  const device = await deviceName(ctx, signIn.deviceId);
  return async (outcome, reason, extra = {}) => {
    await recordAudit(ctx, {
      type: 'cli.device_decision', outcome, reason, userId: signIn.user.id, username: signIn.user.username, factor: signIn.factor, deviceId: signIn.deviceId,
      deviceName: device, detail: {
        ...(decision ? { decision } : {}), ...(extra.code ? { clientName: extra.code.clientName, ref: auditRef(extra.code.deviceCodeHash) } : {}),
        ...(extra.retryAfterSeconds !== undefined ? { retryAfterSeconds: extra.retryAfterSeconds } : {}),
      },
    }, { req: meta.req });
  };
}

/**
 * The pending device login a signed-in person typed or followed a link to, for the approval page to show (its
 * client name and user code). Wrong codes count like failed sign-ins and are audited (`cli.device_decision` without
 * a decision); nothing is stored or audited for a right one.
 */
export async function findDeviceLogin(ctx: AppContext, session: ApprovingSession, input: string, meta: DeviceMeta): Promise<DeviceCode> {
  const audit = await decisionAudit(ctx, session, undefined, meta);
  return withUserCode<DeviceCode>(ctx, session, input, meta, async (userCode) => {
    const code = await ctx.store.deviceCodes.findByUserCode(userCode);
    if (code && code.status === 'pending' && code.expiresAt > ctx.now().getTime()) return { result: code };
    return { missing: code };
  }, audit);
}

/**
 * Approves or denies a device login once. Approval binds the approver's sign-in (person, strongest factor, device,
 * session end) to the code: the CLI that polls gets a session of THAT person. A code decided already (by anyone)
 * is refused. Every decision and refusal is recorded as `cli.device_decision`.
 */
export async function decideDeviceLogin(ctx: AppContext, session: ApprovingSession, input: string, decision: 'approve' | 'deny', meta: DeviceMeta): Promise<DeviceCode> {
  const signIn = signInOfSession(session);
  const audit = await decisionAudit(ctx, session, decision, meta);
  const code = await withUserCode<DeviceCode>(ctx, session, input, meta, async (userCode) => {
    const now = ctx.now().getTime();
    const decided = await ctx.store.deviceCodes.decide(userCode, now, decision === 'approve'
      ? { status: 'approved', approval: { userId: signIn.user.id, factor: signIn.factor, deviceId: signIn.deviceId, authenticatedAt: signIn.authenticatedAt, sessionExpiresAt: signIn.notAfter } }
      : { status: 'denied', userId: signIn.user.id });
    if (decided) return { result: decided };
    return { missing: await ctx.store.deviceCodes.findByUserCode(userCode) };
  }, audit);
  await audit('success', null, { code });
  return code;
}

/**
 * One poll of the token endpoint with a device code: `slow_down` (sooner than the interval; `detail.interval` is
 * the new one), `expired_token`, `authorization_pending`, `access_denied`, `invalid_grant` (unknown, redeemed
 * already, approver disabled), or the approver's CLI session, once. Every answer but `authorization_pending` and
 * success is audited (`cli.grant_refused`, or `cli.token` when an approver is named).
 */
export async function pollDeviceLogin(ctx: AppContext, deviceCode: string, req?: AuditRequest): Promise<TokenGrant> {
  const hash = hashToken(deviceCode);
  const now = ctx.now().getTime();
  const polled = await ctx.store.deviceCodes.poll(hash, now);
  if (polled.outcome === 'unknown') {
    throw await refuseGrant(ctx, { via: 'device', hash }, 'unknown', new GatehouseError('invalid_grant', 'This device sign-in is not known. Run gatehouse login --device again.'), req);
  }
  const code = polled.code;
  const user = code.userId ? await ctx.store.users.findById(code.userId) : undefined;
  const grant = { via: 'device' as const, hash, clientName: code.clientName, ...(user ? { person: { user, factor: code.factor, deviceId: code.deviceId } } : {}) };
  if (code.expiresAt <= now) {
    throw await refuseGrant(ctx, grant, 'expired', new GatehouseError('expired_token', 'This device sign-in expired before it was approved. Run gatehouse login --device again.'), req);
  }
  if (polled.outcome === 'slow_down') {
    const interval = Math.ceil(code.intervalMs / 1000);
    throw await refuseGrant(ctx, grant, 'slow_down', new GatehouseError('slow_down', `Polling too fast: wait ${interval} seconds between polls.`, { detail: { interval } }), req);
  }
  if (code.status === 'pending') throw new GatehouseError('authorization_pending', 'Waiting for the sign-in to be approved in a browser.');
  if (code.status === 'denied') {
    throw await refuseGrant(ctx, grant, 'denied',
      new GatehouseError('access_denied', 'The sign-in was denied in the browser.'), req);
  }
  const factor = strongestFactor([code.factor ?? '']);
  const refused = code.status === 'redeemed' ? 'replayed'
    : !user || user.status !== 'active' || !factor ? 'disabled'
      : (code.sessionExpiresAt ?? 0) <= now ? 'session_ended'
        : null;
  const invalid = () => new GatehouseError('invalid_grant', 'This device sign-in was used already or can no longer be used. Run gatehouse login --device again.');
  if (refused || !user || !factor) throw await refuseGrant(ctx, grant, refused ?? 'disabled', invalid(), req);
  if (!(await ctx.store.deviceCodes.redeem(hash, now))) throw await refuseGrant(ctx, grant, 'replayed', invalid(), req);
  return issueCliToken(ctx, {
    user, factor, deviceId: code.deviceId, via: 'device', clientName: code.clientName, authenticatedAt: code.authenticatedAt ?? now,
    ...(code.sessionExpiresAt !== null ? { notAfter: code.sessionExpiresAt } : {}),
  }, req);
}
