/**
 * The HTTP side of a person changing their password from /account: the new password's hash waits, sealed, in a
 * `password-change` flow bound to the session while the person confirms a second factor on the MFA page; when
 * that flow is done, the password is stored, every other session ends and this one is rotated.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { GatehouseError } from '../errors.js';
import { advanceFlow } from '../auth/flow/storedFlow.js';
import type { LoginFlow } from '../auth/flow/types.js';
import { changeOwnPassword } from '../auth/setPassword.js';
import { rotateSession } from './session.js';

const newPasswordAad = (userId: string) => `new-password:${userId}`;

/** Keeps the new password's argon2id `hash` in the flow, sealed (same token: not a step of its own). */
export function holdNewPassword(ctx: AppContext, flow: LoginFlow, hash: string): Promise<LoginFlow> {
  return advanceFlow(ctx, flow, { data: { newPasswordSealed: ctx.secrets.seal(hash, newPasswordAad(flow.userId ?? '')) } }, { rotate: false });
}

/**
 * A done `password-change` flow of this session: stores the held password (no longer temporary), ends the
 * person's other sessions and CLI sessions, records `user.password_changed` with the factor that confirmed it,
 * and rotates this session. The caller has checked that the flow belongs to the session.
 */
export async function finishPasswordChange(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, flow: LoginFlow): Promise<void> {
  const s = req.session;
  const done = flow.data.completed;
  if (!s || !done || !flow.data.newPasswordSealed) throw new GatehouseError('flow_invalid', 'This password change cannot continue. Start again from your account page.');
  const hash = ctx.secrets.openText(flow.data.newPasswordSealed, newPasswordAad(s.userId));
  await changeOwnPassword(ctx, s.user, hash, { temporary: false, keepSession: s.idHash, confirmedWith: done, req });
  await rotateSession(ctx, req, reply);
}
