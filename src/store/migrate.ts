import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './createDatabase.js';
import * as m001 from './migrations/001_initial.js';
import * as m003 from './migrations/003_audit_chain.js';
import * as m004 from './migrations/004_cli.js';
import * as m005 from './migrations/005_throttle_previous_failure.js';
import * as m006 from './migrations/006_admin.js';
import * as m007 from './migrations/007_people.js';
import * as m008 from './migrations/008_time_zone.js';
import * as m009 from './migrations/009_sp_enabled.js';
import * as m010 from './migrations/010_cli_code_replay.js';

/** Applies every pending migration in order; returns the names applied. Runs on start and in `gatehouse migrate`. */
export async function migrate(store: Pick<Db, 'db' | 'dialect'>): Promise<string[]> {
  const provider: MigrationProvider = {
    getMigrations: async (): Promise<Record<string, Migration>> => ({
      '001_initial': { up: (db) => m001.up(db, store.dialect) },
      '003_audit_chain': { up: (db) => m003.up(db, store.dialect) },
      '004_cli': { up: (db) => m004.up(db) },
      '005_throttle_previous_failure': { up: (db) => m005.up(db) },
      '006_admin': { up: (db) => m006.up(db) },
      '007_people': { up: (db) => m007.up(db) },
      '008_time_zone': { up: (db) => m008.up(db) },
      '009_sp_enabled': { up: (db) => m009.up(db) },
      '010_cli_code_replay': { up: (db) => m010.up(db) },
    }),
  };
  const migrator = new Migrator({ db: store.db, provider, migrationTableName: 'gatehouse_migrations', migrationLockTableName: 'gatehouse_migrations_lock' });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
