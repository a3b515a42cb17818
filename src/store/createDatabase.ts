import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { Kysely, PostgresDialect, type LogEvent, type SqliteDatabase } from 'kysely';
import type SQLite from 'better-sqlite3';
import type pg from 'pg';
import { GatehouseError } from '../errors.js';
import type { Database } from './tables.js';
import { SqliteWriteDialect } from './sqliteWriteDialect.js';
import { StoreEvents } from './storeEvents.js';
import type { Dialect } from './dialect.js';
import { guardPgPool } from './guardPgPool.js';
import { notWritable } from './notWritable.js';
import { startSqliteCheckpointer, type SqliteCheckpointer } from './sqliteCheckpointer.js';

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
  /** SQLite file: the background WAL checkpointer (tests may ask it to run now). */
  checkpointer?: SqliteCheckpointer;
}

/**
 * Each driver is loaded when a database of its kind is opened, not at start: a node uses one of them, and the
 * other would only take memory in every serving process (issue 12). Both are CommonJS, so `require` keeps
 * createDatabase synchronous.
 */
const require = createRequire(import.meta.url);
let pgDriver: typeof pg | undefined;
function loadPg(): typeof pg {
  if (!pgDriver) {
    pgDriver = require('pg') as typeof pg;
    // PostgreSQL returns int8 as strings; our bigint columns hold millisecond timestamps, safe as numbers.
    pgDriver.types.setTypeParser(20, (v: string) => Number(v));
  }
  return pgDriver;
}

/**
 * Kysely prepares every query anew; better-sqlite3 statements are reusable (calls are synchronous), so keep
 * them by SQL text. Queries are built from a fixed set of shapes, so the cache stays small; it is bounded anyway.
 */
function withStatementCache(sqlite: SQLite.Database, onClose?: () => void): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  return {
    close: () => { onClose?.(); sqlite.close(); },
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

/** One executed statement, as `DatabaseOptions.onQuery` receives it. */
export interface QueryEvent {
  sql: string;
  durationMs: number;
  /** Set when the statement failed. */
  error?: unknown;
}

/** How to reach the database; the fields mirror `database.*` in the config. PostgreSQL only, except `onQuery`. */
export interface DatabaseOptions {
  /** Connections this process keeps open to PostgreSQL at most (default 10). */
  poolSize?: number;
  /**
   * Longest a statement may take, in ms: PostgreSQL's statement_timeout and idle_in_transaction_session_timeout
   * (so a node that stops halfway through a transaction does not hold its locks), and the wait for the answer
   * on our side. 0 = no limit (migrations). Default 5000.
   */
  queryTimeoutMs?: number;
  /** Longest wait for a connection, in ms: opening one, or a free one when all `poolSize` are busy. Default 5000. */
  connectTimeoutMs?: number;
  /** Called for an idle pooled connection that failed (the pool drops it); without it such errors are ignored. */
  onPoolError?: (err: Error) => void;
  /** Called after every statement (both databases): for counting queries and timing them. */
  onQuery?: (e: QueryEvent) => void;
}

/** Defaults of {@link DatabaseOptions}, the same as the config's. */
export const databaseDefaults = { poolSize: 10, queryTimeoutMs: 5000, connectTimeoutMs: 5000 } as const;

/** Kysely's log hook: every statement goes to the store's observers (metrics) and to `onQuery` when given. */
function logger(events: StoreEvents, onQuery: DatabaseOptions['onQuery']): (e: LogEvent) => void {
  return (e) => {
    events.log(e);
    onQuery?.({ sql: e.query.sql, durationMs: e.queryDurationMillis, ...(e.level === 'error' ? { error: e.error } : {}) });
  };
}

/**
 * A node-postgres pool with the limits of `opts`. Every wait is bounded: connecting, queueing for a free
 * connection, and each statement (server-side statement_timeout, client-side query_timeout a little later so
 * that the server's own error normally arrives first). TCP keep-alive finds connections that died silently.
 */
function createPgPool(url: string, opts: DatabaseOptions): pg.Pool {
  const queryTimeout = opts.queryTimeoutMs ?? databaseDefaults.queryTimeoutMs;
  const pool = new (loadPg().Pool)({
    connectionString: url,
    max: opts.poolSize ?? databaseDefaults.poolSize,
    connectionTimeoutMillis: opts.connectTimeoutMs ?? databaseDefaults.connectTimeoutMs,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(queryTimeout > 0 ? {
      statement_timeout: queryTimeout,
      idle_in_transaction_session_timeout: queryTimeout,
      query_timeout: queryTimeout + 250,
    } : {}),
  });
  // An idle client whose server went away emits 'error' on the pool; unhandled, that would end the process.
  pool.on('error', (err) => opts.onPoolError?.(err));
  return pool;
}

/**
 * Opens the SQLite file at `path` (creating it and its folder) in WAL mode with foreign keys on. A file or folder
 * this process may not write is a file_not_writable error naming the path.
 */
function openSqlite(path: string): SQLite.Database {
  let sqlite: SQLite.Database | undefined;
  try {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true });
      // SQLite opens a file it may not write read-only, without a word, and fails only at the first write.
      if (existsSync(path)) accessSync(path, constants.W_OK);
    }
    const Database = require('better-sqlite3') as typeof SQLite;
    sqlite = new Database(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    return sqlite;
  } catch (e) {
    sqlite?.close();
    throw sqliteNotWritable(e, path) ?? e;
  }
}

/** The file_not_writable error for an error `e` that says the SQLite file at `path` cannot be written; else undefined. */
export function sqliteNotWritable(e: unknown, path: string): GatehouseError | undefined {
  return notWritable(e, 'the SQLite database', path, 'point database.url (GATEHOUSE_DATABASE_URL) elsewhere');
}

/**
 * Opens `sqlite:<path>` (WAL mode, foreign keys on, write transactions, checkpoints in a worker thread: see
 * sqliteCheckpointer.ts) or `postgres://…` (a bounded pool whose connection failures are `database_unavailable`
 * errors, see guardPgPool.ts). Does not migrate.
 */
export function createDatabase(url: string, opts: DatabaseOptions = {}): Db {
  const events = new StoreEvents();
  const log = logger(events, opts.onQuery);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const pool = createPgPool(url, opts);
    const dialect = new PostgresDialect({ pool: guardPgPool(pool) });
    return { db: new Kysely<Database>({ dialect, log }), dialect: 'postgres', events, pool };
  }
  if (url.startsWith('sqlite:')) {
    const rest = url.slice('sqlite:'.length);
    const path = rest === ':memory:' ? rest : resolve(rest);
    const sqlite = openSqlite(path);
    let checkpointer: SqliteCheckpointer | undefined;
    if (path !== ':memory:') {
      // Checkpoints run in a worker thread, not inside whichever request's commit fills the log (sqliteCheckpointer.ts).
      sqlite.pragma('wal_autocheckpoint = 0');
      checkpointer = startSqliteCheckpointer(path, { onStopped: () => { if (sqlite.open) sqlite.pragma('wal_autocheckpoint = 1000'); } });
    }
    const dialect = new SqliteWriteDialect({ database: withStatementCache(sqlite, () => void checkpointer?.stop()) });
    return { db: new Kysely<Database>({ dialect, log }), dialect: 'sqlite', sqlitePath: path, events, ...(checkpointer ? { checkpointer } : {}) };
  }
  throw new GatehouseError('config_invalid', `database.url (GATEHOUSE_DATABASE_URL): "${url}" is neither sqlite:<path> nor postgres://…`);
}
