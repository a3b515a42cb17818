import type { Kysely } from 'kysely';
import { createDatabase, type DatabaseOptions, type Db, type Dialect } from './createDatabase.js';
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
import { EntitlementInputsRepository } from './repositories/entitlementInputs.js';

/** Every repository over one database. Build with `openStore`; close with `store.close()`. */
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
  /** Read-only: a person's groups, mappings, accounts and directory settings in one statement (the SSO hot path). */
  readonly entitlementInputs: EntitlementInputsRepository;

  constructor(readonly db: Kysely<Database>, readonly dialect: Dialect, readonly sqlitePath?: string) {
    this.users = new UsersRepository(db);
    this.groups = new GroupsRepository(db);
    this.accounts = new AccountsRepository(db);
    this.devices = new MfaDevicesRepository(db);
    this.sessions = new SessionsRepository(db);
    this.singleUse = new SingleUseRepository(db);
    this.audit = new AuditRepository(db, dialect);
    this.serviceProviders = new ServiceProvidersRepository(db);
    this.signingKeys = new SigningKeysRepository(db);
    this.throttles = new ThrottlesRepository(db);
    this.enrollmentTokens = new EnrollmentTokensRepository(db);
    this.settings = new SettingsRepository(db);
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
    return this.db.transaction().execute((trx) => fn(new Store(trx, this.dialect, this.sqlitePath)));
  }

  /** True for the store that `transaction` hands to its function. */
  get inTransaction(): boolean {
    return this.db.isTransaction;
  }

  /** A trivial query: used by /readyz. */
  async ping(): Promise<void> {
    await this.db.selectFrom('settings').select('key').limit(1).execute();
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
    throw e;
  }
  return new Store(d.db, d.dialect, d.sqlitePath);
}
