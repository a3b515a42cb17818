import type { Kysely } from 'kysely';
import type { Database } from '../tables.js';

export interface Throttle { key: string; failures: number; firstFailureAt: number; lastFailureAt: number; lockedUntil: number | null }

/** Failure counters for lockout and back-off, per person and per client address, shared by all nodes. */
export class ThrottlesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string): Promise<Throttle | undefined> {
    const r = await this.db.selectFrom('throttles').selectAll().where('key', '=', key).executeTakeFirst();
    return r && { key: r.key, failures: Number(r.failures), firstFailureAt: Number(r.first_failure_at), lastFailureAt: Number(r.last_failure_at), lockedUntil: r.locked_until === null ? null : Number(r.locked_until) };
  }

  /**
   * Counts one failure atomically (an upsert that increments, restarting the count when the window has passed)
   * and returns the new state; sets `lockedUntil` once failures reach `lockAfter`.
   */
  async recordFailure(key: string, now: number, opts: { windowMs: number; lockAfter: number; lockMs: number }): Promise<Throttle> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('throttles').where('key', '=', key).where('last_failure_at', '<', now - opts.windowMs)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)])).execute();
      await trx.insertInto('throttles').values({ key, failures: 1, first_failure_at: now, last_failure_at: now, locked_until: null })
        .onConflict((oc) => oc.column('key').doUpdateSet((eb) => ({ failures: eb('throttles.failures', '+', 1), last_failure_at: now })))
        .execute();
      await trx.updateTable('throttles').set({ locked_until: now + opts.lockMs })
        .where('key', '=', key).where('failures', '>=', opts.lockAfter)
        .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', now)])).execute();
    });
    return (await this.get(key))!;
  }

  async clear(key: string): Promise<void> {
    await this.db.deleteFrom('throttles').where('key', '=', key).execute();
  }

  async listLocked(now: number): Promise<Throttle[]> {
    const rows = await this.db.selectFrom('throttles').selectAll().where('locked_until', '>', now).execute();
    return rows.map((r) => ({ key: r.key, failures: Number(r.failures), firstFailureAt: Number(r.first_failure_at), lastFailureAt: Number(r.last_failure_at), lockedUntil: Number(r.locked_until) }));
  }
}
