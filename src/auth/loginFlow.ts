/**
 * The login flow: one stored state machine for every surface (DESIGN.md "One login flow for every surface").
 *
 *   password ──► mfa ──────────────────────────────► done
 *       └─────► enroll-mfa ──► (recovery-codes) ──► done
 *   set-password ──► enroll-mfa …            (setup links: first admin, admin-issued enrollment)
 *
 * A flow is a row in `login_flows`. The browser (or CLI) holds a random token; the store keys the row by the
 * token's hash, so a database read does not give away live flows. Every step moves the flow to a NEW token and
 * a new CSRF value with the store's compare-and-set (`advanceFlow`): two concurrent submits of one step cannot
 * both pass, and a token seen before a step is useless after it. An expired flow is `flow_expired`
 * ("start again"), an unknown one `flow_invalid`, a step out of order `flow_invalid`.
 */
import type { AppContext } from '../context.js';
import type { User } from '../store/repositories/users.js';
import type { FlowRecord } from '../store/repositories/sessions.js';
import { GatehouseError, isGatehouseError } from '../errors.js';
import { hashToken, newToken } from './tokens.js';
import { challengeKey, type ExpectedChallenge } from './webauthn.js';
import { backoffError, GENERIC_FAILURE_MESSAGE, giveBackAttempt, lockoutKeys, reserveAttempt, settleFailure } from './lockout.js';
import type { FactorStrategy, FactorSuccess } from './strategies/strategy.js';
import { passwordStrategy } from './strategies/password.js';

export const flowStates = ['password', 'set-password', 'mfa', 'enroll-mfa', 'recovery-codes', 'done'] as const;
export type FlowState = (typeof flowStates)[number];
/**
 * What a flow is for: signing in, one more factor for a session, a setup link, adding a device from /account,
 * or re-authentication (never stored: `reauthenticate`).
 */
export type FlowPurpose = 'login' | 'step-up' | 'setup' | 'add-device' | 'reauth';
export type Factor = 'password' | 'totp' | 'webauthn' | 'recovery';
export type SecondFactor = 'totp' | 'webauthn';

/** What happens when the flow is done. Other surfaces (SAML, CLI) may add their own fields. */
export interface FlowPending {
  /** Local path to go to when done (validated by `safeReturnTo`). */
  returnTo: string;
  /** ForceAuthn: the flow ran although a session existed. */
  force?: boolean;
  [key: string]: unknown;
}

/** Per-flow scratch data. Never a plain secret: recovery codes waiting to be shown are sealed. */
export interface FlowData {
  purpose: FlowPurpose;
  /** step-up: the factor asked for. */
  stepUpFactor?: SecondFactor;
  /** step-up, add-device: the session (id hash) the flow belongs to. */
  sessionHash?: string;
  /** setup: the hash of the one-time link's token (consumed when the password step passes). */
  setupTokenHash?: string;
  /** enroll-mfa: the unconfirmed TOTP device being set up. */
  enrollDeviceId?: string;
  /** The outstanding WebAuthn challenge (its hash) and when it expires. */
  challenge?: { key: string; expiresAt: number; ceremony: 'register' | 'authenticate' };
  /** recovery-codes: the new codes, sealed with the secrets box (aad = 'recovery-codes:' + userId). */
  recoveryCodesSealed?: string;
  /** What completed the flow's second step (for the session when done). */
  completed?: { factor: Factor; deviceId: string | null; deviceName: string | null };
}

/** A login flow as the rest of Gatehouse sees it. `token` is what the client holds; the store has only its hash. */
export interface LoginFlow {
  token: string;
  state: FlowState;
  userId: string | null;
  factorsDone: Factor[];
  pending: FlowPending;
  csrf: string;
  data: FlowData;
  createdAt: number;
  expiresAt: number;
}

/** Longest return path kept: a /saml/resume link carries the sealed pending AuthnRequest (see samlSso.ts). */
export const MAX_RETURN_TO_LENGTH = 8192;

/**
 * A local path safe to redirect to after sign-in, and safe to put in a Location header: starts with one '/',
 * never '//' or '/\'; no control characters; everything outside printable ASCII percent-encoded as UTF-8
 * ('/€' → '/%E2%82%AC'), so the value is ASCII and the redirect cannot fail after the factors were used up.
 * Text that cannot be encoded (a lone surrogate) or that is longer than MAX_RETURN_TO_LENGTH gives '/'.
 * The result is its own fixed point: safeReturnTo(safeReturnTo(x)) === safeReturnTo(x).
 */
