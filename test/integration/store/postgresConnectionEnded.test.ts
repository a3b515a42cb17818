// Regression: PostgreSQL ending an idle pooled connection (a restart, an administrator, `DROP DATABASE … WITH
// (FORCE)`) threw the pool's 'error' event with no listener, which ended the whole process. Seen as a flaky
// "terminating connection due to administrator command" in the store contract suite.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { openTestStore, pgAdminUrl } from '../../helpers/databases.js';

/** Ends every connection to `database` but the admin's own, and returns once those backends are gone. */
async function terminateConnectionsTo(database: string): Promise<number> {
  const admin = new pg.Client({ connectionString: pgAdminUrl() });
  await admin.connect();
  try {
    const ended = await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
    for (let left = 1, tries = 0; left > 0 && tries < 500; tries++) {
      const r = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [database]);
      left = r.rows[0]?.n ?? 0;
    }
    return ended.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

describe('PostgreSQL ends an idle pooled connection', () => {
  it('the process lives on, and the next query runs on a new connection', async () => {
    const { store, url, done } = await openTestStore('postgres');
    try {
      await store.ping();
      assert.ok(await terminateConnectionsTo(new URL(url).pathname.slice(1)) >= 1);
      await new Promise((resolve) => setImmediate(resolve));
      await store.ping();
    } finally {
      await done();
    }
  });
});
