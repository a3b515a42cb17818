import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openStore, type Store } from '../../src/store/store.js';

/** A database made for one test file: a fresh SQLite file or a fresh PostgreSQL database with a random name. */
export interface TestDatabase {
  kind: 'sqlite' | 'postgres';
  url: string;
  /** Drops the PostgreSQL database or removes the SQLite folder. */
  drop(): Promise<void>;
}

export const pgAdminUrl = (): string => process.env.GATEHOUSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function createTestDatabase(kind: 'sqlite' | 'postgres'): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
    return { kind, url: `sqlite:${join(dir, 'gatehouse.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `gatehouse_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgAdminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(pgAdminUrl());
  u.pathname = `/${name}`;
  return {
    kind, url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: pgAdminUrl() });
      await c.connect();
      // pg's Pool.end() resolves before its connections have closed; FORCE would cut one mid-close (an uncaught
      // "terminating connection due to administrator command"), so give them up to a second to go first.
      for (let i = 0; i < 50; i++) {
        const { rows } = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]);
        if (rows[0]?.n === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Opens a migrated store on a new test database; `done()` closes it and drops the database. */
export async function openTestStore(kind: 'sqlite' | 'postgres'): Promise<{ store: Store; url: string; done: () => Promise<void> }> {
  const tdb = await createTestDatabase(kind);
  const store = await openStore(tdb.url);
  return { store, url: tdb.url, done: async () => { await store.close(); await tdb.drop(); } };
}

export const bothDatabases = ['sqlite', 'postgres'] as const;
