/**
 * /setup?token=…: one-time links for the first admin (printed at first run) and admin-issued enrollment links.
 * Password (set a new one, or confirm the current one) → enroll a device → recovery codes → portal.
 * The link's token is consumed when the password step passes, so a link works once.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { withTransaction, type AppContext } from '../../context.js';
import { recordAudit } from '../../audit/recordAudit.js';
import type { Metrics } from '../metrics.js';
import type { User } from '../../store/repositories/users.js';
import { GatehouseError } from '../../errors.js';
import { factorName } from '../../auth/factors.js';
import { advanceFlow, discardFlow, requireState, startFlow } from '../../auth/flow/storedFlow.js';
import { runFactorStep } from '../../auth/flow/runFactorStep.js';
import type { LoginFlow } from '../../auth/flow/types.js';
import { hashPassword } from '../../auth/password.js';
import { checkNewPassword } from '../../auth/setPassword.js';
import { hashToken } from '../../auth/tokens.js';
import { checkCsrf } from '../session.js';
import { currentFlow, setFlowCookie } from '../guards.js';
import { formError, sendFormError, sendPage, stepMeta } from '../signIn.js';
import { readInput, textField } from '../readInput.js';

/** The password (new or current) and, when setting a new one, the same typed again. */
const passwordForm = z.object({ password: textField(8192, { allowControls: true }), confirm: textField(8192, { allowControls: true }).optional() });
type PasswordForm = z.output<typeof passwordForm>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const badLink = () => new GatehouseError('flow_invalid', 'This setup link is not valid: it was used already, has expired, or was mistyped. Ask your administrator for a new one.');

function setupModel(ctx: AppContext, flow: LoginFlow, user: User) {
  const mode = flow.state === 'set-password' ? 'set' : 'confirm';
  return {
    title: 'Set up your account', heading: mode === 'set' ? 'Choose your password' : 'Confirm your password', csrf: flow.csrf,
    username: user.username, mode, minLength: ctx.config.auth.passwordMinLength,
  };
}

async function setupUser(ctx: AppContext, flow: LoginFlow): Promise<User> {
  if (flow.data.purpose !== 'setup') throw badLink();
  const user = flow.userId ? await ctx.store.users.findById(flow.userId) : undefined;
  if (!user || user.status !== 'active') throw badLink();
  return user;
}

/** Marks the link used (atomic): false when it was used already (or the flow has none). */
async function useLink(ctx: AppContext, flow: LoginFlow): Promise<boolean> {
  return flow.data.setupTokenHash !== undefined && ctx.store.enrollmentTokens.consume(flow.data.setupTokenHash, ctx.now().getTime());
}

/** A link used already: its flow is dropped. */
async function refuseLink(ctx: AppContext, flow: LoginFlow): Promise<never> {
  await discardFlow(ctx, flow);
  throw badLink();
}

/** Marks the link used (atomic); a second use of the same link fails and its flow is dropped. */
async function consumeLink(ctx: AppContext, flow: LoginFlow): Promise<void> {
  if (!(await useLink(ctx, flow))) await refuseLink(ctx, flow);
}

/**
 * Sets the new password of a setup link's person: the link is used up, the password stored and the
 * `setup.password` event recorded in one transaction. The slow hash is made before it starts.
 */
async function setLinkPassword(ctx: AppContext, req: FastifyRequest, flow: LoginFlow, user: User, password: string): Promise<void> {
  const passwordHash = await hashPassword(password, ctx.config.auth.argon2);
  const set = await withTransaction(ctx, async (tx) => {
    if (!(await useLink(tx, flow))) return false;
    await tx.store.users.update(user.id, { passwordHash, passwordTemporary: false }, tx.now().getTime());
    await recordAudit(tx, { type: 'setup.password', outcome: 'success', userId: user.id, username: user.username, factor: factorName.password }, { req });
    return true;
  });
  if (!set) await refuseLink(ctx, flow);
}

/** A new password as typed: the policy (length, blocklist, not the username or email) and typed twice the same. */
function newPasswordOf(ctx: AppContext, user: User, body: PasswordForm): string {
  checkNewPassword(ctx, user, body.password, { confirm: body.confirm ?? '', label: 'New password' });
  return body.password;
}

export async function registerSetupRoutes(app: FastifyInstance, ctx: AppContext, _metrics: Metrics): Promise<void> {
  app.get('/setup', async (req, reply) => {
    const token = str((req.query as Record<string, unknown>).token);
    const link = token ? await ctx.store.enrollmentTokens.findValid(hashToken(token), ctx.now().getTime()) : undefined;
    const user = link ? await ctx.store.users.findById(link.userId) : undefined;
    if (!link || !user || user.status !== 'active') throw badLink();
    const flow = await startFlow(ctx, {
      purpose: 'setup', state: user.passwordHash ? 'password' : 'set-password', userId: user.id, returnTo: '/', data: { setupTokenHash: link.tokenHash },
    });
    setFlowCookie(ctx, reply, flow);
    return sendPage(reply, 'setup', setupModel(ctx, flow, user));
  });

  app.post('/setup/password', async (req, reply) => {
    const flow = await currentFlow(ctx, req);
    checkCsrf(req, flow.csrf);
    const user = await setupUser(ctx, flow);
    requireState(flow, 'set-password', 'password');
    try {
      const body = readInput(passwordForm, req.body);
      let next: LoginFlow;
      if (flow.state === 'set-password') {
        await setLinkPassword(ctx, req, flow, user, newPasswordOf(ctx, user, body));
        next = await advanceFlow(ctx, flow, { state: 'enroll-mfa', factorsDone: ['password'] });
      } else {
        next = (await runFactorStep(ctx, flow, factorName.password, { login: user.username, password: body.password }, stepMeta(req))).flow;
        await consumeLink(ctx, next);
      }
      setFlowCookie(ctx, reply, next);
      return reply.redirect('/login/enroll', 303);
    } catch (e) {
      const fe = formError(e);
      if (!fe) throw e;
      return sendFormError(reply, fe, 'setup', setupModel(ctx, flow, user));
    }
  });
}
