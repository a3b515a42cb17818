import { sql, type Kysely, type Selectable } from 'kysely';
import type { CliCodesTable, Database } from '../tables.js';
import type { SecondFactor } from '../../auth/factors.js';
import { parseColumn, secondFactorColumn } from '../json.js';
import { deleteExpired } from '../deleteExpired.js';

/** The one-time code of a browser login (PKCE), as stored: only the code's hash. */
export interface CliCode {
  codeHash: string;
  userId: string;
  factor: SecondFactor;
  deviceId: string | null;
  clientName: string;
  codeChallenge: string;
  redirectUri: string;
  authenticatedAt: number;
  sessionExpiresAt: number;
  createdAt: number;
  expiresAt: number;
  usedAt: number | null;
}

/**
 * What a redemption attempt found: `consumed` (this attempt used the code, the only one that ever will), `used`
 * (an earlier attempt did), `expired`, or `unknown`.
 */
export type CodeConsumption =
  | { outcome: 'consumed' | 'used' | 'expired'; code: CliCode }
  | { outcome: 'unknown' };

const toCode = (r: Selectable<CliCodesTable>): CliCode => ({
  codeHash: r.code_hash, userId: r.user_id, factor: parseColumn({ column: 'cli_codes.factor' }, secondFactorColumn, r.factor), deviceId: r.device_id, clientName: r.client_name, codeChallenge: r.code_challenge,
  redirectUri: r.redirect_uri, authenticatedAt: Number(r.authenticated_at), sessionExpiresAt: Number(r.session_expires_at),
  createdAt: Number(r.created_at), expiresAt: Number(r.expires_at), usedAt: r.used_at === null ? null : Number(r.used_at),
});

/** One-time codes of browser logins, keyed by the code's hash. */
export class CliCodesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(c: Omit<CliCode, 'usedAt'>): Promise<void> {
    await this.db.insertInto('cli_codes').values({
      code_hash: c.codeHash, user_id: c.userId, factor: c.factor, device_id: c.deviceId, client_name: c.clientName, code_challenge: c.codeChallenge,
      redirect_uri: c.redirectUri, authenticated_at: c.authenticatedAt, session_expires_at: c.sessionExpiresAt, created_at: c.createdAt,
      expires_at: c.expiresAt, used_at: null,
    }).execute();
  }

  /**
   * Uses the code: one conditional update (`SET used_at = now WHERE … used_at IS NULL AND expires_at > now`), so of
   * any number of concurrent attempts on any number of nodes exactly one gets `consumed`. The caller checks the
   * verifier and the redirect URI AFTER consuming: a wrong attempt uses the code up too.
   */
  async consume(codeHash: string, now: number): Promise<CodeConsumption> {
    const r = await this.db.updateTable('cli_codes').set({ used_at: now })
      .where('code_hash', '=', codeHash).where('used_at', 'is', null).where('expires_at', '>', now)
      .returningAll().executeTakeFirst();
    if (r) return { outcome: 'consumed', code: toCode(r) };
    const seen = await this.db.selectFrom('cli_codes').selectAll().where('code_hash', '=', codeHash).executeTakeFirst();
    if (!seen) return { outcome: 'unknown' };
    const code = toCode(seen);
    return { outcome: code.usedAt !== null ? 'used' : 'expired', code };
  }

  /**
   * Ties the token a redemption issued to its code, in the token's transaction: false when the code was replayed
   * first (then the caller must not issue the token). With `markReplayed`, one conditional update on the code's row
   * each, so the two are ordered by its lock (PostgreSQL) or the write lock (SQLite): the token is either revoked by
   * the replay or never issued.
   */
  async bindToken(codeHash: string, tokenHash: string): Promise<boolean> {
    const r = await this.db.updateTable('cli_codes').set({ token_hash: tokenHash })
      .where('code_hash', '=', codeHash).where('replayed_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Records a replay of a used code (the first one sets `replayed_at`; later ones leave it) and returns the hash of
   * the token its redemption issued, for the caller to revoke in the same transaction; null when it issued none.
   */
  async markReplayed(codeHash: string, now: number): Promise<string | null> {
    const r = await this.db.updateTable('cli_codes').set((eb) => ({ replayed_at: eb.fn.coalesce('replayed_at', eb.val(now)) }))
      .where('code_hash', '=', codeHash).returning('token_hash').executeTakeFirst();
    return r?.token_hash ?? null;
  }

  /**
   * Deletes expired codes, but keeps one that gave a token until that token's last moment (the code's
   * session_expires_at, the token's own end): a replay of it must still find the token to revoke (RFC 6749 §4.1.2).
   */
  async purgeExpired(now: number): Promise<number> {
    return deleteExpired(this.db, { table: 'cli_codes', key: 'code_hash', keepWhile: sql`token_hash is not null and session_expires_at >= ${now}` }, now);
  }
}
