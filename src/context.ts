import type { Config } from './config/loadConfig.js';
import { openStore, type Store } from './store/store.js';
import { SecretBox, loadSecretKey } from './store/secretBox.js';
import type { DatabaseOptions } from './store/createDatabase.js';

/** Everything the server and the CLI commands share: config, store, secrets box and the clock. */
export interface AppContext {
  config: Config;
  store: Store;
  secrets: SecretBox;
  /** The clock: inject a fixed one in tests. */
  now: () => Date;
  /** Set when this start generated the development secret key file. */
  generatedKeyFile?: string;
}

/**
 * Opens the database (migrating it; pool size and timeouts from `config.database`) and the secrets key named by
 * `config`. `opts.database` adds hooks: `onQuery` after every statement, `onPoolError` for a dropped idle
 * connection. Close with `ctx.store.close()`.
 */
export async function createContext(config: Config, opts: { now?: () => Date; migrate?: boolean; database?: Pick<DatabaseOptions, 'onQuery' | 'onPoolError'> } = {}): Promise<AppContext> {
  const { poolSize, queryTimeoutMs, connectTimeoutMs } = config.database;
  const store = await openStore(config.database.url, { poolSize, queryTimeoutMs, connectTimeoutMs, ...opts.database, migrate: opts.migrate !== false });
  try {
    const k = loadSecretKey({ key: config.secrets.key, keyFile: config.secrets.keyFile, sqlitePath: store.sqlitePath });
    const ctx: AppContext = { config, store, secrets: new SecretBox(k.key), now: opts.now ?? (() => new Date()) };
    if (k.generated && k.path) ctx.generatedKeyFile = k.path;
    return ctx;
  } catch (e) {
    await store.close();
    throw e;
  }
}

/**
 * Runs `fn` with a copy of `ctx` whose store is one transaction (`Store.transaction`: all or nothing, and it
 * joins a transaction `ctx` is already in). Use it to write a change and the audit event that records it together.
 */
export function withTransaction<C extends { store: Store }, T>(ctx: C, fn: (tx: C) => Promise<T>): Promise<T> {
  return ctx.store.transaction((store) => fn({ ...ctx, store }));
}
