/**
 * The stored flow: start, load, check the state of, move on and discard a login flow (types.ts has the states).
 *
 * A flow is a row in `login_flows`. The browser (or CLI) holds a random token; the store keys the row by the
 * token's hash, so a database read does not give away live flows. Every step moves the flow to a NEW token and
 * a new CSRF value with the store's compare-and-set (`advanceFlow`): two concurrent submits of one step cannot
 * both pass, and a token seen before a step is useless after it. An expired flow is `flow_expired`
 * ("start again"), an unknown one `flow_invalid`, a step out of order `flow_invalid`.
 */
import type { AppContext } from '../../context.js';
import type { FlowRecord } from '../../store/repositories/sessions.js';
import type { Factor } from '../factors.js';
import { GatehouseError } from '../../errors.js';
import { hashToken, newToken } from '../tokens.js';
import { safeReturnTo } from './returnTo.js';
import type { FlowData, FlowPending, FlowPurpose, FlowState, LoginFlow } from './types.js';

function toLoginFlow(token: string, r: FlowRecord): LoginFlow {
  const pending = { ...r.pending, returnTo: safeReturnTo(r.pending.returnTo) } as FlowPending;
  return {
    token, state: r.state as FlowState, userId: r.userId, factorsDone: r.factorsDone, pending, csrf: r.csrf,
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

/**
 * How long an expired flow is kept (and its cookie outlives it), so that coming back to its page says that the
 * sign-in timed out, and after how long, rather than that the page is unknown. The periodic purge removes it after.
 */
export const EXPIRED_FLOW_KEPT_MS = 60 * 60_000;

/** "15 minutes", "1 minute", "90 seconds", "2 hours": a configured duration in words. */
export function durationText(seconds: number): string {
  const [n, unit] = seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : seconds % 60 === 0 ? [seconds / 60, 'minute'] : [seconds, 'second'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/**
 * Loads the flow the client's token names: `flow_invalid` when there is none, `flow_expired` (saying after how
 * long) when it ran out. An expired flow stays stored (see EXPIRED_FLOW_KEPT_MS) but can never be used again.
 */
export async function loadFlow(ctx: AppContext, token: string | undefined | null): Promise<LoginFlow> {
  if (!token) throw new GatehouseError('flow_invalid', 'This sign-in page is no longer valid. Start again.');
  const rec = await ctx.store.sessions.findFlow(hashToken(token));
  if (!rec) throw new GatehouseError('flow_invalid', 'This sign-in page is no longer valid (it was used already or replaced). Start again.');
  if (rec.expiresAt <= ctx.now().getTime()) {
    throw new GatehouseError('flow_expired', `Sign-in timed out after ${durationText(ctx.config.auth.flowTtlSeconds)}. Start again.`);
  }
  return toLoginFlow(token, rec);
}

/** What an error page may know of the client's flow (live or expired) to offer the next step. */
export interface FlowGlance { state: FlowState; purpose: FlowPurpose; returnTo: string; expired: boolean; enrollingTotp: boolean }

/** A look at the flow `token` names, expired or not, without using it (undefined when there is none). */
export async function glanceAtFlow(ctx: AppContext, token: string | undefined | null): Promise<FlowGlance | undefined> {
  if (!token) return undefined;
  const rec = await ctx.store.sessions.findFlow(hashToken(token));
  if (!rec) return undefined;
  const flow = toLoginFlow(token, rec);
  return {
    state: flow.state, purpose: flow.data.purpose, returnTo: flow.pending.returnTo, expired: flow.expiresAt <= ctx.now().getTime(),
    enrollingTotp: typeof flow.data.enrollDeviceId === 'string',
  };
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
