// Group commit of audit events (issue 12, the audit chain lock on the SSO hot path): events appended at the same
// time outside a transaction share transactions, so the chain head is locked once per batch, not once per event.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bothDatabases, createTestDatabase, type TestDatabase } from '../../helpers/databases.js';
import { openStore, type Store } from '../../../src/store/store.js';
import { verifyAuditChain } from '../../../src/audit/verifyAuditChain.js';
import type { AuditEvent } from '../../../src/store/repositories/audit.js';

for (const kind of bothDatabases) {
  describe(`audit group commit (${kind})`, () => {
    let db: TestDatabase;
    let store: Store;
    const statements: string[] = [];
    before(async () => {
      db = await createTestDatabase(kind);
      store = await openStore(db.url, { onQuery: (e) => statements.push(e.sql) });
    });
    after(async () => {
      await store?.close();
      await db?.drop();
    });
    const event = (i: number): AuditEvent => ({ at: 1_700_000_000_000 + i, type: 'saml.assertion', outcome: 'success', username: `p${i}`, requestId: `r${i}`, detail: { i } });

    it('100 appends at once: consecutive seqs in call order, a handful of transactions, an unbroken chain', async () => {
      statements.length = 0;
      const links = await Promise.all(Array.from({ length: 100 }, (_, i) => store.audit.append(event(i))));
      const first = links[0]!.seq;
      assert.deepEqual(links.map((l) => l.seq), Array.from({ length: 100 }, (_, i) => first + i));
      const writes = statements.filter((s) => /insert into "?audit_events/i.test(s)).length;
      assert.ok(writes <= 3, `100 events took ${writes} writes`);
      const stored = (await store.audit.list({ limit: 100 })).reverse();
      assert.deepEqual(stored.map((e) => e.username), links.map((_, i) => `p${i}`));
      assert.deepEqual(stored.map((e) => e.hash), links.map((l) => l.hash));
      const report = await verifyAuditChain(store);
      assert.ok(report.ok, JSON.stringify(report));
    });

    it('an event that cannot be written fails alone; the others in its batch are written', async () => {
      const bad = { ...event(1000), type: null as unknown as string };
      const results = await Promise.allSettled([store.audit.append(event(1001)), store.audit.append(event(1002)), store.audit.append(bad), store.audit.append(event(1003))]);
      assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      const report = await verifyAuditChain(store);
      assert.ok(report.ok, JSON.stringify(report));
      const names = (await store.audit.list({ limit: 3 })).map((e) => e.username).reverse();
      assert.deepEqual(names, ['p1001', 'p1002', 'p1003']);
    });

    it('inside a transaction an append joins it and rolls back with it', async () => {
      const before = (await store.audit.head())!.seq;
      await assert.rejects(store.transaction(async (tx) => {
        await tx.audit.append(event(2000));
        throw new Error('change failed');
      }));
      assert.equal((await store.audit.head())!.seq, before);
    });
  });
}

// Two PostgreSQL pools in one process are two nodes as far as the database can tell: their group commits race
// for the chain head (compare-and-set, retry, fall back to the lock). Two SQLite connections in one thread would
// wait for each other's write lock synchronously; writers in several processes on SQLite: auditChain.test.ts.
describe('audit group commit from two nodes at once (postgres)', () => {
  it('200 appends spread over two pools: every event once, consecutive seqs, one unbroken chain', async () => {
    const db = await createTestDatabase('postgres');
    const a = await openStore(db.url);
    const b = await openStore(db.url, { migrate: false });
    try {
      const event = (i: number): AuditEvent => ({ at: 1_700_000_000_000 + i, type: 'saml.assertion', outcome: 'success', username: `p${i}`, requestId: `r${i}`, detail: { i } });
      const links = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).audit.append(event(i))));
      assert.deepEqual(links.map((l) => l.seq).sort((x, y) => x - y), Array.from({ length: 200 }, (_, i) => i + 1));
      const report = await verifyAuditChain(a);
      assert.ok(report.ok, JSON.stringify(report));
      assert.equal(report.count, 200);
      assert.equal(new Set((await a.audit.list({ limit: 200 })).map((e) => e.requestId)).size, 200);
    } finally {
      await a.close();
      await b.close();
      await db.drop();
    }
  });
});
