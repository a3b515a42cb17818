/**
 * Lockout and throttling of sign-in steps. Failures of any step count against the person (key
 * `user:<username, lower case>`; an email typed as login maps to the same person) and against the client
 * address (`ip:<addr>`). The counters live in the store (throttles), so they hold across nodes.
 *
 * - after `lockout.backoffAfter` failures, each further attempt must wait `baseDelayMs · 2^(n − backoffAfter)`
 *   after the last failure: earlier attempts get `too_many_attempts` with a Retry-After (no server-side sleep);
 * - after `lockout.lockAfter` failures the key is locked for `lockout.lockSeconds`: while locked even the right
 *   password and code get the generic `invalid_credentials` message (the caller does that);
 * - a client address gets lockout.addressFactor (default 5) times the person's thresholds: many people may share one
 *   address (an office NAT), and an admin who unlocks a person must not find them still locked by address;
 * - a success clears the person's counter (never the address's: one good account must not reset a spray);
 * - an admin clears a person's lock with `clearLock`.
 */
import type { AppContext } from '../context.js';
import type { Config } from '../config/loadConfig.js';
import type { Store } from '../store/store.js';
import type { Throttle } from '../store/repositories/throttles.js';
import { GatehouseError } from '../errors.js';

/** The generic answer for a wrong password, an unknown person and any locked attempt. */
export const GENERIC_FAILURE_MESSAGE = 'Incorrect username, password or code.';

/** The throttle keys one attempt counts against. */
export interface LockoutKeys {
  /** `user:<username lower>`. */
  user: string;
  /** `ip:<client address>`. */
  ip: string;
}

/** Keys for a person (their username, or the login as typed when nobody has it) at a client address. */
export function lockoutKeys(username: string, ip: string): LockoutKeys {
  return { user: `user:${username.trim().toLowerCase()}`, ip: `ip:${ip}` };
}

/** What an attempt may do now. */
export type LockoutGate =
  | { state: 'open' }
  | { state: 'backoff'; retryAfterSeconds: number; key: string }
  | { state: 'locked'; until: number; key: string };

type LockoutConfig = Config['lockout'];

/** The thresholds for a key: the configured ones for a person, `lockout.addressFactor` times them for an address. */
export function thresholdsFor(cfg: LockoutConfig, key: string): LockoutConfig {
  if (!key.startsWith('ip:')) return cfg;
  return { ...cfg, backoffAfter: cfg.backoffAfter * cfg.addressFactor, lockAfter: cfg.lockAfter * cfg.addressFactor };
}

/** Milliseconds a key must wait after its last failure, given its failure count (0 below the back-off threshold). */
export function backoffDelayMs(cfg: LockoutConfig, failures: number): number {
  if (failures < cfg.backoffAfter) return 0;
  const exp = Math.min(failures - cfg.backoffAfter, 20);
  return cfg.baseDelayMs * 2 ** exp;
}

function gateOf(cfg: LockoutConfig, t: Throttle | undefined, now: number): LockoutGate {
  if (!t) return { state: 'open' };
  if (t.lockedUntil !== null && t.lockedUntil > now) return { state: 'locked', until: t.lockedUntil, key: t.key };
  if (t.lastFailureAt < now - cfg.windowSeconds * 1000 && (t.lockedUntil === null || t.lockedUntil <= now)) return { state: 'open' };
  const waitUntil = t.lastFailureAt + backoffDelayMs(cfg, t.failures);
  if (waitUntil > now) return { state: 'backoff', retryAfterSeconds: Math.max(1, Math.ceil((waitUntil - now) / 1000)), key: t.key };
  return { state: 'open' };
}

/** Reads both counters: a lock of either wins over a back-off of either. Changes nothing. */
export async function checkLockout(ctx: AppContext, keys: LockoutKeys): Promise<LockoutGate> {
  const now = ctx.now().getTime();
  const both = await Promise.all([keys.user, keys.ip].map(async (key) => gateOf(thresholdsFor(ctx.config.lockout, key), await ctx.store.throttles.get(key), now)));
  return both.find((g) => g.state === 'locked') ?? both.find((g) => g.state === 'backoff') ?? { state: 'open' };
}

/** The error for a back-off gate: `too_many_attempts`, with the seconds to wait in `detail.retryAfterSeconds`. */
export function backoffError(retryAfterSeconds: number): GatehouseError {
  return new GatehouseError('too_many_attempts', `Too many attempts. Wait ${retryAfterSeconds} seconds and try again.`, { detail: { retryAfterSeconds } });
}

/** Who failed, for the `lockout.locked` audit event. */
export interface FailureWho { userId?: string | null; username?: string | null; ip: string; requestId?: string }

/**
 * Counts one failure against both keys (atomic upserts in the store). When that failure locks a key,
 * appends a `lockout.locked` audit event. Returns the person's new counter.
 */
export async function recordFailure(ctx: AppContext, keys: LockoutKeys, who: FailureWho): Promise<Throttle> {
  const now = ctx.now().getTime();
  let userThrottle: Throttle | undefined;
  for (const key of [keys.user, keys.ip]) {
    const cfg = thresholdsFor(ctx.config.lockout, key);
    const before = await ctx.store.throttles.get(key);
    const after = await ctx.store.throttles.recordFailure(key, now, { windowMs: cfg.windowSeconds * 1000, lockAfter: cfg.lockAfter, lockMs: cfg.lockSeconds * 1000 });
    if (key === keys.user) userThrottle = after;
    const wasLocked = before?.lockedUntil != null && before.lockedUntil > now;
    if (!wasLocked && after.lockedUntil !== null && after.lockedUntil > now) {
      await ctx.store.audit.append({
        at: now, type: 'lockout.locked', outcome: 'info', userId: who.userId ?? null, username: who.username ?? null, ip: who.ip,
        reason: key === keys.user ? 'user' : 'ip', requestId: who.requestId ?? null,
        detail: { key, failures: after.failures, lockedUntil: after.lockedUntil },
      });
    }
  }
  return userThrottle!;
}

/** A success: forget the person's failures (the address keeps its count). */
export async function recordSuccess(ctx: AppContext, keys: LockoutKeys): Promise<void> {
  await ctx.store.throttles.clear(keys.user);
}

/**
 * Clears the failure counter and any lock of `username` (what `gatehouse user unlock` and the admin API call)
 * and appends a `lockout.cleared` audit event. Returns true when there was a counter to clear.
 */
export async function clearLock(store: Store, username: string, opts: { now?: number; by?: string; ip?: string; requestId?: string } = {}): Promise<boolean> {
  const key = lockoutKeys(username, '').user;
  const existed = (await store.throttles.get(key)) !== undefined;
  await store.throttles.clear(key);
  const user = await store.users.findByUsername(username);
  await store.audit.append({
    at: opts.now ?? Date.now(), type: 'lockout.cleared', outcome: 'success', userId: user?.id ?? null, username: user?.username ?? username,
    ip: opts.ip ?? null, requestId: opts.requestId ?? null, reason: existed ? 'cleared' : 'nothing_to_clear', detail: { by: opts.by ?? null },
  });
  return existed;
}
