/**
 * Admin API for people's sign-in: clear a lockout, issue a one-time enrollment link.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { GatehouseError } from '../../../errors.js';
import { clearLock } from '../../../auth/lockout.js';
import { issueEnrollmentLink } from '../../../auth/enrollmentLink.js';
import { clientIp } from '../../guards.js';
import { textField } from '../../readInput.js';
import { adminRoute } from '../../api/adminRoute.js';

/** The person named in the path (a username is at most 128 characters; see directoryFile.ts). */
export const userParams = z.strictObject({ username: textField(128).describe('The person\'s username.') });

export async function findUser(ctx: AppContext, username: string) {
  const user = await ctx.store.users.findByUsername(username);
  if (!user) throw new GatehouseError('not_found', `No user named ${username}.`);
  return user;
}

export async function registerPeopleApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/users/:username/unlock', tag: 'People', access: 'write', status: 200,
    summary: 'Clear a person\'s failure counter and lock',
    params: userParams,
    response: z.object({ username: z.string(), cleared: z.boolean().describe('False when there was nothing to clear.') }),
  }, async ({ params, actor, req }) => {
    const user = await findUser(ctx, params.username);
    const cleared = await clearLock(ctx.store, user.username, { now: ctx.now().getTime(), by: actor.by, ip: clientIp(req), requestId: req.id });
    return { username: user.username, cleared };
  });

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/users/:username/enrollment-link', tag: 'People', access: 'write', sensitive: true, status: 200,
    summary: 'Issue a one-time link with which the person sets up a device',
    description: 'The link is valid for auth.enrollmentLinkTtlSeconds and works once.',
    params: userParams,
    response: z.object({ username: z.string(), url: z.string(), expiresAt: z.string() }),
  }, async ({ params, actor, req }) => {
    const user = await findUser(ctx, params.username);
    const link = await issueEnrollmentLink(ctx, user, actor.by, req);
    return { username: user.username, url: link.url, expiresAt: new Date(link.expiresAt).toISOString() };
  });
}
