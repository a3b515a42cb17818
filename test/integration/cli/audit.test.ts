// `gatehouse audit verify | export` as a child process (bin/gatehouse.js, the compiled build) on SQLite and PostgreSQL.
// CSV is read back by Python's csv module, an independent RFC 4180 reader.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runProcess, type ProcessResult } from '../../helpers/runProcess.js';
import { gatehouseArgs } from '../../helpers/gatehouseBin.js';
import { bothDatabases, openTestStore } from '../../helpers/databases.js';
import { rawSql } from '../../helpers/rawSql.js';
import { recordAudit } from '../../../src/audit/recordAudit.js';
import { auditExportFields } from '../../../src/audit/exportAuditEvents.js';
import type { Store } from '../../../src/store/store.js';
import type { StoredAuditEvent } from '../../../src/store/repositories/audit.js';

const root = new URL('../../../', import.meta.url).pathname;
const DAY = 86_400_000;
const awkward = 'O"Brien, Jr.\nsecond line, "quoted"\r\nZoë 🚀';

/** What an export line holds for a stored event. */
function exportedForm(e: StoredAuditEvent): Record<string, unknown> {
  return {
    seq: e.seq, id: e.id, at: new Date(e.at).toISOString(), type: e.type, outcome: e.outcome, userId: e.userId, username: e.username, ip: e.ip,
    factor: e.factor, deviceId: e.deviceId, deviceName: e.deviceName, reason: e.reason, requestId: e.requestId, detail: e.detail, prevHash: e.prevHash, hash: e.hash,
  };
}

/** The same as CSV text fields: numbers as text, null empty, detail as JSON text. */
const csvForm = (e: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)]));

