/**
 * Lockout and throttling of sign-in steps. Attempts of any step count against the person (key
 * `user:<username, lower case>`; an email typed as login maps to the same person) and against the client
 * address (`ip:<addr>`). The counters live in the store (throttles), so they hold across nodes.
 *
 * - each attempt is RESERVED before it is checked (`reserveAttempt`: one atomic statement per key that counts
 *   it and refuses it when the key is locked or in back-off), so at most the allowed number of guesses is ever
 *   evaluated, however many arrive at once and on however many nodes;
 * - after `lockout.backoffAfter` counted attempts, each further attempt must wait `baseDelayMs · 2^(n − backoffAfter)`
 *   after the latest: earlier attempts get `too_many_attempts` with a Retry-After (no server-side sleep);
 * - the attempt that brings the count to `lockout.lockAfter` locks the key for `lockout.lockSeconds`: while locked
 *   even the right password and code get the generic `invalid_credentials` message (the caller does that);
 * - a client address gets lockout.addressFactor (default 5) times the person's thresholds: many people may share one
 *   address (an office NAT), and an admin who unlocks a person must not find them still locked by address;
 * - a verified step hands back its own reservation (`giveBackAttempt`) and nothing else: a correct password never
 *   clears the failures that guard the second factor. Only a complete sign-in clears the person's counter
 *   (`forgetFailures`, called when a flow is done); the address keeps its count;
 * - an admin clears a person's lock with `clearLock`.
 */
import type { AppContext } from '../context.js';
import type { Config } from '../config/loadConfig.js';
import type { Store } from '../store/store.js';
import type { Throttle, ThrottleLimits, ThrottleStatus } from '../store/repositories/throttles.js';
import { GatehouseError } from '../errors.js';
import { recordAudit } from '../audit/recordAudit.js';
import { changedByDevice, type ChangedBy } from '../admin/changeActor.js';

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
function thresholdsFor(cfg: LockoutConfig, key: string): LockoutConfig {
  if (!key.startsWith('ip:')) return cfg;
  return { ...cfg, backoffAfter: cfg.backoffAfter * cfg.addressFactor, lockAfter: cfg.lockAfter * cfg.addressFactor };
}

/** The store's limits for a key (thresholds in milliseconds). */
function limitsFor(cfg: LockoutConfig, key: string): ThrottleLimits {
  const t = thresholdsFor(cfg, key);
  return { windowMs: t.windowSeconds * 1000, backoffAfter: t.backoffAfter, baseDelayMs: t.baseDelayMs, lockAfter: t.lockAfter, lockMs: t.lockSeconds * 1000 };
}

function gateOf(s: ThrottleStatus | undefined, now: number): LockoutGate {
  if (s?.lockedUntil != null && s.lockedUntil > now) return { state: 'locked', until: s.lockedUntil, key: s.key };
  if (s?.waitUntil != null && s.waitUntil > now) return { state: 'backoff', retryAfterSeconds: Math.max(1, Math.ceil((s.waitUntil - now) / 1000)), key: s.key };
  return { state: 'open' };
}

/** Reads both counters at `now`: a lock of either wins over a back-off of either. Changes nothing. */
async function checkLockout(ctx: AppContext, keys: LockoutKeys, now = ctx.now().getTime()): Promise<LockoutGate> {
  const both = await Promise.all([keys.user, keys.ip].map(async (key) => gateOf(await ctx.store.throttles.status(key, now, limitsFor(ctx.config.lockout, key)), now)));
  return both.find((g) => g.state === 'locked') ?? both.find((g) => g.state === 'backoff') ?? { state: 'open' };
}

/** The error for a back-off gate: `too_many_attempts`, with the seconds to wait in `publicDetail.retryAfterSeconds` (clients see it). */
export function backoffError(retryAfterSeconds: number): GatehouseError<'too_many_attempts'> {
  return new GatehouseError('too_many_attempts', `Too many attempts. Wait ${retryAfterSeconds} ${retryAfterSeconds === 1 ? 'second' : 'seconds'} and try again.`, { publicDetail: { retryAfterSeconds } });
}

/** One attempt, counted against the person and the address before it is checked. Held only for the request. */
export interface HeldAttempt {
  keys: LockoutKeys;
  /** The person's and the address's rows as this attempt's reservation left them. */
  held: [Throttle, Throttle];
}

/** A reservation: granted (check the attempt now), or refused with the gate that refused it. */
export type Reservation =
  | { granted: true; attempt: HeldAttempt }
  | { granted: false; gate: Exclude<LockoutGate, { state: 'open' }> };

/** Attempts to reserve again when a refusal could not be explained (the row changed in between). */
const RESERVE_ROUNDS = 3;

