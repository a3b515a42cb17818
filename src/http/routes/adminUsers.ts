/**
 * Admin API for people's sign-in: clear a lockout, issue a one-time enrollment link.
 * Admin = member of `admin.group` with a full MFA session; the session cookie plus `x-csrf-token` (the session's CSRF value).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { withTransaction, type AppContext } from '../../context.js';
import { recordAudit } from '../../audit/recordAudit.js';
import type { Metrics } from '../metrics.js';
import { GatehouseError } from '../../errors.js';
import { clearLock } from '../../auth/lockout.js';
import { hashToken, newToken } from '../../auth/tokens.js';
import { clientIp, requireAdmin } from '../guards.js';
import { readInput, textField } from '../readInput.js';

interface UserParams { Params: { username: string } }
/** The person named in the path (a username is at most 128 characters; see directoryFile.ts). */
const userParams = z.object({ username: textField(128) });

async function findUser(ctx: AppContext, username: string) {
  const user = await ctx.store.users.findByUsername(username);
  if (!user) throw new GatehouseError('not_found', `No user named ${username}.`);
  return user;
}

export async function registerAdminUserRoutes(app: FastifyInstance, ctx: AppContext, _metrics: Metrics): Promise<void> {
  /** Clears the person's failure counter and lock. → {username, cleared} */
  app.post<UserParams>('/api/v1/admin/users/:username/unlock', async (req) => {
    const admin = await requireAdmin(ctx, req);
    const user = await findUser(ctx, readInput(userParams, req.params, 'path').username);
    const cleared = await clearLock(ctx.store, user.username, { now: ctx.now().getTime(), by: admin.user.username, ip: clientIp(req), requestId: req.id });
    return { username: user.username, cleared };
  });

  /** A one-time link (valid auth.enrollmentLinkTtlSeconds) with which the person sets up a device. → {username, url, expiresAt} */
  app.post<UserParams>('/api/v1/admin/users/:username/enrollment-link', async (req) => {
    const admin = await requireAdmin(ctx, req);
    const user = await findUser(ctx, readInput(userParams, req.params, 'path').username);
    const now = ctx.now().getTime();
    const token = newToken();
    const expiresAt = now + ctx.config.auth.enrollmentLinkTtlSeconds * 1000;
    await withTransaction(ctx, async (tx) => {
      await tx.store.enrollmentTokens.create({ tokenHash: hashToken(token), userId: user.id, purpose: 'enroll', createdAt: now, expiresAt });
      await recordAudit(tx, { at: now, type: 'enrollment.link_issued', outcome: 'info', userId: user.id, username: user.username, detail: { by: admin.user.username } }, { req });
    });
    return { username: user.username, url: `${ctx.config.server.baseUrl}/setup?token=${token}`, expiresAt: new Date(expiresAt).toISOString() };
  });
}