export function safeReturnTo(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_RETURN_TO_LENGTH) return '/';
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(raw) || /\p{Cs}/u.test(raw)) return '/';
  const ascii = raw.replace(/[^\x21-\x7e]+/g, (s) => encodeURIComponent(s));
  return ascii.length > MAX_RETURN_TO_LENGTH ? '/' : ascii;
}

/** The path of the login page that comes back to `returnTo` (what other surfaces redirect to). */
export function loginUrl(returnTo: string, opts: { force?: boolean } = {}): string {
  const q = new URLSearchParams({ return_to: safeReturnTo(returnTo) });
  if (opts.force) q.set('force', '1');
  return `/login?${q.toString()}`;
}

function toLoginFlow(token: string, r: FlowRecord): LoginFlow {
  const pending = { ...r.pending, returnTo: safeReturnTo(r.pending.returnTo) } as FlowPending;
  return {
    token, state: r.state as FlowState, userId: r.userId, factorsDone: r.factorsDone as Factor[], pending, csrf: r.csrf,
    data: r.data as unknown as FlowData, createdAt: r.createdAt, expiresAt: r.expiresAt,
  };
}

/**
 * Starts a flow and stores it. The caller hands `flow.token` to the client (flow cookie) and puts
 * `flow.csrf` in the page. Expires after `auth.flowTtlSeconds`.
 */
export async function startFlow(ctx: AppContext, opts: {
  purpose: FlowPurpose; state?: FlowState; userId?: string | null; returnTo?: unknown; force?: boolean;
  pending?: Record<string, unknown>; data?: Omit<FlowData, 'purpose'>; factorsDone?: Factor[];
}): Promise<LoginFlow> {
  const now = ctx.now().getTime();
  const token = newToken();
  const rec: FlowRecord = {
    id: hashToken(token),
    state: opts.state ?? 'password',
    userId: opts.userId ?? null,
    factorsDone: opts.factorsDone ?? [],
    pending: { ...opts.pending, returnTo: safeReturnTo(opts.returnTo), ...(opts.force ? { force: true } : {}) },
    csrf: newToken(24),
    data: { ...opts.data, purpose: opts.purpose },
    createdAt: now,
    expiresAt: now + ctx.config.auth.flowTtlSeconds * 1000,
  };
  await ctx.store.sessions.createFlow(rec);
  return toLoginFlow(token, rec);
}

/** Loads the flow the client's token names: `flow_invalid` when there is none, `flow_expired` when it ran out. */
export async function loadFlow(ctx: AppContext, token: string | undefined | null): Promise<LoginFlow> {
  if (!token) throw new GatehouseError('flow_invalid', 'This sign-in page is no longer valid. Start again.');
  const rec = await ctx.store.sessions.findFlow(hashToken(token));
  if (!rec) throw new GatehouseError('flow_invalid', 'This sign-in page is no longer valid (it was used already or replaced). Start again.');
  if (rec.expiresAt <= ctx.now().getTime()) {
    await ctx.store.sessions.deleteFlow(rec.id);
    throw new GatehouseError('flow_expired', 'Signing in took too long and this page has expired. Start again.');
  }
  return toLoginFlow(token, rec);
}

/** Throws `flow_invalid` unless the flow is in one of `states` (a skipped or repeated step). */
export function requireState(flow: LoginFlow, ...states: FlowState[]): void {
  if (!states.includes(flow.state)) {
    throw new GatehouseError('flow_invalid', 'That step is not available now: steps must be done in order. Start again.', { detail: { state: flow.state, expected: states } });
  }
}

/**
 * Moves the flow on with the store's compare-and-set. By default it gets a new token and CSRF value (every
 * step); `rotate: false` keeps them (scratch updates inside a step, such as a new WebAuthn challenge).
 * Throws `flow_invalid` when another request moved the flow first.
 */