/**
 * Counts one attempt against the person, then the address, each with one atomic statement, BEFORE the attempt
 * is checked. When the address refuses, the person's reservation is handed back (a refused attempt counts
 * nowhere). Refused: the gate to answer with (locked wins over back-off). The caller keeps the held attempt
 * for the request only, and ends it with `giveBackAttempt` (verified) or `settleFailure` (anything else).
 */
export async function reserveAttempt(ctx: AppContext, keys: LockoutKeys): Promise<Reservation> {
  const now = ctx.now().getTime();
  const cfg = ctx.config.lockout;
  for (let round = 0; round < RESERVE_ROUNDS; round++) {
    const user = await ctx.store.throttles.reserve(keys.user, now, limitsFor(cfg, keys.user));
    if (user) {
      const ip = await ctx.store.throttles.reserve(keys.ip, now, limitsFor(cfg, keys.ip));
      if (ip) return { granted: true, attempt: { keys, held: [user, ip] } };
      await ctx.store.throttles.giveBack(user);
    }
    const gate = await checkLockout(ctx, keys, now);
    if (gate.state !== 'open') return { granted: false, gate };
  }
  return { granted: false, gate: { state: 'backoff', retryAfterSeconds: 1, key: keys.user } };
}

/** A verified step: hands back this attempt's own reservations (and a lock it set); other failures stay. */
export async function giveBackAttempt(ctx: AppContext, attempt: HeldAttempt): Promise<void> {
  await ctx.store.throttles.giveBack(...attempt.held);
}

/** Who failed, for the `lockout.locked` audit event: the person (the login as typed when nobody has it), from where. */
export interface FailureWho { userId?: string | null; username: string; ip: string; requestId?: string | undefined }

/**
 * An attempt that was not verified: its reservations stay counted. For each key that this attempt's reservation
 * locked (only one reservation can set a given lock), records one `lockout.locked` audit event. The lock itself
 * was written by the reservation's one statement (`reserveAttempt`), before the attempt was checked; it stands
 * from here on, because a failed attempt never hands its reservation back.
 */
export async function settleFailure(ctx: AppContext, attempt: HeldAttempt, who: FailureWho): Promise<void> {
  for (const t of attempt.held) {
    if (t.lockedUntil === null) continue;
    await recordAudit(ctx, {
      at: t.lastFailureAt, type: 'lockout.locked', outcome: 'info', userId: who.userId ?? null, username: who.username, ip: who.ip,
      reason: t.key === attempt.keys.user ? 'user' : 'ip', requestId: who.requestId ?? null,
      detail: { key: t.key, failures: t.failures, lockedUntil: t.lockedUntil },
    });
  }
}

/** A complete sign-in (a flow reached `done`): forget the person's failures. The address keeps its count. */
export async function forgetFailures(store: Store, username: string): Promise<void> {
  await store.throttles.clear(lockoutKeys(username, '').user);
}

/**
 * Clears the failure counter and any lock of `username` (what the console, the admin API and `gatehouse user
 * unlock` call) and records a `lockout.cleared` audit event (`before`: the failures and the lock it cleared), both
 * in one transaction. Returns true when there was a counter to clear.
 */
export async function clearLock(store: Store, username: string, opts: { now?: number; ip?: string; requestId?: string } & Partial<ChangedBy> = {}): Promise<boolean> {
  return store.transaction(async (tx) => {
    const key = lockoutKeys(username, '').user;
    const was = await tx.throttles.get(key);
    const existed = await tx.throttles.clear(key);
    const user = await tx.users.findByUsername(username);
    const lockedUntil = was?.lockedUntil != null && (opts.now === undefined || was.lockedUntil > opts.now) ? was.lockedUntil : null;
    await recordAudit(tx, {
      at: opts.now, type: 'lockout.cleared', outcome: 'success', userId: user?.id ?? null, username: user?.username ?? username,
      ip: opts.ip ?? null, requestId: opts.requestId ?? null, reason: existed ? 'cleared' : 'nothing_to_clear',
      detail: {
        by: opts.by ?? null, ...(opts.via ? { via: opts.via } : {}), ...changedByDevice(opts),
        ...(existed ? { before: { failures: was?.failures ?? 0, lockedUntil }, after: { failures: 0, lockedUntil: null } } : {}),
      },
    });
    return existed;
  });
}

/** Who is locked: the lock of a person, by username in any spelling (addresses are left out). */
export interface LockedPeople {
  /** Until when (ms) `username` is locked; undefined when they are not. */
  lockedUntil(username: string): number | undefined;
}

/** The people locked at `now` and until when (what /admin shows). One query; address locks are not included. */
export async function lockedPeople(ctx: Pick<AppContext, 'store' | 'now'>, now = ctx.now().getTime()): Promise<LockedPeople> {
  const until = new Map((await ctx.store.throttles.listLocked(now)).filter((t) => t.lockedUntil !== null).map((t) => [t.key, t.lockedUntil!]));
  return { lockedUntil: (username) => until.get(lockoutKeys(username, '').user) };
}
