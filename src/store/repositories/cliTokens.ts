import type { Kysely, Selectable } from 'kysely';
import type { CliTokensTable, Database } from '../tables.js';
import type { SecondFactor } from '../../auth/factors.js';
import { parseColumn, secondFactorColumn } from '../json.js';
import { deleteExpired } from '../deleteExpired.js';

/** How a CLI session was started. */
export type CliVia = 'terminal' | 'browser' | 'device';

/** A CLI session: the bearer token's row (the token itself is never stored, only its hash). */
export interface CliToken {
  tokenHash: string;
  userId: string;
  factor: SecondFactor;
  deviceId: string | null;
  via: CliVia;
  clientName: string;
  authenticatedAt: number;
  createdAt: number;
  lastUsedAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

const toToken = (r: Selectable<CliTokensTable>): CliToken => ({
  tokenHash: r.token_hash, userId: r.user_id, factor: parseColumn({ column: 'cli_tokens.factor' }, secondFactorColumn, r.factor), deviceId: r.device_id, via: r.via as CliVia, clientName: r.client_name,
  authenticatedAt: Number(r.authenticated_at), createdAt: Number(r.created_at), lastUsedAt: Number(r.last_used_at), expiresAt: Number(r.expires_at),
  revokedAt: r.revoked_at === null ? null : Number(r.revoked_at),
});

/** CLI sessions (bearer tokens of `gatehouse login`), keyed by the token's hash. */
export class CliTokensRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(t: Omit<CliToken, 'revokedAt'>): Promise<void> {
    await this.db.insertInto('cli_tokens').values({
      token_hash: t.tokenHash, user_id: t.userId, factor: t.factor, device_id: t.deviceId, via: t.via, client_name: t.clientName,
      authenticated_at: t.authenticatedAt, created_at: t.createdAt, last_used_at: t.lastUsedAt, expires_at: t.expiresAt, revoked_at: null,
    }).execute();
  }

  /** The row of a token hash, revoked and expired ones included (the caller decides and audits). */
  async find(tokenHash: string): Promise<CliToken | undefined> {
    const r = await this.db.selectFrom('cli_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    return r && toToken(r);
  }

  async touch(tokenHash: string, now: number): Promise<void> {
    await this.db.updateTable('cli_tokens').set({ last_used_at: now }).where('token_hash', '=', tokenHash).execute();
  }

  /** Revokes one token (logout). True when it was live until now; false when unknown or revoked already. */
  async revoke(tokenHash: string, now: number): Promise<boolean> {
    const r = await this.db.updateTable('cli_tokens').set({ revoked_at: now }).where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Revokes every live token of a person (disabled, new password); returns how many. */
  async revokeForUser(userId: string, now: number): Promise<number> {
    const r = await this.db.updateTable('cli_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /** Removes tokens past their expiry (revoked ones too: they are refused as expired from then on). */
  async purgeExpired(now: number): Promise<number> {
    return deleteExpired(this.db, { table: 'cli_tokens', key: 'token_hash' }, now);
  }
}
