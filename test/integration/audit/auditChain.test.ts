// The audit hash chain on SQLite and PostgreSQL: recordAudit, verify on a fresh and a tampered log (rows changed,
// deleted and inserted with plain SQL behind the store's back), concurrent writers (in one process and in
// several), composable transactions, and migration 003 chaining events written before it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Migrator, type Migration } from 'kysely';
import { bothDatabases, createTestDatabase, openTestStore, type TestDatabase } from '../../helpers/databases.js';
import { rawSql } from '../../helpers/rawSql.js';
import { runProcess } from '../../helpers/runProcess.js';
import { openStore, type Store } from '../../../src/store/store.js';
import { createDatabase } from '../../../src/store/createDatabase.js';
import * as m001 from '../../../src/store/migrations/001_initial.js';
import { recordAudit } from '../../../src/audit/recordAudit.js';
import { verifyAuditChain, type ChainReport } from '../../../src/audit/verifyAuditChain.js';
import { auditHash, GENESIS_HASH } from '../../../src/store/auditChain.js';
import type { AuditRow } from '../../../src/store/repositories/audit.js';

const root = new URL('../../../', import.meta.url).pathname;

/** `n` sign-in events for user1 … userN. */
async function fill(store: Store, n: number, from = 1): Promise<void> {
  for (let i = from; i < from + n; i++) {
    await recordAudit(store, { type: 'login.password', outcome: i % 3 === 0 ? 'failure' : 'success', username: `user${i}`, factor: 'password', detail: { purpose: 'login' } }, { req: { id: `req-${i}`, ip: `10.0.0.${i % 250}` } });
  }
}

const rowAt = async (url: string, seq: number): Promise<AuditRow> => {
  const [r] = await rawSql<AuditRow>(url, 'select * from audit_events where seq = $1', [seq]);
  assert.ok(r, `no row at seq ${seq}`);
  return { ...r, id: Number(r.id), seq: Number(r.seq), at: Number(r.at) };
};

function assertBroken(report: ChainReport, kind: string, seq: number, id: number | null): void {
  assert.equal(report.ok, false, 'verify should find the chain broken');
  if (report.ok) return;
  assert.deepEqual({ kind: report.break.kind, seq: report.break.seq, id: report.break.id }, { kind, seq, id }, report.break.message);
}

