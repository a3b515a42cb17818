/**
 * The HTTP side of finishing a login flow and of showing its forms: one place that turns a `done` flow into a
 * session (or a rotated session, for step-up), and that re-renders a form with an announced error.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { GatehouseError, isGatehouseError, type ErrorCode } from '../errors.js';
import { isDeviceFactor } from '../auth/factors.js';
import { discardFlow } from '../auth/flow/storedFlow.js';
import type { LoginFlow, StepMeta } from '../auth/flow/types.js';
import type { User } from '../store/repositories/users.js';
import { forgetFailures } from '../auth/lockout.js';
import { requiredStep } from '../auth/flow/requiredSteps.js';
import { endSession, rotateSession, startSession } from './session.js';
import { clearFlowCookie, clientIp, setFlowCookie } from './guards.js';
import { finishPasswordChange } from './passwordChange.js';
import { renderView, type PageModel } from './views.js';
import { sendError, wantsJson } from './plugins/errorHandler.js';

/** Errors a form shows next to itself (role=alert) instead of the error page. */
const formErrorCodes: readonly ErrorCode[] = [
  'invalid_credentials', 'factor_rejected', 'totp_replayed', 'webauthn_failed', 'too_many_attempts', 'password_rejected',
  'validation_failed', 'device_limit', 'conflict',
];

/** The GatehouseError a form should show itself, or undefined (let the error handler answer). */
export function formError(e: unknown): GatehouseError | undefined {
  return isGatehouseError(e) && formErrorCodes.includes(e.code) ? e : undefined;
}

/** The refused fields of a `validation_failed` error, by field name (what views/partials/field.eta shows next to each). */
export function fieldErrorsOf(e: GatehouseError): Record<string, string> {
  const out: Record<string, string> = {};
  if (isGatehouseError(e, 'validation_failed')) for (const f of e.publicDetail ?? []) out[f.field] ??= f.message;
  return out;
}

/** Adds Retry-After for a back-off error (forms and JSON alike). */
export function applyRetryAfter(reply: FastifyReply, e: unknown): void {
  if (isGatehouseError(e, 'too_many_attempts')) {
    const s = e.publicDetail?.retryAfterSeconds;
    if (s) reply.header('retry-after', String(s));
  }
}

/** Sends `views/<name>.eta` as an HTML page. */
export function sendPage(reply: FastifyReply, name: string, model: PageModel, status = 200): FastifyReply {
  return reply.status(status).type('text/html; charset=utf-8').send(renderView(name, model));
}

/**
 * Sends the page again with the error announced, the error's status and (back-off) Retry-After. A client that
 * asked for JSON gets the error handler's JSON body instead (the same one every other error gets).
 */
export function sendFormError(reply: FastifyReply, e: GatehouseError, name: string, model: PageModel): FastifyReply {
  applyRetryAfter(reply, e);
  if (wantsJson(reply.request)) return sendError(reply.request, reply, e);
  return sendPage(reply, name, { ...model, error: e.message, errorCode: e.code, fieldErrors: fieldErrorsOf(e) }, e.status);
}

/** Lockout and audit facts of a request. */
export function stepMeta(req: FastifyRequest): StepMeta {
  return { ip: clientIp(req), requestId: req.id };
}

/** Where the browser goes for a flow in `flow.state`: the page of that step. */
export function pathForState(flow: LoginFlow): string {
  switch (flow.state) {
    case 'mfa': return '/login/mfa';
    case 'enroll-mfa': return '/login/enroll';
    case 'recovery-codes': return '/login/recovery-codes';
    case 'new-password': return '/login/new-password';
    default: return '/login';
  }
}

/** True when a flow of this purpose belongs to the session that started it (step-up, password change). */
export function isSessionFlow(flow: LoginFlow): boolean {
  return flow.data.purpose === 'step-up' || flow.data.purpose === 'password-change';
}

/**
 * Where "Cancel" leads from a flow's page: a signed-in person confirming a change goes back to where they were
 * (their account for a password change, the portal for a step-up, whose own page would ask again); a sign-in
 * starts again.
 */
export function cancelOf(flow: LoginFlow): { href: string; label: string } {
  if (flow.data.purpose === 'password-change') return { href: '/account', label: 'Cancel: keep my password' };
  if (isSessionFlow(flow)) return { href: '/', label: 'Cancel' };
  return { href: '/login', label: 'Cancel and start again' };
}

/**
 * Turns a `done` flow into its result and returns where to send the browser:
 * - login / setup: first any step the person still owes (`requiredStep`: a new password for a temporary one,
 *   recovery codes once), then a NEW session (the old one, if any, ends) with the flow's factors (password + the
 *   factor used), the person's last device factor remembered; → the flow's return path;
 * - step-up: the same session rotated to a new id with the factor added; → the return path;
 * - password-change: the new password stored, other sessions ended, this one rotated; → /account;
 * - add-device: nothing more (the session stays) → /account, which offers to go on to the flow's return path
 *   when one other than /account was given (a role or a step-up that needed the new device).
 * A login, setup, step-up or password change that is done is a complete sign-in: only then is the person's
 * failure counter cleared (`forgetFailures`); a single factor never clears it (issue 7).
 * `read`: the flow's person as the step that finished it has just read them (not read again); else they are read.
 */
export async function finishFlow(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, flow: LoginFlow, read?: User): Promise<string> {
  if (flow.state !== 'done' || !flow.userId) throw new GatehouseError('flow_invalid', 'Signing in is not finished. Start again.');
  const done = flow.data.completed;
  if (!done) throw new GatehouseError('flow_invalid', 'Signing in is not finished. Start again.');
  const user = read?.id === flow.userId ? read : await ctx.store.users.findById(flow.userId);
  const owed = await requiredStep(ctx, flow, user, stepMeta(req));
  if (owed) {
    setFlowCookie(ctx, reply, owed);
    return pathForState(owed);
  }
  await discardFlow(ctx, flow);
  clearFlowCookie(ctx, reply);
  const purpose = flow.data.purpose;
  if (purpose === 'add-device') {
    const back = flow.pending.returnTo;
    return back === '/account' ? '/account?done=added' : `/account?${new URLSearchParams({ done: 'added', return_to: back }).toString()}`;
  }
  if (isSessionFlow(flow) && (!req.session || req.session.idHash !== flow.data.sessionHash)) {
    throw new GatehouseError('session_required', 'Your session ended. Please sign in again.');
  }
  if (user) await forgetFailures(ctx.store, user.username);
  if (purpose === 'password-change') {
    await finishPasswordChange(ctx, req, reply, flow);
    return '/account?done=password';
  }
  if (purpose === 'step-up' && req.session) {
    await rotateSession(ctx, req, reply, { factors: [...new Set([...req.session.factors, done.factor])], authMethod: done.factor, deviceId: done.deviceId, authenticatedAt: ctx.now().getTime() });
    return flow.pending.returnTo;
  }
  if (req.session) await endSession(ctx, req, reply);
  await startSession(ctx, reply, { userId: flow.userId, factors: [...new Set([...flow.factorsDone, done.factor])], authMethod: done.factor, deviceId: done.deviceId });
  if (isDeviceFactor(done.factor) && user?.lastFactor !== done.factor) await ctx.store.users.update(flow.userId, { lastFactor: done.factor }, ctx.now().getTime());
  return flow.pending.returnTo;
}