export async function advanceFlow(ctx: AppContext, flow: LoginFlow, patch: {
  state?: FlowState; userId?: string | null; factorsDone?: Factor[]; data?: Partial<FlowData>; clear?: (keyof FlowData)[];
}, opts: { rotate?: boolean } = {}): Promise<LoginFlow> {
  const rotate = opts.rotate !== false;
  const token = rotate ? newToken() : flow.token;
  const data: FlowData = { ...flow.data, ...patch.data };
  for (const k of patch.clear ?? []) delete data[k];
  const next: LoginFlow = {
    ...flow, token, state: patch.state ?? flow.state, userId: patch.userId === undefined ? flow.userId : patch.userId,
    factorsDone: patch.factorsDone ?? flow.factorsDone, csrf: rotate ? newToken(24) : flow.csrf, data,
  };
  const ok = await ctx.store.sessions.advanceFlow(hashToken(flow.token), flow.state, {
    id: hashToken(token), state: next.state, userId: next.userId, factorsDone: next.factorsDone, pending: next.pending,
    csrf: next.csrf, data: next.data as unknown as Record<string, unknown>, expiresAt: next.expiresAt,
  });
  if (!ok) throw new GatehouseError('flow_invalid', 'This step was already completed (perhaps in another tab). Start again.');
  return next;
}

/** Removes a flow (after it is done, or when the person cancels). */
export async function discardFlow(ctx: AppContext, flow: LoginFlow): Promise<void> {
  await ctx.store.sessions.deleteFlow(hashToken(flow.token));
}

/** Where a request came from, for lockout and audit. */
export interface StepMeta { ip: string; requestId?: string }

/** The outcome of a factor step: the moved flow and what was verified. */
export interface StepResult { flow: LoginFlow; success: FactorSuccess }

/**
 * Checks one factor with lockout and audit, without moving the flow: who → reserve the attempt (counted against
 * the person and the address BEFORE the verify, so concurrent guesses cannot get past the limits) → verify →
 * audit. While either key is locked, even the right answer gets the generic message; in back-off, a Retry-After.
 * Password failures always get the generic message (unknown people too). A verified factor hands back only its
 * own reservation: it never clears other failures (only a complete sign-in does, see `forgetFailures`).
 * An attempt that was not verified stays counted, even when verify failed with a server error.
 */
export async function attemptFactor<I>(ctx: AppContext, flow: LoginFlow, strategy: FactorStrategy<I>, input: I, meta: StepMeta): Promise<FactorSuccess> {
  const subject = await strategy.identify(ctx, flow, input);
  const keys = lockoutKeys(subject.username, meta.ip);
  const who = { userId: subject.user?.id ?? null, username: subject.user?.username ?? subject.username, ip: meta.ip, requestId: meta.requestId };
  const audit = (outcome: 'success' | 'failure', reason: string | null, extra: { deviceId?: string | null; deviceName?: string | null; detail?: Record<string, unknown> } = {}) =>
    ctx.store.audit.append({
      at: ctx.now().getTime(), type: strategy.auditType, outcome, ...who, requestId: meta.requestId ?? null, factor: strategy.factor,
      deviceId: extra.deviceId ?? null, deviceName: extra.deviceName ?? null, reason, detail: { purpose: flow.data.purpose, ...extra.detail },
    });

  const reservation = await reserveAttempt(ctx, keys);
  if (!reservation.granted) {
    const gate = reservation.gate;
    if (gate.state === 'backoff') {
      await audit('failure', 'backoff', { detail: { retryAfterSeconds: gate.retryAfterSeconds } });
      throw backoffError(gate.retryAfterSeconds);
    }
    await strategy.imitate?.(ctx, input);
    await audit('failure', 'locked', { detail: { lockedKey: gate.key.startsWith('ip:') ? 'ip' : 'user' } });
    throw new GatehouseError('invalid_credentials', GENERIC_FAILURE_MESSAGE, { detail: { reason: 'locked' } });
  }

  let success: FactorSuccess;
  try {
    success = await strategy.verify(ctx, flow, subject, input);
  } catch (e) {
    await settleFailure(ctx, reservation.attempt, who);
    if (!isGatehouseError(e) || e.status >= 500) throw e;
    const d = (e.detail ?? {}) as { reason?: string; deviceId?: string; deviceName?: string };
    await audit('failure', d.reason ?? e.code, { deviceId: d.deviceId, deviceName: d.deviceName });
    if (strategy.factor === 'password') throw new GatehouseError('invalid_credentials', GENERIC_FAILURE_MESSAGE, { detail: { reason: d.reason ?? e.code } });
    throw e;
  }
  await giveBackAttempt(ctx, reservation.attempt);
  await audit('success', null, { deviceId: success.deviceId, deviceName: success.deviceName, detail: success.detail });
  return success;
}

