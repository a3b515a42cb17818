/**
 * Passwords chosen by the person: /account/password (the current password, the new one, then a second factor on
 * the MFA page) and /login/new-password (right after signing in with a temporary password, before any session).
 * The policy and the storing are src/auth/setPassword.ts; the flows are src/auth/flow/.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { Metrics } from '../metrics.js';
import type { User } from '../../store/repositories/users.js';
import { GatehouseError, isGatehouseError } from '../../errors.js';
import { factorName } from '../../auth/factors.js';
import { advanceFlow, discardFlow, requireState, startFlow } from '../../auth/flow/storedFlow.js';
import { runFactorStep } from '../../auth/flow/runFactorStep.js';
import type { LoginFlow } from '../../auth/flow/types.js';
import { hashPassword, verifyPassword } from '../../auth/password.js';
import { changeOwnPassword, checkNewPassword } from '../../auth/setPassword.js';
import { checkCsrf } from '../session.js';
import { currentFlow, pageSession, pageUser, requireFullSession, setFlowCookie } from '../guards.js';
import { finishFlow, formError, sendFormError, sendPage, stepMeta } from '../signIn.js';
import { holdNewPassword } from '../passwordChange.js';
import type { PageModel } from '../views.js';
import { readInput, textField } from '../readInput.js';

const passwordField = textField(8192, { allowControls: true });
/** The new password typed twice. */
const newPasswordForm = z.object({ password: passwordField, confirm: passwordField });
/** /account: the current password as well. */
const changeForm = newPasswordForm.extend({ current_password: passwordField });

/** Which field of the form an error is about: its input gets aria-invalid and points at the message. */
type PasswordField = 'current_password' | 'password' | 'confirm';

function fieldOf(e: GatehouseError): PasswordField {
  if (e.code === 'invalid_credentials' || e.code === 'too_many_attempts') return 'current_password';
  if (e.code === 'password_rejected' && (e.detail as { reason?: string } | undefined)?.reason === 'confirm_differs') return 'confirm';
  if (isGatehouseError(e, 'validation_failed') && e.publicDetail?.[0]?.field === 'current_password') return 'current_password';
  return 'password';
}

/** A wrong current password (or any refused attempt: locked people get the same answer) names its field. */
function currentPasswordError(e: unknown): unknown {
  if (!isGatehouseError(e, 'invalid_credentials')) return e;
  return new GatehouseError('invalid_credentials', 'Current password: this is not the password you sign in with. Type it again.', { detail: e.detail });
}

/**
 * Checks the current password of the signed-in person through the sign-in's password step (lockout, back-off and
 * audit as at sign-in) in a `password-change` flow bound to the session: the flow then waits in `mfa`.
 */
async function confirmCurrentPassword(ctx: AppContext, user: User, sessionHash: string, current: string, meta: ReturnType<typeof stepMeta>): Promise<LoginFlow> {
  if (current === '') {
    throw new GatehouseError('validation_failed', 'Current password: type the password you sign in with now.', { publicDetail: [{ field: 'current_password', message: 'is required' }] });
  }
  const flow = await startFlow(ctx, { purpose: 'password-change', state: 'password', userId: user.id, returnTo: '/account', data: { sessionHash } });
  try {
    const { flow: next } = await runFactorStep(ctx, flow, factorName.password, { login: user.username, password: current }, meta);
    if (next.state !== 'mfa') throw new GatehouseError('enrollment_required', 'You have no two-step verification device to confirm this with. Add one first.');
    return next;
  } catch (e) {
    await discardFlow(ctx, flow).catch(() => undefined);
    throw currentPasswordError(e);
  }
}

/** The person of a flow in `new-password` (active), or flow_invalid. */
async function flowUser(ctx: AppContext, flow: LoginFlow): Promise<User> {
  requireState(flow, 'new-password');
  const user = flow.userId ? await ctx.store.users.findById(flow.userId) : undefined;
  if (!user || user.status !== 'active') throw new GatehouseError('flow_invalid', 'This sign-in cannot continue. Start again.');
  return user;
}

export async function registerPasswordRoutes(app: FastifyInstance, ctx: AppContext, metrics: Metrics): Promise<void> {
  const count = (step: string, outcome: 'success' | 'failure') => metrics.logins.inc({ step, outcome });
  /** Shows `page` again with the error announced and its field marked, or rethrows what a form does not show. */
  const formFailure = (reply: FastifyReply, e: unknown, page: string, model: PageModel) => {
    const fe = formError(e);
    if (!fe) throw e;
    return sendFormError(reply, fe, page, { ...model, errorField: fieldOf(fe) });
  };
  const policy = { minLength: ctx.config.auth.passwordMinLength };

  app.get('/account/password', async (req, reply) => {
    const s = await pageSession(ctx, req, reply);
    if (!s) return reply;
    return sendPage(reply, 'account-password', { title: 'Change your password', csrf: s.csrf, user: await pageUser(ctx, s), username: s.user.username, ...policy });
  });

  /** Current password and the new one; the second factor follows on the MFA page, then finishFlow stores it. */
  app.post('/account/password', async (req, reply) => {
    const s = await requireFullSession(ctx, req);
    checkCsrf(req, s.csrf);
    try {
      const body = readInput(changeForm, req.body);
      checkNewPassword(ctx, s.user, body.password, { confirm: body.confirm, current: body.current_password, label: 'New password' });
      const flow = await confirmCurrentPassword(ctx, s.user, s.idHash, body.current_password, stepMeta(req));
      const held = await holdNewPassword(ctx, flow, await hashPassword(body.password, ctx.config.auth.argon2));
      count('password_change', 'success');
      setFlowCookie(ctx, reply, held);
      return reply.redirect('/login/mfa', 303);
    } catch (e) {
      count('password_change', 'failure');
      return formFailure(reply, e, 'account-password', { title: 'Change your password', csrf: s.csrf, user: await pageUser(ctx, s), username: s.user.username, ...policy });
    }
  });

  app.get('/login/new-password', async (req, reply) => {
    const flow = await currentFlow(ctx, req);
    const user = await flowUser(ctx, flow);
    return sendPage(reply, 'new-password', { title: 'Choose a new password', csrf: flow.csrf, username: user.username, ...policy });
  });

  /** The temporary password is replaced; the flow is done again, and finishFlow goes on (a session, the return path). */
  app.post('/login/new-password', async (req, reply) => {
    const flow = await currentFlow(ctx, req);
    checkCsrf(req, flow.csrf);
    const user = await flowUser(ctx, flow);
    try {
      const { password, confirm } = readInput(newPasswordForm, req.body);
      checkNewPassword(ctx, user, password, { confirm, label: 'New password' });
      if (user.passwordHash && await verifyPassword(user.passwordHash, password)) {
        throw new GatehouseError('password_rejected', 'New password must be different from the temporary password you were given.', { detail: { reason: 'same_as_current' } });
      }
      const hash = await hashPassword(password, ctx.config.auth.argon2);
      const done = await advanceFlow(ctx, flow, { state: 'done' });
      await changeOwnPassword(ctx, user, hash, { temporary: true, confirmedWith: flow.data.completed, req });
      count('new_password', 'success');
      return reply.redirect(await finishFlow(ctx, req, reply, done), 303);
    } catch (e) {
      count('new_password', 'failure');
      return formFailure(reply, e, 'new-password', { title: 'Choose a new password', csrf: flow.csrf, username: user.username, ...policy });
    }
  });
}
