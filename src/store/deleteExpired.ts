import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database } from './tables.js';

/** Tables with an `expires_at` column whose expired rows are purged, with the column that names a row. */
export type ExpiringTable =
  | { table: 'sessions'; key: 'id_hash' } | { table: 'login_flows'; key: 'id' } | { table: 'single_use'; key: 'key' }
  | { table: 'cli_tokens'; key: 'token_hash' } | { table: 'cli_codes'; key: 'code_hash' } | { table: 'cli_device_codes'; key: 'device_code_hash' };

/**
 * Deletes the rows of `t.table` that expired before `now`, except those for which `keepWhile` (a condition on the
 * row, when given) still holds, `batch` rows per statement, letting other work run
 * between statements; returns how many went. One DELETE of every expired row at once holds SQLite (whose calls are
 * synchronous) and with it every request of the process for as long as it takes: 10,000 expired sessions among
 * 100,000 cost 60–75 ms of CPU in one statement; a batch of 500 about 6 ms (the whole purge about twice the CPU).
 */
export async function deleteExpired(db: Kysely<Database>, t: ExpiringTable & { keepWhile?: RawBuilder<unknown> }, now: number, batch = 500): Promise<number> {
  const kept = t.keepWhile === undefined ? sql`` : sql` and not (${t.keepWhile})`;
  let total = 0;
  for (;;) {
    const r = await sql`delete from ${sql.table(t.table)} where ${sql.ref(t.key)} in (
      select ${sql.ref(t.key)} from ${sql.table(t.table)} where expires_at < ${now}${kept} limit ${batch})`.execute(db);
    const n = Number(r.numAffectedRows ?? 0n);
    total += n;
    if (n < batch) return total;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
