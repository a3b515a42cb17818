/**
 * Admin API tokens: created by an admin in the console (shown once; only the SHA-256 is stored), scoped read or
 * write, with an expiry no later than `admin.tokenMaxDays`, listed and revocable. A token acts as the admin who
 * created it, and only while that person is an active admin.
 */
import { randomUUID } from 'node:crypto';
import { withTransaction, type AppContext } from '../context.js';
import { GatehouseError } from '../errors.js';
import { recordAudit } from '../audit/recordAudit.js';
import { hashToken, newToken } from '../auth/tokens.js';
import type { AdminApiToken, AdminTokenScope } from '../store/repositories/adminApiTokens.js';
import { changedBy, type ChangeActor } from './changeActor.js';

/** Every admin API token starts with this, so a leaked one is easy to recognise (and to scan for). */
export const adminTokenPrefix = 'gha_';
/** Longest token text accepted before any lookup (the prefix and 43 base64url characters). */
export const adminTokenMaxLength = 64;

/** A token as lists show it: never the token or its hash. */
export interface AdminTokenView {
  id: string;
  name: string;
  scope: AdminTokenScope;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
  state: 'active' | 'expired' | 'revoked';
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export function tokenState(t: AdminApiToken, now: number): AdminTokenView['state'] {
  if (t.revokedAt !== null) return 'revoked';
  return t.expiresAt <= now ? 'expired' : 'active';
}

export async function listAdminTokens(ctx: AppContext): Promise<AdminTokenView[]> {
  const now = ctx.now().getTime();
  const users = new Map((await ctx.store.users.list()).map((u) => [u.id, u.username]));
  return (await ctx.store.adminApiTokens.list()).map((t) => ({
    id: t.id, name: t.name, scope: t.scope, createdBy: users.get(t.createdBy) ?? t.createdBy, createdAt: iso(t.createdAt)!, expiresAt: iso(t.expiresAt)!,
    lastUsedAt: iso(t.lastUsedAt), revokedAt: iso(t.revokedAt), state: tokenState(t, now),
  }));
}

/** Creates a token for `creatorId`; → the token text (shown once) and its row. */
export async function createAdminToken(ctx: AppContext, input: { name: string; scope: AdminTokenScope; days: number; creatorId: string }, actor: ChangeActor): Promise<{ token: string; view: AdminTokenView }> {
  const max = ctx.config.admin.tokenMaxDays;
  if (input.days > max) {
    throw new GatehouseError('validation_failed', `days: must be at most ${max} (admin.tokenMaxDays)`, { publicDetail: [{ field: 'days', message: `must be at most ${max}` }] });
  }
  const token = adminTokenPrefix + newToken(32);
  const now = ctx.now().getTime();
  const row = { id: randomUUID(), tokenHash: hashToken(token), name: input.name, scope: input.scope, createdBy: input.creatorId, createdAt: now, expiresAt: now + input.days * 86_400_000 };
  await withTransaction(ctx, async (tx) => {
    await tx.store.adminApiTokens.create(row);
    await recordAudit(tx, { type: 'admin.token_created', outcome: 'success', detail: { ...changedBy(actor), after: { id: row.id, name: row.name, scope: row.scope, expiresAt: iso(row.expiresAt) } } }, { req: actor.req });
  });
  const view = (await listAdminTokens(ctx)).find((t) => t.id === row.id)!;
  return { token, view };
}

/** Revokes a token; not_found when there is none with that id. Revoking a revoked token changes nothing. */
export async function revokeAdminToken(ctx: AppContext, id: string, actor: ChangeActor): Promise<AdminTokenView> {
  const t = await ctx.store.adminApiTokens.findById(id);
  if (!t) throw new GatehouseError('not_found', `No API token with id ${id}.`);
  await withTransaction(ctx, async (tx) => {
    if (await tx.store.adminApiTokens.revoke(id, ctx.now().getTime())) {
      await recordAudit(tx, {
        type: 'admin.token_revoked', outcome: 'success',
        detail: { ...changedBy(actor), before: { id, name: t.name, state: tokenState(t, ctx.now().getTime()) }, after: { id, name: t.name, state: 'revoked' } },
      }, { req: actor.req });
    }
  });
  return (await listAdminTokens(ctx)).find((v) => v.id === id)!;
}

/** The live token for a presented text, or undefined (unknown, malformed, expired, revoked): which, is in `reason`. */
export async function findLiveToken(ctx: AppContext, text: string): Promise<{ token?: AdminApiToken; reason?: 'unknown' | 'expired' | 'revoked' }> {
  if (!text.startsWith(adminTokenPrefix) || text.length > adminTokenMaxLength) return { reason: 'unknown' };
  const t = await ctx.store.adminApiTokens.findByHash(hashToken(text));
  if (!t) return { reason: 'unknown' };
  const state = tokenState(t, ctx.now().getTime());
  return state === 'active' ? { token: t } : { token: t, reason: state };
}
