/**
 * Kysely's SQLite dialect with one change: a transaction starts with `BEGIN IMMEDIATE`, so it takes the
 * database's write lock at once (waiting up to `busy_timeout`) instead of at its first write. A deferred
 * transaction that reads and then writes can fail with SQLITE_BUSY when another process wrote in between;
 * an immediate one cannot, so a read-then-write (the audit chain head, say) is safe across processes.
 */
import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver, type SqliteDialectConfig } from 'kysely';

class SqliteWriteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** `new SqliteDialect(config)` whose transactions are `BEGIN IMMEDIATE` write transactions. */
export class SqliteWriteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new SqliteWriteDriver(this.#config);
  }
}
