import type { Kysely, Selectable } from 'kysely';
import type { AdminApiTokensTable, Database } from '../tables.js';

/** What an admin API token may do: read only, or read and change. */
export type AdminTokenScope = 'read' | 'write';
export const adminTokenScopes: readonly AdminTokenScope[] = ['read', 'write'];

/** An admin API token's row (the token itself is shown once and never stored; only its hash). */
export interface AdminApiToken {
  id: string;
  tokenHash: string;
  name: string;
  scope: AdminTokenScope;
  createdBy: string;
  createdAt: number;
  expiresAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

const orNull = (v: number | string | null): number | null => (v === null ? null : Number(v));
const toToken = (r: Selectable<AdminApiTokensTable>): AdminApiToken => ({
  id: r.id, tokenHash: r.token_hash, name: r.name, scope: r.scope === 'write' ? 'write' : 'read', createdBy: r.created_by,
  createdAt: Number(r.created_at), expiresAt: Number(r.expires_at), lastUsedAt: orNull(r.last_used_at), revokedAt: orNull(r.revoked_at),
});

/** Admin API tokens, keyed by id; looked up by the hash of the presented token. */
export class AdminApiTokensRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(t: Omit<AdminApiToken, 'lastUsedAt' | 'revokedAt'>): Promise<void> {
    await this.db.insertInto('admin_api_tokens').values({
      id: t.id, token_hash: t.tokenHash, name: t.name, scope: t.scope, created_by: t.createdBy, created_at: t.createdAt, expires_at: t.expiresAt,
      last_used_at: null, revoked_at: null,
    }).execute();
  }

  /** The row of a token hash, revoked and expired ones included (the caller decides). */
  async findByHash(tokenHash: string): Promise<AdminApiToken | undefined> {
    const r = await this.db.selectFrom('admin_api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return r && toToken(r);
  }

  async findById(id: string): Promise<AdminApiToken | undefined> {
    const r = await this.db.selectFrom('admin_api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toToken(r);
  }

  /** Every token, newest first (revoked and expired ones too: the list shows their state). */
  async list(): Promise<AdminApiToken[]> {
    return (await this.db.selectFrom('admin_api_tokens').selectAll().orderBy('created_at', 'desc').orderBy('id').execute()).map(toToken);
  }

  /** Records a use, at most once a minute per token (not a write per request). */
  async touch(id: string, now: number): Promise<void> {
    await this.db.updateTable('admin_api_tokens').set({ last_used_at: now }).where('id', '=', id)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now - 60_000)])).execute();
  }

  /** Revokes a token. True when it was not revoked until now. */
  async revoke(id: string, now: number): Promise<boolean> {
    const r = await this.db.updateTable('admin_api_tokens').set({ revoked_at: now }).where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
