import type { Kysely } from 'kysely';
import type { Database } from '../tables.js';

export interface EnrollmentToken { tokenHash: string; userId: string; purpose: 'first-admin' | 'enroll'; createdAt: number; expiresAt: number; usedAt: number | null }

/** One-time enrollment links (first admin, admin-issued enrollment); only the hash of the token is stored. */
export class EnrollmentTokensRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(t: Omit<EnrollmentToken, 'usedAt'>): Promise<void> {
    await this.db.insertInto('enrollment_tokens').values({ token_hash: t.tokenHash, user_id: t.userId, purpose: t.purpose, created_at: t.createdAt, expires_at: t.expiresAt, used_at: null }).execute();
  }

  /** Finds an unused, unexpired token. */
  async findValid(tokenHash: string, now: number): Promise<EnrollmentToken | undefined> {
    const r = await this.db.selectFrom('enrollment_tokens').selectAll().where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
    return r && { tokenHash: r.token_hash, userId: r.user_id, purpose: r.purpose, createdAt: Number(r.created_at), expiresAt: Number(r.expires_at), usedAt: null };
  }

  /** Marks a token used; false if it was used already or expired (atomic). */
  async consume(tokenHash: string, now: number): Promise<boolean> {
    const r = await this.db.updateTable('enrollment_tokens').set({ used_at: now }).where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null).where('expires_at', '>', now).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }
}
