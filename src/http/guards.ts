/**
 * What a route checks about who is asking: the login-flow cookie, a full (password + second factor) session,
 * admin membership, and the JSON/CSRF rules of the admin API. Every surface uses these, so a person who has
 * only passed the password step reaches nothing but their enrollment or MFA page.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { GatehouseError } from '../errors.js';
import { isFirstFactor, isSecondFactor } from '../auth/factors.js';
import { EXPIRED_FLOW_KEPT_MS, loadFlow } from '../auth/flow/storedFlow.js';
import { loginUrl } from '../auth/flow/returnTo.js';
import type { LoginFlow } from '../auth/flow/types.js';
import { cookieName, cookieOptions, safeEqual, type WebSession } from './session.js';
import type { PageModel } from './views.js';

const FLOW_COOKIE = 'gatehouse_flow';

/** Name of the login-flow cookie (`__Host-` prefixed when the base URL is https). */
export function flowCookieName(ctx: AppContext): string {
  return cookieName(ctx, FLOW_COOKIE);
}

/**
 * Hands the flow's (new) token to the browser. HttpOnly, SameSite=Lax; lives as long as the flow is kept
 * (EXPIRED_FLOW_KEPT_MS after it expired), so that a late answer hears that the sign-in timed out.
 */
export function setFlowCookie(ctx: AppContext, reply: FastifyReply, flow: LoginFlow): void {
  reply.setCookie(flowCookieName(ctx), flow.token, cookieOptions(ctx, Math.max(1, Math.ceil((flow.expiresAt + EXPIRED_FLOW_KEPT_MS - ctx.now().getTime()) / 1000))));
}

export function clearFlowCookie(ctx: AppContext, reply: FastifyReply): void {
  reply.clearCookie(flowCookieName(ctx), cookieOptions(ctx));
}

/** The flow named by the browser's flow cookie (`flow_invalid` / `flow_expired` otherwise). */
export function currentFlow(ctx: AppContext, req: FastifyRequest): Promise<LoginFlow> {
  return loadFlow(ctx, req.cookies[flowCookieName(ctx)]);
}

/** True when the session has the first factor (password) and a second factor (every session Gatehouse starts does). */
export function isFullSession(s: WebSession): boolean {
  return s.factors.some(isFirstFactor) && s.factors.some(isSecondFactor);
}

/**
 * Why there is no usable session: a person in the middle of signing in gets `mfa_required`,
 * `enrollment_required` or `password_change_required` (a step is left), anyone else `session_required`.
 */
async function missingSessionError(ctx: AppContext, req: FastifyRequest): Promise<GatehouseError> {
  const token = req.cookies[flowCookieName(ctx)];
  if (token) {
    const flow = await loadFlow(ctx, token).catch(() => undefined);
    const ofSession = flow?.data.purpose === 'step-up' || flow?.data.purpose === 'password-change';
    if (!ofSession && flow?.state === 'mfa') return new GatehouseError('mfa_required', 'Finish signing in first: confirm with your second factor at /login/mfa.');
    if (flow?.state === 'enroll-mfa') return new GatehouseError('enrollment_required', 'Finish setting up two-step verification first, at /login/enroll.');
    if (flow?.state === 'recovery-codes') return new GatehouseError('enrollment_required', 'Finish signing in first: save your recovery codes at /login/recovery-codes.');
    if (flow?.state === 'new-password') return new GatehouseError('password_change_required', 'Finish signing in first: choose a new password at /login/new-password.');
  }
  return new GatehouseError('session_required', 'Please sign in.');
}

/**
 * The signed-in person's session with password and a second factor, or a thrown error: `session_required`,
 * `mfa_required` / `enrollment_required` (password step only), `mfa_required` (a session without a second factor).
 * Use in API routes and in page routes that must not redirect.
 */
export async function requireFullSession(ctx: AppContext, req: FastifyRequest): Promise<WebSession> {
  const s = req.session;
  if (!s) throw await missingSessionError(ctx, req);
  if (!isFullSession(s)) throw new GatehouseError('mfa_required', 'Confirm with your second factor first.');
  return s;
}

/**
 * For HTML pages: the full session, or `undefined` after sending a redirect to `/login?return_to=<this page>`
 * (no session at all). Mid-flow people get `mfa_required` / `enrollment_required` thrown.
 */
export async function pageSession(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): Promise<WebSession | undefined> {
  try {
    return await requireFullSession(ctx, req);
  } catch (e) {
    if (e instanceof GatehouseError && e.code === 'session_required' && req.method === 'GET') {
      await reply.redirect(loginUrl(req.url), 303);
      return undefined;
    }
    throw e;
  }
}

/** True when the person is in `config.admin.group`. */
export async function isAdmin(ctx: AppContext, userId: string): Promise<boolean> {
  return (await ctx.store.groups.groupsOf(userId)).some((g) => g.name === ctx.config.admin.group);
}

/** Admin API: a full session, the session's CSRF value in `x-csrf-token`, membership of the admin group. */
export async function requireAdmin(ctx: AppContext, req: FastifyRequest): Promise<WebSession> {
  const s = await requireFullSession(ctx, req);
  checkCsrfHeader(req, s.csrf);
  if (!(await isAdmin(ctx, s.userId))) throw new GatehouseError('forbidden', 'Only administrators may do this.');
  return s;
}

/** Throws csrf_invalid unless the `x-csrf-token` header matches (JSON endpoints). */
export function checkCsrfHeader(req: FastifyRequest, expected: string | undefined): void {
  const got = req.headers['x-csrf-token'];
  if (!expected || !safeEqual(typeof got === 'string' ? got : undefined, expected)) {
    throw new GatehouseError('csrf_invalid', 'This request did not carry the page\'s security token. Reload the page and try again.');
  }
}

/** The header fields of a page for a signed-in person. */
export async function pageUser(ctx: AppContext, s: WebSession | null): Promise<PageModel['user']> {
  if (!s) return null;
  return { username: s.user.username, displayName: s.user.displayName, isAdmin: await isAdmin(ctx, s.userId) };
}

/** The client's address as fastify resolved it (honours server.trustProxy). */
export function clientIp(req: FastifyRequest): string {
  return req.ip || 'unknown';
}
