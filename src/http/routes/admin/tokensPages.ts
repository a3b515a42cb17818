/**
 * /admin/tokens: the admin API tokens (name, scope, creator, created, expires, last used, state); create one (a
 * sensitive change: shown once, with a copy button and a warning); revoke one after a confirmation. The logic is
 * src/admin/apiTokens.ts, shared with the API (tokensApi.ts).
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { GatehouseError } from '../../../errors.js';
import { createAdminToken, listAdminTokens, revokeAdminToken, type AdminTokenView } from '../../../admin/apiTokens.js';
import { adminPageActor, type AdminActor } from '../../adminAuth.js';
import { sendAdminFormError, sendAdminPage } from '../../adminPage.js';
import { formatTime, readerTimeZone, type TimeView } from '../../formatTime.js';
import { readInput, textField } from '../../readInput.js';
import { createTokenBody } from './tokensApi.js';

const tokensPath = '/admin/tokens';
const tokenParams = z.strictObject({ id: textField(64) });
const wholeDays = { error: 'must be a whole number of days' };
const createForm = createTokenBody.extend({ _csrf: z.string().optional(), days: z.coerce.number(wholeDays).int(wholeDays).min(1, { error: 'must be at least 1' }) });

type Row = Omit<AdminTokenView, 'createdAt' | 'expiresAt' | 'lastUsedAt' | 'revokedAt'> & { href: string; created: TimeView; expires: TimeView; lastUsed: TimeView | null };

async function rows(ctx: AppContext, actor: AdminActor): Promise<Row[]> {
  const zone = readerTimeZone(actor.session!.user, ctx.config.ui.timeZone);
  const t = (iso: string) => formatTime(Date.parse(iso), zone);
  return (await listAdminTokens(ctx)).map(({ createdAt, expiresAt, lastUsedAt, revokedAt: _r, ...v }) => ({
    ...v, href: `${tokensPath}/${encodeURIComponent(v.id)}/revoke`, created: t(createdAt), expires: t(expiresAt), lastUsed: lastUsedAt ? t(lastUsedAt) : null,
  }));
}

async function sendTokens(ctx: AppContext, reply: FastifyReply, actor: AdminActor, extra: { form?: Record<string, string>; created?: { token: string; name: string }; notice?: string | undefined; error?: unknown } = {}): Promise<FastifyReply> {
  const model = {
    title: 'API tokens', tokens: await rows(ctx, actor), form: extra.form ?? { name: '', scope: 'read', days: '30' }, maxDays: ctx.config.admin.tokenMaxDays,
    created: extra.created ?? null, notice: extra.notice ?? null,
  };
  if (extra.error !== undefined) return sendAdminFormError(ctx, reply, actor, 'admin/tokens', 'tokens', model, extra.error);
  // A page that shows a new token must not be kept by the browser or a proxy.
  if (extra.created) reply.header('cache-control', 'no-store');
  return sendAdminPage(ctx, reply, actor, 'admin/tokens', 'tokens', model);
}

async function findToken(ctx: AppContext, actor: AdminActor, id: string): Promise<Row> {
  const row = (await rows(ctx, actor)).find((r) => r.id === id);
  if (!row) throw new GatehouseError('not_found', `No API token with id ${id}.`);
  return row;
}

export async function registerTokensPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(tokensPath, async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    return sendTokens(ctx, reply, actor, { notice: (req.query as { done?: unknown }).done === 'revoked' ? 'Token revoked: it no longer works.' : undefined });
  });

  app.post(tokensPath, async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', sensitive: true, returnTo: tokensPath });
    if (!actor) return reply;
    const body = (req.body ?? {}) as Record<string, unknown>;
    const kept = { name: typeof body.name === 'string' ? body.name : '', scope: typeof body.scope === 'string' ? body.scope : 'read', days: typeof body.days === 'string' ? body.days : '' };
    try {
      const form = readInput(createForm, req.body);
      const { token, view } = await createAdminToken(ctx, { name: form.name, scope: form.scope, days: form.days, creatorId: actor.userId }, actor);
      return await sendTokens(ctx, reply, actor, { created: { token, name: view.name } });
    } catch (e) {
      return sendTokens(ctx, reply, actor, { form: kept, error: e });
    }
  });

  app.get(`${tokensPath}/:id/revoke`, async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    const token = await findToken(ctx, actor, readInput(tokenParams, req.params, 'path').id);
    return sendAdminPage(ctx, reply, actor, 'admin/token-revoke', 'tokens', { title: `Revoke ${token.name}?`, token });
  });

  app.post(`${tokensPath}/:id/revoke`, async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', returnTo: tokensPath });
    if (!actor) return reply;
    await revokeAdminToken(ctx, readInput(tokenParams, req.params, 'path').id, actor);
    return reply.redirect(`${tokensPath}?done=revoked`, 303);
  });
}
