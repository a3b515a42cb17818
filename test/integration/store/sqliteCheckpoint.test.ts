// SQLite WAL checkpoints off the request path (issue 12, "a checkpoint" stalling the node): the request connection
// never checkpoints by itself (a commit that filled the log used to copy it into the file and fsync, synchronously,
// on the event loop); a worker thread does, so the log is still written back and its file reused.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases.js';
import { createDatabase, type Db } from '../../../src/store/createDatabase.js';
import { startSqliteCheckpointer } from '../../../src/store/sqliteCheckpointer.js';
import { migrate } from '../../../src/store/migrate.js';
import { Store } from '../../../src/store/store.js';

describe('SQLite checkpoints in a worker thread', () => {
  let tdb: TestDatabase;
  let d: Db;
  before(async () => {
    tdb = await createTestDatabase('sqlite');
    d = createDatabase(tdb.url);
    await migrate(d);
  });
  after(async () => {
    await d?.db.destroy();
    await tdb?.drop();
  });

  it('the request connection does not checkpoint; the worker writes the log back into the database file', async () => {
    const { rows } = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(d.db);
    assert.equal(rows[0]?.wal_autocheckpoint, 0, 'automatic checkpoints are off on the request connection');
    const store = new Store(d.db, d.dialect, d.sqlitePath);
    const file = d.sqlitePath!;
    const before = statSync(file).size;
    const detail = { filler: 'x'.repeat(2000) };
    for (let i = 0; i < 3000; i++) await store.audit.append({ at: i, type: 'saml.assertion', outcome: 'success', detail });
    assert.ok(statSync(`${file}-wal`).size > 4_000_000, 'more than 1,000 pages went to the log');
    const r = await d.checkpointer!.checkpointNow();
    assert.equal(r.busy, false);
    assert.ok(r.checkpointed === r.log, `the worker checkpointed the whole log (${r.checkpointed} of ${r.log} frames)`);
    assert.ok(statSync(file).size > before + 4_000_000, 'the pages are in the database file now');
    assert.equal((await store.audit.list({ limit: 1 }))[0]?.at, 2999);
  });

  it('checkpointNow is answered by its own checkpoint, not by a periodic one that was under way while rows were written', async () => {
    const store = new Store(d.db, d.dialect, d.sqlitePath);
    // A second checkpointer on the file that runs every millisecond, so that periodic results arrive all the time.
    const busy = startSqliteCheckpointer(d.sqlitePath!, { intervalMs: 1 });
    try {
      const detail = { filler: 'y'.repeat(500) };
      for (let round = 0; round < 30; round++) {
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.audit.append({ at: round * 100 + i, type: 'saml.assertion', outcome: 'success', detail })));
        const r = await busy.checkpointNow();
        assert.equal(r.checkpointed, r.log, `round ${round}: a checkpoint asked for after the writes covers them (${r.checkpointed} of ${r.log} frames)`);
      }
    } finally {
      await busy.stop();
    }
    await assert.rejects(busy.checkpointNow(), /stopped/);
  });
});
