import type { Kysely } from 'kysely';
import { createDatabase, sqliteNotWritable, type DatabaseOptions, type Db, type Dialect } from './createDatabase.js';
import { migrate } from './migrate.js';
import type { Database } from './tables.js';
import { UsersRepository } from './repositories/users.js';
import { GroupsRepository } from './repositories/groups.js';
import { AccountsRepository } from './repositories/accounts.js';
import { MfaDevicesRepository } from './repositories/mfaDevices.js';
import { SessionsRepository } from './repositories/sessions.js';
import { SingleUseRepository } from './repositories/singleUse.js';
import { AuditRepository } from './repositories/audit.js';
import { ServiceProvidersRepository } from './repositories/serviceProviders.js';
import { SigningKeysRepository } from './repositories/signingKeys.js';
import { ThrottlesRepository } from './repositories/throttles.js';
import { EnrollmentTokensRepository } from './repositories/enrollmentTokens.js';
import { SettingsRepository } from './repositories/settings.js';
import { CliTokensRepository } from './repositories/cliTokens.js';
import { AdminApiTokensRepository } from './repositories/adminApiTokens.js';
import { CliCodesRepository } from './repositories/cliCodes.js';
import { DeviceCodesRepository } from './repositories/deviceCodes.js';
import { StoreEvents, type StoreObserver } from './storeEvents.js';
import { EntitlementInputsRepository } from './repositories/entitlementInputs.js';

/** A connection pool's counts (pg.Pool has them). */
export interface PoolCounts { totalCount: number; idleCount: number; waitingCount: number; options: { max?: number } }

/** How busy the PostgreSQL connection pool is: open connections, idle ones, queries waiting for one, and the cap. */
export interface PoolStats { total: number; idle: number; waiting: number; max: number }

/**
 * Every repository over one database. Build with `openStore`; close with `store.close()`. The Kysely handle is
 * private: code outside src/store reaches the database only through the repositories and the methods below
 * (test/unit/layering.test.ts checks that nothing else touches it).
 */
export class Store {
  readonly users: UsersRepository;
  readonly groups: GroupsRepository;
  readonly accounts: AccountsRepository;
  readonly devices: MfaDevicesRepository;
  readonly sessions: SessionsRepository;
  readonly singleUse: SingleUseRepository;
  readonly audit: AuditRepository;
  readonly serviceProviders: ServiceProvidersRepository;
  readonly signingKeys: SigningKeysRepository;
  readonly throttles: ThrottlesRepository;
  readonly enrollmentTokens: EnrollmentTokensRepository;
  readonly settings: SettingsRepository;
  readonly cliTokens: CliTokensRepository;
  readonly adminApiTokens: AdminApiTokensRepository;
  readonly cliCodes: CliCodesRepository;
  readonly deviceCodes: DeviceCodesRepository;
  /** Read-only: a person's groups, mappings, accounts and directory settings in one statement (the SSO hot path). */
  readonly entitlementInputs: EntitlementInputsRepository;

  /**
   * `events` and `pool` come from `createDatabase`; a transaction's store shares them with the store that opened it.
   */
  constructor(private readonly db: Kysely<Database>, readonly dialect: Dialect, readonly sqlitePath?: string,
    private readonly events = new StoreEvents(), private readonly pool?: PoolCounts) {
    this.users = new UsersRepository(db);
    this.groups = new GroupsRepository(db);
    this.accounts = new AccountsRepository(db);
    this.devices = new MfaDevicesRepository(db);
    this.sessions = new SessionsRepository(db);
    this.singleUse = new SingleUseRepository(db);
    this.audit = new AuditRepository(db, dialect, events);
    this.serviceProviders = new ServiceProvidersRepository(db);
    this.signingKeys = new SigningKeysRepository(db);
    this.throttles = new ThrottlesRepository(db);
    this.enrollmentTokens = new EnrollmentTokensRepository(db);
    this.settings = new SettingsRepository(db);
    this.cliTokens = new CliTokensRepository(db);
    this.adminApiTokens = new AdminApiTokensRepository(db);
    this.cliCodes = new CliCodesRepository(db);
    this.deviceCodes = new DeviceCodesRepository(db);
    this.entitlementInputs = new EntitlementInputsRepository(db);
  }

  /**
   * Runs `fn` with repositories bound to one transaction (all or nothing; `BEGIN IMMEDIATE` on SQLite).
   * Transactions compose: called on a store that is already a transaction, `fn` joins it (no savepoint), so a
   * helper may open one without knowing whether its caller did. A joined `fn` that throws aborts the whole
   * outer transaction unless the outer code catches the error; then its writes stay, so do not catch and go on.
   */
  async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    return this.db.transaction().execute((trx) => fn(new Store(trx, this.dialect, this.sqlitePath, this.events, this.pool)));
  }

  /** True for the store that `transaction` hands to its function. */
  get inTransaction(): boolean {
    return this.db.isTransaction;
  }

  /** Applies every pending migration (`gatehouse migrate`); returns the names applied. */
  async migrate(): Promise<string[]> {
    return migrate({ db: this.db, dialect: this.dialect });
  }

  /** A trivial query: used by /readyz. */
  async ping(): Promise<void> {
    await this.db.selectFrom('settings').select('key').limit(1).execute();
  }

  /**
   * Reports every query's duration and every appended audit event (of this store and its transactions) to
   * `observer`, until the returned function is called.
   */
  observe(observer: StoreObserver): () => void {
    return this.events.add(observer);
  }

  /** The connection pool's counts on PostgreSQL; undefined on SQLite (one connection per process). */
  poolStats(): PoolStats | undefined {
    const p = this.pool;
    return p && { total: p.totalCount, idle: p.idleCount, waiting: p.waitingCount, max: p.options.max ?? 10 };
  }

  async close(): Promise<void> {
    await this.db.destroy();
  }
}

/**
 * Opens the database at `url` with `opts` (pool size, timeouts, hooks), applies pending migrations, and returns
 * the store. On PostgreSQL migrations run over a connection of their own without the statement timeout (a
 * migration may rewrite a large table); the store's pool then starts with the limits of `opts`.
 */
export async function openStore(url: string, opts: DatabaseOptions & { migrate?: boolean } = {}): Promise<Store> {
  const { migrate: runMigrations, ...dbOpts } = opts;
  const d: Db = createDatabase(url, dbOpts);
  try {
    if (runMigrations !== false && d.dialect === 'postgres') {
      const m = createDatabase(url, { ...dbOpts, poolSize: 1, queryTimeoutMs: 0, onQuery: undefined });
      try {
        await migrate(m);
      } finally {
        await m.db.destroy();
      }
    } else if (runMigrations !== false) {
      await migrate(d);
    }
  } catch (e) {
    await d.db.destroy();
    // SQLite opens a read-only file (or one in a read-only folder) and fails only at the first write.
    throw (d.sqlitePath ? sqliteNotWritable(e, d.sqlitePath) : undefined) ?? e;
  }
  return new Store(d.db, d.dialect, d.sqlitePath, d.events, d.pool);
}
