import type { Kysely } from 'kysely';
import type { Database } from './tables.js';

/**
 * Runs `fn` inside a transaction that composes: when `db` is already a transaction (a repository of the
 * store that `Store.transaction` hands out), `fn` joins it and commits or rolls back with it; otherwise a new
 * write transaction (`BEGIN IMMEDIATE` on SQLite) is opened for `fn` alone. Repositories that need several
 * statements to be atomic call this, never `db.transaction()` (which throws inside a transaction).
 */
export function inTransaction<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
