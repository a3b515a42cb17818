import type { Kysely } from 'kysely';
import type { Database } from '../tables.js';
import { deleteExpired } from '../deleteExpired.js';

/** Single-use items (AuthnRequest IDs, WebAuthn challenges, CLI codes, enrollment links). */
export class SingleUseRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Atomically marks `key` as used until `expiresAt`. True the first time, false every later time, on
   * any node (a primary-key insert; expired keys are purged and may then be used again).
   */
  async consume(key: string, expiresAt: number, now: number): Promise<boolean> {
    await this.db.deleteFrom('single_use').where('key', '=', key).where('expires_at', '<', now).execute();
    const r = await this.db.insertInto('single_use').values({ key, expires_at: expiresAt })
      .onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /** Removes expired keys, a batch at a time (see deleteExpired); returns how many went. */
  async purgeExpired(now: number): Promise<number> {
    return deleteExpired(this.db, { table: 'single_use', key: 'key' }, now);
  }
}