for (const kind of bothDatabases) {
  describe(`gatehouse audit (${kind})`, () => {
    let dir: string;
    let store: Store;
    let url: string;
    let done: () => Promise<void>;
    let env: NodeJS.ProcessEnv;
    const gatehouse = (args: string[]): Promise<ProcessResult> => runProcess(process.execPath, gatehouseArgs(args), { cwd: root, env });

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'gatehouse-audit-cli-'));
      ({ store, url, done } = await openTestStore(kind));
      env = { PATH: process.env.PATH, HOME: dir, GATEHOUSE_DATABASE_URL: url, GATEHOUSE_SECRET_KEY: randomBytes(32).toString('base64') };
      const now = Date.now();
      await recordAudit(store, { type: 'keys.created', outcome: 'success', at: now - 3 * DAY, detail: { keyId: 'k-old', state: 'active' } });
      await recordAudit(store, { type: 'user.created', outcome: 'success', username: awkward, userId: 'u1', detail: { by: 'cli:a,b', groups: ['a,b', 'c"d', 'e\nf'] } });
      await recordAudit(store, { type: 'login.mfa', outcome: 'failure', username: 'alice', factor: 'totp', deviceId: 'd1', deviceName: 'phone, "work"', reason: 'wrong_code', detail: { purpose: 'login' } }, { req: { id: 'req-1', ip: '2001:db8::1' } });
      await recordAudit(store, { type: 'logout', outcome: 'success', username: 'alice' });
    });
    after(async () => {
      await done();
      rmSync(dir, { recursive: true, force: true });
    });

    it('verify: OK with the count and the head, exit 0; --json', async () => {
      const head = (await store.audit.head())!;
      const [text, json] = await Promise.all([gatehouse(['audit', 'verify']), gatehouse(['audit', 'verify', '--json'])]);
      assert.equal(text.code, 0, text.stderr);
      assert.equal(text.stdout, `audit log OK: 4 event(s), chain head seq 4 hash ${head.hash}\n`);
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(JSON.parse(json.stdout), { ok: true, count: 4, head });
    });

    it('export jsonl and csv: every field round-trips (CSV quoting of commas, quotes and line breaks); --since filters; -o is 0600', async () => {
      const events = (await store.audit.list()).reverse();
      const expected = events.map(exportedForm);
      const file = join(dir, 'audit.csv');
      const [jsonl, csv] = await Promise.all([gatehouse(['audit', 'export']), gatehouse(['audit', 'export', '--format', 'csv', '-o', file])]);
      assert.equal(jsonl.code, 0, jsonl.stderr);
      const lines = jsonl.stdout.split('\n');
      assert.equal(lines.pop(), '', 'JSON Lines end with a newline');
      assert.deepEqual(lines.map((l) => JSON.parse(l) as unknown), expected);
      assert.equal(lines[1]!.includes('\n'), false);

      assert.equal(csv.code, 0, csv.stderr);
      assert.equal(csv.stdout, '');
      assert.equal(statSync(file).mode & 0o077, 0);
      const py = await runProcess('python3', ['-c', [
        'import csv, json, sys',
        "f = open(sys.argv[1], newline='', encoding='utf-8')",
        'r = csv.reader(f)',
        'header = next(r)',
        'print(json.dumps({"header": header, "rows": [dict(zip(header, row)) for row in r]}))',
      ].join('\n'), file]);
      assert.equal(py.code, 0, py.stderr);
      const parsed = JSON.parse(py.stdout) as { header: string[]; rows: Record<string, string>[] };
      assert.deepEqual(parsed.header, [...auditExportFields]);
      assert.deepEqual(parsed.rows, expected.map(csvForm));
      assert.equal(parsed.rows[1]?.username, awkward);

      const [recent, iso] = await Promise.all([
        gatehouse(['audit', 'export', '--since', '1d']),
        gatehouse(['audit', 'export', '--format', 'csv', '--since', new Date(events[1]!.at).toISOString()]),
      ]);
      assert.equal(recent.code, 0, recent.stderr);
      assert.deepEqual(recent.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq), [2, 3, 4]);
      assert.equal(iso.code, 0, iso.stderr);
      assert.equal(iso.stdout.startsWith(auditExportFields.join(',') + '\r\n2,'), true, iso.stdout);
    });

    it('export refuses a bad --since or --format with exit 1 and one line', async () => {
      const [since, format] = await Promise.all([gatehouse(['audit', 'export', '--since', 'yesterday']), gatehouse(['audit', 'export', '--format', 'xml'])]);
      assert.equal(since.code, 1);
      assert.match(since.stderr, /^gatehouse: --since "yesterday": expected a duration/);
      assert.equal(format.code, 1);
      assert.match(format.stderr, /xml/);
    });

    it('verify names the changed, the deleted and the inserted event with exit 2', async () => {
      const rows = await rawSql<{ id: number; seq: number; username: string | null }>(url, 'select id, seq, username from audit_events order by seq');
      const id = (seq: number): number => Number(rows.find((r) => Number(r.seq) === seq)!.id);

      await rawSql(url, "update audit_events set username = 'mallory' where seq = 3");
      let r = await gatehouse(['audit', 'verify']);
      assert.equal(r.code, 2, r.stderr);
      assert.equal(r.stdout, `audit log BROKEN at seq 3 (changed): seq 3 (id ${id(3)}) was changed after it was written: its content no longer matches its hash\n2 event(s) before it verified\n`);
      await rawSql(url, "update audit_events set username = 'alice' where seq = 3");
      assert.equal((await gatehouse(['audit', 'verify'])).code, 0, 'restoring the row mends the chain');

      const [saved] = await rawSql<Record<string, unknown>>(url, 'select * from audit_events where seq = 2');
      await rawSql(url, 'delete from audit_events where seq = 2');
      r = await gatehouse(['audit', 'verify', '--json']);
      assert.equal(r.code, 2, r.stderr);
      assert.deepEqual((JSON.parse(r.stdout) as { break: unknown }).break, { kind: 'deleted', seq: 2, id: id(3), message: `seq 2 deleted: seq 3 (id ${id(3)}) follows seq 1` });
      const cols = Object.keys(saved!);
      await rawSql(url, `insert into audit_events (${cols.join(', ')}) values (${cols.map((_, i) => `$${i + 1}`).join(', ')})`, cols.map((c) => saved![c]));

      const last = (await store.audit.head())!;
      await rawSql(url, "insert into audit_events (seq, at, type, outcome, username, detail, prev_hash, hash) values (5, 0, 'logout', 'success', 'mallory', '{}', $1, $2)", [last.hash, '0'.repeat(64)]);
      const [ins] = await rawSql<{ id: number }>(url, 'select id from audit_events where seq = 5');
      r = await gatehouse(['audit', 'verify']);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stdout, new RegExp(`^audit log BROKEN at seq 5 \\(inserted\\): seq 5 \\(id ${Number(ins!.id)}\\) was inserted`));
    });
  });
}