/**
 * Runs one factor step of a stored flow (STYLE.md §4): state check → `attemptFactor` → next state, moving the
 * flow to a new token with compare-and-set (a concurrent submit of the same step gets `flow_invalid`).
 */
export async function runFactorStep<I>(ctx: AppContext, flow: LoginFlow, strategy: FactorStrategy<I>, input: I, meta: StepMeta): Promise<StepResult> {
  requireState(flow, ...strategy.states);
  const success = await attemptFactor(ctx, flow, strategy, input, meta);
  const state = await nextState(ctx, flow, success.user, strategy.factor);
  const moved = await advanceFlow(ctx, flow, {
    state, userId: success.user.id, factorsDone: [...new Set([...flow.factorsDone, strategy.factor])],
    data: strategy.factor === 'password' ? {} : { completed: { factor: strategy.factor, deviceId: success.deviceId, deviceName: success.deviceName } },
    clear: ['challenge'],
  });
  return { flow: moved, success };
}

/**
 * Re-authentication of a signed-in person by password (before removing a device, adding one or new recovery
 * codes): the same lockout, back-off and audit as the sign-in password step, with no stored flow. Like the
 * password step, a right password hands back only its own reservation and clears no other failure.
 */
export async function reauthenticate(ctx: AppContext, user: User, password: string, meta: StepMeta): Promise<void> {
  const now = ctx.now().getTime();
  const transient: LoginFlow = {
    token: '', state: 'password', userId: user.id, factorsDone: [], pending: { returnTo: '/' }, csrf: '', data: { purpose: 'reauth' },
    createdAt: now, expiresAt: now,
  };
  await attemptFactor(ctx, transient, passwordStrategy, { login: user.username, password }, meta);
}

/**
 * The state after a verified factor: after the password, `mfa` for a person with a confirmed device, else
 * `enroll-mfa` (forced enrollment) when enrollment at first login is allowed or the flow came from a setup
 * link, else `enrollment_required` (ask an admin for a link). After a second factor: `done`.
 */
export async function nextState(ctx: AppContext, flow: LoginFlow, user: User, factor: Factor): Promise<FlowState> {
  if (factor !== 'password') return 'done';
  const devices = await ctx.store.devices.listForUser(user.id, { confirmedOnly: true });
  if (flow.data.purpose === 'setup') return 'enroll-mfa';
  if (devices.length > 0) return 'mfa';
  if (ctx.config.auth.enrollAtFirstLogin) return 'enroll-mfa';
  await ctx.store.audit.append({ at: ctx.now().getTime(), type: 'login.enrollment_required', outcome: 'failure', userId: user.id, username: user.username, reason: 'no_device_enrollment_disabled' });
  await discardFlow(ctx, flow);
  throw new GatehouseError('enrollment_required', 'You have no two-step verification device yet, and this site does not let you add one at sign-in. Ask your administrator for an enrollment link.');
}

/**
 * Remembers a freshly issued WebAuthn challenge in the flow (only its hash), expiring after
 * `auth.webauthnChallengeTtlSeconds`. The flow keeps its token: asking for options is not a step.
 */
export async function bindChallenge(ctx: AppContext, flow: LoginFlow, challenge: string, ceremony: 'register' | 'authenticate'): Promise<LoginFlow> {
  const expiresAt = ctx.now().getTime() + ctx.config.auth.webauthnChallengeTtlSeconds * 1000;
  return advanceFlow(ctx, flow, { data: { challenge: { key: challengeKey(challenge), expiresAt, ceremony } } }, { rotate: false });
}

/**
 * The `expectedChallenge` check for a WebAuthn response in this flow: the challenge must be the one this flow
 * was given for this ceremony, unexpired, and not used before (consumed atomically in the store as
 * `webauthn:<hash>`, so it stays single-use across nodes). A challenge from another flow fails.
 */
export function expectedChallengeFor(ctx: AppContext, flow: LoginFlow, ceremony: 'register' | 'authenticate'): ExpectedChallenge {
  return async (challenge: string) => {
    const bound = flow.data.challenge;
    const now = ctx.now().getTime();
    if (!bound || bound.ceremony !== ceremony || bound.expiresAt <= now) return false;
    const key = challengeKey(challenge);
    if (key !== bound.key) return false;
    return ctx.store.singleUse.consume(`webauthn:${key}`, bound.expiresAt, now);
  };
}
