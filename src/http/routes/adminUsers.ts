/**
 * Admin API for people's sign-in: clear a lockout, issue a one-time enrollment link.
 * Admin = member of `admin.group` with a full MFA session; the session cookie plus `x-csrf-token` (the session's CSRF value).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { Metrics } from '../metrics.js';
import { GatehouseError } from '../../errors.js';
import { clearLock } from '../../auth/lockout.js';
import { issueEnrollmentLink } from '../../auth/enrollmentLink.js';
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
    const link = await issueEnrollmentLink(ctx, user, admin.user.username, req);
    return { username: user.username, url: link.url, expiresAt: new Date(link.expiresAt).toISOString() };
  });
}
