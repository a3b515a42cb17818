/** "Reset MFA": the helpdesk answer to a lost phone or key (console, admin API, `gatehouse user reset-mfa`). */
import { withTransaction, type AppContext } from '../context.js';
import { recordAudit } from '../audit/recordAudit.js';
import { changedBy, type ChangeActor } from '../admin/changeActor.js';
import type { User } from '../store/repositories/users.js';

/** What a reset removed (for the operator's message; the audit event carries the same). */
export interface MfaReset { devices: number; recoveryCodes: number; cliSessions: number }

/**
 * Removes every MFA device (confirmed or not) and recovery code of `user`, ends their browser sessions and
 * command-line sessions, and records `user.mfa_reset` (by and via from `actor`; `before`: the devices removed),
 * all in one transaction. The person's next sign-in after the password is forced into enrollment (or refused
 * with `enrollment_required` when `auth.enrollAtFirstLogin` is off: then give them an enrollment link).
 * Nothing needs storing by the caller.
 */
export async function resetMfa(ctx: AppContext, user: User, actor: ChangeActor): Promise<MfaReset> {
  const now = ctx.now().getTime();
  return withTransaction(ctx, async (tx) => {
    const before = (await tx.store.devices.listForUser(user.id)).map((d) => ({ id: d.id, kind: d.kind, name: d.name, confirmed: d.confirmed }));
    const devices = await tx.store.devices.deleteForUser(user.id);
    const recoveryCodes = await tx.store.devices.remainingRecoveryCodes(user.id);
    await tx.store.devices.replaceRecoveryCodes(user.id, [], now);
    await tx.store.sessions.deleteForUser(user.id);
    const cliSessions = await tx.store.cliTokens.revokeForUser(user.id, now);
    await recordAudit(tx, {
      at: now, type: 'user.mfa_reset', outcome: 'success', userId: user.id, username: user.username,
      detail: { ...changedBy(actor), devices, recoveryCodes, cliSessions, before: { devices: before, recoveryCodes }, after: { devices: [], recoveryCodes: 0 } },
    }, { req: actor.req });
    return { devices, recoveryCodes, cliSessions };
  });
}
