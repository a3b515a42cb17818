import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, PostgresDialect, type SqliteDatabase } from 'kysely';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { GatehouseError } from '../errors.js';
import type { Database } from './tables.js';
import { SqliteWriteDialect } from './sqliteWriteDialect.js';
import { StoreEvents } from './storeEvents.js';
import type { Dialect } from './dialect.js';

export type { Dialect } from './dialect.js';

/** An open database with the dialect it speaks. Call `db.destroy()` to close it. */
export interface Db {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Absolute path of the SQLite file, when SQLite. */
  sqlitePath?: string;
  /** Where every query's duration is reported (Kysely's log hook); observed by the metrics. */
  events: StoreEvents;
  /** The connection pool, when PostgreSQL: its counts are the pool metrics. */
  pool?: pg.Pool;
}

// PostgreSQL returns int8 as strings; our bigint columns hold millisecond timestamps, safe as numbers.
pg.types.setTypeParser(20, (v: string) => Number(v));

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable (calls are synchronous), so keep
 * them by SQL text. Queries are built from a fixed set of shapes, so the cache stays small; it is bounded anyway.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (sql: string) => {
      let st = cache.get(sql);
      if (!st) {
        if (cache.size >= 500) cache.clear();
        st = sqlite.prepare(sql);
        cache.set(sql, st);
      }
      return st;
    },
  };
}

/** Opens `sqlite:<path>` (WAL mode, foreign keys on, write transactions) or `postgres://…`. Does not migrate. */
export function createDatabase(url: string): Db {
  const events = new StoreEvents();
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    // An idle connection that PostgreSQL ends (restart, administrator) is dropped by the pool, and the next query
    // opens a new one; without a listener, the pool's 'error' event would end the process.
    pool.on('error', () => {});
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: events.log }), dialect: 'postgres', events, pool };
  }
  if (url.startsWith('sqlite:')) {
    const rest = url.slice('sqlite:'.length);
    const path = rest === ':memory:' ? rest : resolve(rest);
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const sqlite = new SQLite(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    return { db: new Kysely<Database>({ dialect: new SqliteWriteDialect({ database: withStatementCache(sqlite) }), log: events.log }), dialect: 'sqlite', sqlitePath: path, events };
  }
  throw new GatehouseError('config_invalid', `database.url (GATEHOUSE_DATABASE_URL): "${url}" is neither sqlite:<path> nor postgres://…`);
}
