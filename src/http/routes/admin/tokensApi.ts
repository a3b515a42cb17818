/**
 * Admin API tokens through the API: list and revoke (read / write); creation needs an admin session that has
 * confirmed its second factor recently (a token cannot make tokens).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { createAdminToken, listAdminTokens, revokeAdminToken } from '../../../admin/apiTokens.js';
import { adminTokenScopes } from '../../../store/repositories/adminApiTokens.js';
import { choiceField, textField } from '../../readInput.js';
import { adminRoute, pageOf, pageQuery, paginate } from '../../api/adminRoute.js';

export const tokenView = z.object({
  id: z.string(), name: z.string(), scope: z.enum(adminTokenScopes), createdBy: z.string(), createdAt: z.string(), expiresAt: z.string(),
  lastUsedAt: z.string().nullable(), revokedAt: z.string().nullable(), state: z.enum(['active', 'expired', 'revoked']),
});

export const createTokenBody = z.strictObject({
  name: textField(100).min(1, { error: 'must not be empty' }).describe('What the token is for, e.g. "terraform".'),
  scope: choiceField(adminTokenScopes).describe('read: GET only; write: changes too.'),
  days: z.number({ error: 'must be a whole number of days' }).int({ error: 'must be a whole number of days' }).min(1, { error: 'must be at least 1' }).describe('Lifetime in days (at most admin.tokenMaxDays).'),
});

export async function registerTokensApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/tokens', tag: 'API tokens', access: 'read',
    summary: 'List admin API tokens (never the tokens themselves)',
    query: z.strictObject({ ...pageQuery, state: choiceField(['active', 'expired', 'revoked']).optional() }),
    response: pageOf(tokenView),
  }, async ({ query }) => paginate((await listAdminTokens(ctx)).filter((t) => !query.state || t.state === query.state), query));

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/tokens', tag: 'API tokens', access: 'write', sensitive: true, sessionOnly: true,
    summary: 'Create an admin API token (shown once)',
    body: createTokenBody,
    response: z.object({ token: z.string().describe('The token: shown this once, stored only as a hash.'), info: tokenView }),
  }, async ({ body, actor }) => {
    const { token, view } = await createAdminToken(ctx, { ...body, creatorId: actor.userId }, actor);
    return { token, info: view };
  });

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/tokens/:id/revoke', tag: 'API tokens', access: 'write', status: 200,
    summary: 'Revoke an admin API token', params: z.strictObject({ id: textField(64) }), response: tokenView,
  }, async ({ params, actor }) => revokeAdminToken(ctx, params.id, actor));
}