for (const kind of bothDatabases) {
  describe(`audit chain (${kind})`, () => {
    /** A fresh store with 10 events; `done` drops it. */
    const tenEvents = async () => {
      const t = await openTestStore(kind);
      await fill(t.store, 10);
      assert.equal((await verifyAuditChain(t.store)).ok, true);
      return t;
    };

    it('a fresh log verifies: no events, head at seq 0', async () => {
      const { store, done } = await openTestStore(kind);
      try {
        assert.deepEqual(await verifyAuditChain(store), { ok: true, count: 0, head: { seq: 0, hash: GENESIS_HASH } });
      } finally { await done(); }
    });

    it('recordAudit: typed events chained in order, ip and request id from the request, the clock from the context', async () => {
      const { store, done } = await openTestStore(kind);
      try {
        const ctx = { store, now: () => new Date(1_700_000_000_000) };
        const first = await recordAudit(ctx, { type: 'keys.created', outcome: 'success', detail: { keyId: 'k1', state: 'active' } });
        const second = await recordAudit(ctx, { type: 'logout', outcome: 'success', userId: 'u1', username: 'alice' }, { req: { id: 'req-7', ip: '192.0.2.7' } });
        const third = await recordAudit(store, { type: 'lockout.cleared', outcome: 'success', username: 'bob', ip: '198.51.100.1', at: 5, detail: { by: null } }, { req: { id: 'req-8', ip: '192.0.2.8' } });
        assert.deepEqual([first.seq, second.seq, third.seq], [1, 2, 3]);
        const [c, b, a] = await store.audit.list();
        assert.deepEqual({ ...a, id: 0 }, {
          id: 0, seq: 1, at: 1_700_000_000_000, type: 'keys.created', outcome: 'success', userId: null, username: null, ip: null, factor: null,
          deviceId: null, deviceName: null, reason: null, requestId: null, detail: { keyId: 'k1', state: 'active' }, prevHash: GENESIS_HASH, hash: first.hash,
        });
        assert.deepEqual([b?.ip, b?.requestId, b?.prevHash, b?.hash, b?.detail], ['192.0.2.7', 'req-7', first.hash, second.hash, {}]);
        assert.deepEqual([c?.ip, c?.requestId, c?.at, c?.detail], ['198.51.100.1', 'req-8', 5, { by: null }], 'the event’s own ip and at win over the request and the clock');
        assert.deepEqual(await verifyAuditChain(store), { ok: true, count: 3, head: { seq: 3, hash: third.hash } });
        assert.deepEqual(await store.audit.head(), { seq: 3, hash: third.hash });
      } finally { await done(); }
    });

    it('verify names the changed event (content edited in place)', async () => {
      const { store, url, done } = await tenEvents();
      try {
        const target = await rowAt(url, 5);
        await rawSql(url, "update audit_events set username = 'mallory' where seq = 5");
        const report = await verifyAuditChain(store);
        assertBroken(report, 'changed', 5, target.id);
        assert.equal(report.count, 4);
        if (!report.ok) assert.match(report.break.message, /seq 5 \(id \d+\) was changed/);
      } finally { await done(); }
    });

    it('verify names the changed event when its hash was recomputed too', async () => {
      const { store, url, done } = await tenEvents();
      try {
        const target = await rowAt(url, 5);
        const forged = { ...target, outcome: 'success', username: 'mallory' };
        await rawSql(url, "update audit_events set username = 'mallory', outcome = 'success', hash = $1 where seq = 5", [auditHash(forged, forged.prev_hash)]);
        assertBroken(await verifyAuditChain(store), 'changed', 5, target.id);
      } finally { await done(); }
    });

    it('verify names the deleted event (a gap in the chain)', async () => {
      const { store, url, done } = await tenEvents();
      try {
        const after = await rowAt(url, 6);
        await rawSql(url, 'delete from audit_events where seq = 5');
        const report = await verifyAuditChain(store);
        assertBroken(report, 'deleted', 5, after.id);
        if (!report.ok) assert.match(report.break.message, /^seq 5 deleted: seq 6 \(id \d+\) follows seq 4$/);
      } finally { await done(); }
    });

    it('verify names the deleted newest events (the chain ends before its head)', async () => {
      const { store, url, done } = await tenEvents();
      try {
        await rawSql(url, 'delete from audit_events where seq >= 9');
        const report = await verifyAuditChain(store);
        assertBroken(report, 'deleted', 9, null);
        if (!report.ok) assert.match(report.break.message, /^seq 9–10 deleted/);
      } finally { await done(); }
    });

    it('verify names the inserted event, at the end and in the middle (later events renumbered)', async () => {
      const { store, url, done } = await tenEvents();
      try {
        const last = await rowAt(url, 10);
        await rawSql(url, "insert into audit_events (seq, at, type, outcome, username, detail, prev_hash, hash) values (11, 1, 'login.password', 'success', 'mallory', '{}', $1, $2)", [last.hash, 'f'.repeat(64)]);
        const [inserted] = await rawSql<{ id: number }>(url, 'select id from audit_events where seq = 11');
        assertBroken(await verifyAuditChain(store), 'inserted', 11, Number(inserted!.id));

        // A well-formed hash does not help: the head does not know the event.
        const row = { ...(await rowAt(url, 11)) };
        await rawSql(url, 'update audit_events set hash = $1 where seq = 11', [auditHash(row, row.prev_hash)]);
        assertBroken(await verifyAuditChain(store), 'inserted', 11, Number(inserted!.id));
        await rawSql(url, 'delete from audit_events where seq = 11');
        assert.equal((await verifyAuditChain(store)).ok, true);

        const fourth = await rowAt(url, 4);
        await rawSql(url, 'update audit_events set seq = -seq where seq >= 5');
        await rawSql(url, 'update audit_events set seq = 1 - seq where seq < 0');
        await rawSql(url, 'update audit_chain_head set seq = 11');
        await rawSql(url, "insert into audit_events (seq, at, type, outcome, username, detail, prev_hash, hash) values (5, 1, 'login.password', 'success', 'mallory', '{}', $1, $2)", [fourth.hash, 'e'.repeat(64)]);
        const middle = await rowAt(url, 5);
        const report = await verifyAuditChain(store);
        assertBroken(report, 'inserted', 5, middle.id);
        if (!report.ok) assert.match(report.break.message, /seq 5 \(id \d+\) was inserted/);
      } finally { await done(); }
    });

    it('verify reports a removed chain head', async () => {
      const { store, url, done } = await tenEvents();
      try {
        await rawSql(url, 'delete from audit_chain_head');
        assertBroken(await verifyAuditChain(store), 'head-missing', 0, null);
        await assert.rejects(recordAudit(store, { type: 'logout', outcome: 'success', username: 'alice' }), /audit chain head row is missing/);
      } finally { await done(); }
    });

    it('verify reads in batches: a chain longer than a batch verifies, a break in a later batch is found', async () => {
      const { store, url, done } = await openTestStore(kind);
      try {
        await fill(store, 25);
        assert.deepEqual((await verifyAuditChain(store, { batchSize: 4 })).ok, true);
        assert.equal((await verifyAuditChain(store, { batchSize: 4 })).count, 25);
        const target = await rowAt(url, 17);
        await rawSql(url, "update audit_events set detail = '{\"purpose\":\"other\"}' where seq = 17");
        assertBroken(await verifyAuditChain(store, { batchSize: 4 }), 'changed', 17, target.id);
      } finally { await done(); }
    });

    it('200 concurrent appends leave one unbroken chain with seq 1–200', async () => {
      const { store, url, done } = await openTestStore(kind);
      try {
        const links = await Promise.all(Array.from({ length: 200 }, (_, i) =>
          recordAudit(store, { type: 'login.mfa', outcome: 'success', username: `user${i}`, factor: 'totp', detail: { purpose: 'login', step: i } })));
        assert.deepEqual(links.map((l) => l.seq).sort((a, b) => a - b), Array.from({ length: 200 }, (_, i) => i + 1));
        assert.deepEqual(await verifyAuditChain(store), { ok: true, count: 200, head: { seq: 200, hash: links.find((l) => l.seq === 200)!.hash } });
        const [n] = await rawSql<{ n: number }>(url, 'select count(*) as n from audit_events');
        assert.equal(Number(n!.n), 200);
      } finally { await done(); }
    });

    it('verify while events are being appended finds no break (it reads the head again before judging the end)', async () => {
      const { store, done } = await openTestStore(kind);
      try {
        await fill(store, 30);
        const appends = Promise.all(Array.from({ length: 150 }, (_, i) =>
          recordAudit(store, { type: 'logout', outcome: 'success', username: `busy${i}` })));
        const reports = await Promise.all(Array.from({ length: 6 }, () => verifyAuditChain(store, { batchSize: 7 })));
        await appends;
        for (const r of reports) assert.equal(r.ok, true, JSON.stringify(r));
        assert.deepEqual(await verifyAuditChain(store), { ok: true, count: 180, head: (await store.audit.head())! });
      } finally { await done(); }
    });

    it('several processes appending at once leave one unbroken chain', async () => {
      const { store, url, done } = await openTestStore(kind);
      try {
        const child = () => runProcess(process.execPath, ['--import', 'tsx', 'test/integration/audit/appendEvents.ts', url, '40'], { cwd: root, env: process.env });
        const [results] = await Promise.all([Promise.all([child(), child(), child()]), fill(store, 40)]);
        for (const r of results) assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(await verifyAuditChain(store), { ok: true, count: 160, head: (await store.audit.head())! });
        assert.equal((await store.audit.head())?.seq, 160);
      } finally { await done(); }
    });

    it('transactions compose: nested Store.transaction, replaceRecoveryCodes and audit appends join the outer one and roll back with it', async () => {
      const { store, done } = await openTestStore(kind);
      try {
        await store.users.create({ id: 'u1', username: 'alice' }, 1);
        await store.devices.replaceRecoveryCodes('u1', [{ id: 'r0', hash: 'h0' }], 1);
        await assert.rejects(store.transaction(async (tx) => {
          assert.equal(tx.inTransaction, true);
          await tx.transaction(async (inner) => {
            assert.equal(inner, tx, 'the nested call gets the same transaction');
            await inner.devices.replaceRecoveryCodes('u1', [{ id: 'r1', hash: 'h1' }, { id: 'r2', hash: 'h2' }], 2);
            await recordAudit(inner, { type: 'recovery.regenerated', outcome: 'success', userId: 'u1', username: 'alice', detail: { count: 2 } });
          });
          assert.equal(await tx.devices.remainingRecoveryCodes('u1'), 2, 'the outer transaction sees the inner writes');
          assert.equal((await tx.audit.head())?.seq, 1);
          throw new Error('abort');
        }), /abort/);
        assert.equal(await store.devices.remainingRecoveryCodes('u1'), 1, 'the recovery codes rolled back with the outer transaction');
        assert.equal((await store.audit.list()).length, 0, 'the event rolled back with the change it recorded');
        assert.deepEqual(await store.audit.head(), { seq: 0, hash: GENESIS_HASH });

        await store.transaction(async (tx) => {
          await tx.devices.replaceRecoveryCodes('u1', [{ id: 'r3', hash: 'h3' }, { id: 'r4', hash: 'h4' }, { id: 'r5', hash: 'h5' }], 3);
          await recordAudit(tx, { type: 'recovery.regenerated', outcome: 'success', userId: 'u1', username: 'alice', detail: { count: 3 } });
        });
        assert.equal(await store.devices.remainingRecoveryCodes('u1'), 3);
        await fill(store, 2);
        assert.deepEqual((await store.audit.list()).map((e) => e.seq), [3, 2, 1], 'no gap where the rolled-back event was');
        assert.equal((await verifyAuditChain(store)).ok, true);
      } finally { await done(); }
    });
  });

  describe(`migration 003_audit_chain (${kind})`, () => {
    let tdb: TestDatabase;
    before(async () => { tdb = await createTestDatabase(kind); });
    after(async () => { await tdb.drop(); });

    it('chains the events written before it, in id order, and appending goes on from there', async () => {
      const d = createDatabase(tdb.url);
      const migrations: Record<string, Migration> = { '001_initial': { up: (db) => m001.up(db, d.dialect) } };
      const migrator = new Migrator({ db: d.db, provider: { getMigrations: async () => migrations }, migrationTableName: 'gatehouse_migrations', migrationLockTableName: 'gatehouse_migrations_lock' });
      const { error } = await migrator.migrateToLatest();
      await d.db.destroy();
      assert.equal(error, undefined);
      for (let i = 1; i <= 7; i++) {
        await rawSql(tdb.url, "insert into audit_events (at, type, outcome, username, detail) values ($1, 'login.password', 'success', $2, $3)", [1000 + i, `old${i}`, JSON.stringify({ i })]);
      }
      await rawSql(tdb.url, 'delete from audit_events where username = $1', ['old7']);

      const store = await openStore(tdb.url);
      try {
        const report = await verifyAuditChain(store);
        assert.equal(report.ok, true, JSON.stringify(report));
        assert.equal(report.count, 6);
        const events = (await store.audit.list()).reverse();
        assert.deepEqual(events.map((e) => [e.seq, e.id, e.username]), [1, 2, 3, 4, 5, 6].map((n) => [n, n, `old${n}`]));
        await fill(store, 1, 100);
        const [newest] = await store.audit.list({ limit: 1 });
        assert.deepEqual([newest?.seq, newest?.username], [7, 'user100']);
        assert.ok(newest!.id > 7, `ids keep growing past the deleted one (got ${newest!.id})`);
        assert.equal((await verifyAuditChain(store)).ok, true);
      } finally { await store.close(); }
    });
  });
}
