/** Admin-issued one-time enrollment links (console, admin API and `gatehouse user enrollment-link`). */
import { withTransaction, type AppContext } from '../context.js';
import { recordAudit } from '../audit/recordAudit.js';
import { changedBy, type ChangeActor } from '../admin/changeActor.js';
import type { User } from '../store/repositories/users.js';
import { hashToken, newToken } from './tokens.js';

/** A link as issued: give `url` to the person (it works once, until `expiresAt`); nothing else needs storing. */
export interface EnrollmentLink { url: string; expiresAt: number }

/**
 * Issues a one-time link (valid `auth.enrollmentLinkTtlSeconds`) with which `user` sets up a device — and first
 * chooses a password when they have none (/setup: an invitation for a new person): stores only the token's hash
 * and records `enrollment.link_issued` (by and via from `actor`; never the link), in one transaction.
 */
export async function issueEnrollmentLink(ctx: AppContext, user: User, actor: ChangeActor): Promise<EnrollmentLink> {
  const now = ctx.now().getTime();
  const token = newToken();
  const expiresAt = now + ctx.config.auth.enrollmentLinkTtlSeconds * 1000;
  await withTransaction(ctx, async (tx) => {
    await tx.store.enrollmentTokens.create({ tokenHash: hashToken(token), userId: user.id, purpose: 'enroll', createdAt: now, expiresAt });
    await recordAudit(tx, {
      at: now, type: 'enrollment.link_issued', outcome: 'info', userId: user.id, username: user.username,
      detail: { ...changedBy(actor), after: { expiresAt: new Date(expiresAt).toISOString(), setsPassword: user.passwordHash === null } },
    }, { req: actor.req });
  });
  return { url: `${ctx.config.server.baseUrl}/setup?token=${token}`, expiresAt };
}
