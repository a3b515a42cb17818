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
      const begins = statements.filter((s) => /^begin/i.test(s)).length;
      assert.ok(begins <= 3, `100 events took ${begins} transactions`);
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
