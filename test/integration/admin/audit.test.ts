/**
 * The audit log through the admin API, on both databases, over events of several types, people, devices, accounts
 * and roles: each filter (person — by username or the person's id —, device, account by id or alias, role, type,
 * time from/to in the admin's time zone) returns exactly the events it should, including events whose detail only
 * mentions an account or a role in passing (they must not match); paging with the `before` cursor returns every
 * match once, also when a page's scan budget cuts it short; one event with its place in the hash chain (a changed
 * event shows); the CSV and JSON Lines exports of the filtered view hold the same events, CSV safe for
 * spreadsheets and reversible; validation errors name the field; unknown seq is not_found.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { bothDatabases } from '../../helpers/databases.js';
import { makeAdminToken, signInAdmin, withToken, type SignedInAdmin } from '../../helpers/admin.js';
import { createTestUser } from '../../helpers/users.js';
import { runProcess } from '../../helpers/runProcess.js';
import { rawSql } from '../../helpers/rawSql.js';
import { recordAudit } from '../../../src/audit/recordAudit.js';
import { searchAuditEvents } from '../../../src/audit/searchAuditEvents.js';
import { parseDirectoryFile } from '../../../src/directory/directoryFile.js';
import { importDirectory } from '../../../src/directory/applyImport.js';
import type { ChainLink } from '../../../src/store/repositories/audit.js';

const PROD = '111122223333';
const STAGING = '444455556666';
const arn = (account: string, role: string) => `arn:aws:iam::${account}:role/${role},arn:aws:iam::${account}:saml-provider/Gatehouse`;
/** 2020-01-15 12:00 UTC = 07:00 in New York (EST, UTC−5): long before the app's own events. */
const T0 = Date.UTC(2020, 0, 15, 12, 0, 0);
const MIN = 60_000;
const HOUR = 60 * MIN;
const hostile = { username: '=HYPERLINK("http://evil.example","x")', reason: '-2+3', deviceName: '@SUM(A1)', ip: "'quoted", requestId: '\tTAB' };

type Seeded = Record<string, number>;

for (const db of bothDatabases) {
  describe(`audit log API (${db})`, () => {
    let t: TestApp;
    let admin: SignedInAdmin;
    let readToken: string;
    let aliceId: string;
    const seq: Seeded = {};
    const code = (res: { body: { error?: { code?: string } } }) => res.body.error?.code;
    const api = (query: string) => withToken(t, readToken).get(`/api/v1/admin/audit?limit=500&${query}`);
    const seqsOf = async (query: string): Promise<number[]> => {
      const res = await api(query);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.nextBefore, null);
      return res.body.items.map((e: { seq: number }) => e.seq);
    };
    const seeded = (...names: string[]) => names.map((n) => seq[n]!).sort((a, b) => b - a);

    before(async () => {
      t = await startTestApp({ db });
      await importDirectory(t.ctx, parseDirectoryFile(`accounts:\n  - {id: "${PROD}", alias: prod, provider: Gatehouse}\n  - {id: "${STAGING}", alias: staging, provider: Gatehouse}\n`, 'accounts.yaml'), { mode: 'import' });
      aliceId = (await createTestUser(t.ctx, { username: 'alice' })).user.id;
      admin = await signInAdmin(t);
      await t.ctx.store.users.update(admin.person.user.id, { timeZone: 'America/New_York' }, t.clock.now());
      readToken = (await makeAdminToken(admin, 'read')).token;
      const put = (name: string, link: ChainLink) => { seq[name] = link.seq; };
      put('aliceMfa', await recordAudit(t.ctx, { at: T0, type: 'login.mfa', outcome: 'success', username: 'alice', userId: aliceId, factor: 'webauthn', deviceId: 'dev-yubi', deviceName: 'YubiKey 5', detail: { purpose: 'login' } }));
      put('aliceProd', await recordAudit(t.ctx, { at: T0 + MIN, type: 'saml.assertion', outcome: 'success', username: 'alice', userId: aliceId, factor: 'webauthn', deviceId: 'dev-yubi', deviceName: 'YubiKey 5', detail: { sp: 'urn:amazon:webservices', acs: 'https://signin.aws.amazon.com/saml', roles: [arn(PROD, 'Admin'), arn(PROD, 'ReadOnly')] } }));
      put('bobStaging', await recordAudit(t.ctx, { at: T0 + 2 * MIN, type: 'saml.assertion', outcome: 'success', username: 'bob', factor: 'totp', deviceName: 'Pixel', detail: { sp: 'urn:amazon:webservices', acs: 'https://signin.aws.amazon.com/saml', roles: [arn(STAGING, 'Developer')] } }));
      put('aliceLint', await recordAudit(t.ctx, { at: T0 + HOUR, type: 'saml.assertion', outcome: 'failure', reason: 'aws_lint_failed', username: 'alice', userId: aliceId, factor: 'totp', deviceName: 'Pixel', detail: { sp: 'urn:amazon:webservices', acs: 'https://signin.aws.amazon.com/saml', roles: [`${PROD}/ReadOnly`] } }));
      put('mapped', await recordAudit(t.ctx, { at: T0 + 2 * HOUR, type: 'role.mapped', outcome: 'success', detail: { by: 'root', group: 'ops', account: PROD, role: 'Admin', sessionDuration: null, requireFactor: null, sourceIps: [] } }));
      put('accountCreated', await recordAudit(t.ctx, { at: T0 + 3 * HOUR, type: 'account.created', outcome: 'success', detail: { by: 'root', account: STAGING, alias: 'staging' } }));
      // Mentions the prod account id and the word Admin, but names neither as an account or a role: no match.
      put('mentions', await recordAudit(t.ctx, { at: T0 + 4 * HOUR, type: 'saml.assertion', outcome: 'success', username: 'carol', detail: { sp: `https://apps.example.com/${PROD}`, acs: 'https://apps.example.com/Admin', roles: [arn(STAGING, 'AdminReadOnly')] } }));
      put('bobPassword', await recordAudit(t.ctx, { at: T0 + 24 * HOUR, type: 'login.password', outcome: 'failure', reason: 'invalid_credentials', username: 'bob', detail: { purpose: 'login' } }));
      put('aliceTyped', await recordAudit(t.ctx, { at: T0 + 24 * HOUR + MIN, type: 'login.password', outcome: 'failure', reason: 'invalid_credentials', username: 'ALICE', userId: aliceId, detail: { purpose: 'login' } }));
      put('hostile', await recordAudit(t.ctx, { at: T0 + 25 * HOUR, type: 'login.password', outcome: 'failure', ...hostile, factor: 'totp', detail: { purpose: 'login' } }));
      // An admin change made with root's security key: the device is the admin's, in the detail (byDevice, byDeviceId).
      put('taggedWithKey', await recordAudit(t.ctx, { at: T0 + 26 * HOUR, type: 'group.tags_changed', outcome: 'success', detail: { by: 'root', via: 'console', byFactor: 'webauthn', byDeviceId: 'dev-root', byDevice: 'Root key', group: 'ops', key: 'CostCenter', value: '42' } }));
      put('namedLikeKey', await recordAudit(t.ctx, { at: T0 + 26 * HOUR + MIN, type: 'group.created', outcome: 'success', detail: { by: 'root', via: 'cli', group: 'Root key', after: { name: 'Root key' } } }));
    });
    after(async () => { await t.close(); });

    it('person: by username, and by the person\'s id whatever name was typed', async () => {
      assert.deepEqual(await seqsOf('person=alice'), seeded('aliceMfa', 'aliceProd', 'aliceLint', 'aliceTyped'));
      assert.deepEqual(await seqsOf('person=bob'), seeded('bobStaging', 'bobPassword'));
      assert.deepEqual(await seqsOf('person=nobody'), []);
    });

    it('device: by name or by id', async () => {
      assert.deepEqual(await seqsOf('device=YubiKey%205'), seeded('aliceMfa', 'aliceProd'));
      assert.deepEqual(await seqsOf('device=dev-yubi'), seeded('aliceMfa', 'aliceProd'));
      assert.deepEqual(await seqsOf('device=Pixel'), seeded('bobStaging', 'aliceLint'));
      // An admin change is found by the device the admin signed in with; a detail that only mentions the name is not.
      assert.deepEqual(await seqsOf('device=Root%20key'), seeded('taggedWithKey'));
      assert.deepEqual(await seqsOf('device=dev-root'), seeded('taggedWithKey'));
      assert.deepEqual(await seqsOf('device=root%20key'), seeded());
    });

    it('account: by id or alias, in role ARNs, mappings and account changes; a mere mention does not match', async () => {
      assert.deepEqual(await seqsOf(`account=${PROD}`), seeded('aliceProd', 'aliceLint', 'mapped'));
      assert.deepEqual(await seqsOf('account=prod'), seeded('aliceProd', 'aliceLint', 'mapped'));
      assert.deepEqual(await seqsOf('account=PROD'), seeded('aliceProd', 'aliceLint', 'mapped'));
      assert.deepEqual(await seqsOf('account=staging'), seeded('bobStaging', 'accountCreated', 'mentions'));
      assert.deepEqual(await seqsOf(`account=${STAGING}`), seeded('bobStaging', 'accountCreated', 'mentions'));
      assert.deepEqual(await seqsOf('account=999999999999'), []);
    });

    it('role: by name, exactly (Admin is not AdminReadOnly)', async () => {
      assert.deepEqual(await seqsOf('role=Admin'), seeded('aliceProd', 'mapped'));
      assert.deepEqual(await seqsOf('role=ReadOnly'), seeded('aliceProd', 'aliceLint'));
      assert.deepEqual(await seqsOf('role=AdminReadOnly'), seeded('mentions'));
    });

    it('type, and filters together', async () => {
      const all = await seqsOf('type=saml.assertion');
      assert.deepEqual(all, seeded('aliceProd', 'bobStaging', 'aliceLint', 'mentions'));
      assert.deepEqual(await seqsOf('type=saml.assertion&person=alice&account=prod&role=ReadOnly&device=Pixel'), seeded('aliceLint'));
      assert.deepEqual(await seqsOf('type=login.password&person=bob'), seeded('bobPassword'));
    });

    it('time from (inclusive) and to (exclusive), read in the admin\'s time zone (New York), or with an offset', async () => {
      // 08:00 in New York on 2020-01-15 is 13:00 UTC = T0 + 1 h; midnight in New York is 05:00 UTC on the 16th.
      assert.deepEqual(await seqsOf('from=2020-01-15T08:00&to=2020-01-16'), seeded('aliceLint', 'mapped', 'accountCreated', 'mentions'));
      assert.deepEqual(await seqsOf('from=2020-01-15T13:00:00Z&to=2020-01-15T16:00:00%2B01:00'), seeded('aliceLint', 'mapped'));
      assert.deepEqual(await seqsOf('to=2020-01-15T07:01'), seeded('aliceMfa'));
      assert.deepEqual(await seqsOf('from=2020-01-16&to=2020-01-17&person=alice'), seeded('aliceTyped'));
    });

    it('paging with the before cursor returns every match once, newest first', async () => {
      const expected = await seqsOf('');
      assert.ok(expected.length >= 10);
      const got: number[] = [];
      let before: number | null | undefined;
      for (let pages = 0; before !== null; pages++) {
        assert.ok(pages < 100);
        const res = await withToken(t, readToken).get(`/api/v1/admin/audit?limit=3${before ? `&before=${before}` : ''}`).expect(200);
        assert.ok(res.body.items.length <= 3);
        got.push(...res.body.items.map((e: { seq: number }) => e.seq));
        before = res.body.nextBefore;
      }
      assert.deepEqual(got, expected);
    });

    it('a page cut short by its scan budget still leads to every match', async () => {
      const got: number[] = [];
      let before: number | undefined;
      let short = 0;
      for (;;) {
        const page = await searchAuditEvents(t.ctx.store, { account: 'staging' }, { limit: 2, before, scanBudget: 1 });
        if (page.items.length < 2 && page.nextBefore !== null) short++;
        got.push(...page.items.map((r) => r.seq));
        if (page.nextBefore === null) break;
        before = page.nextBefore;
      }
      assert.deepEqual(got, seeded('bobStaging', 'accountCreated', 'mentions'));
      assert.ok(short > 0, 'some page was cut short by the budget');
    });

    it('one event: all fields and its place in the hash chain; a changed event shows', async () => {
      const res = await withToken(t, readToken).get(`/api/v1/admin/audit/${seq.aliceProd}`).expect(200);
      assert.deepEqual([res.body.event.seq, res.body.event.type, res.body.event.username, res.body.event.deviceName], [seq.aliceProd, 'saml.assertion', 'alice', 'YubiKey 5']);
      assert.deepEqual(res.body.event.detail.roles, [arn(PROD, 'Admin'), arn(PROD, 'ReadOnly')]);
      assert.equal(res.body.event.at, new Date(T0 + MIN).toISOString());
      assert.deepEqual(res.body.chain, { contentMatches: true, linksToPrevious: true, headSeq: (await t.ctx.store.audit.head())!.seq });
      const previous = await withToken(t, readToken).get(`/api/v1/admin/audit/${seq.aliceProd! - 1}`).expect(200);
      assert.equal(res.body.event.prevHash, previous.body.event.hash);
      assert.equal(code(await withToken(t, readToken).get('/api/v1/admin/audit/99999999').expect(404)), 'not_found');
    });

    it('export: JSON Lines and CSV of the filtered view, oldest first; CSV is spreadsheet-safe and reversible', async () => {
      const expected = (await seqsOf('type=login.password')).reverse();
      const jsonl = await withToken(t, readToken).get('/api/v1/admin/audit/export?type=login.password').expect(200);
      assert.match(String(jsonl.headers['content-type']), /^application\/x-ndjson/);
      assert.match(String(jsonl.headers['content-disposition']), /attachment; filename="gatehouse-audit-\d{4}-\d{2}-\d{2}\.jsonl"/);
      const lines = jsonl.text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      assert.deepEqual(lines.map((l) => l.seq), expected);
      const hostileLine = lines.find((l) => l.seq === seq.hostile)!;
      assert.deepEqual([hostileLine.username, hostileLine.reason, hostileLine.deviceName, hostileLine.ip, hostileLine.requestId], Object.values(hostile), 'JSON Lines keeps values as stored');

      const csv = await withToken(t, readToken).get('/api/v1/admin/audit/export?format=csv&type=login.password').buffer(true).parse((res, cb) => {
        let s = ''; res.setEncoding('utf8'); res.on('data', (c: string) => { s += c; }); res.on('end', () => cb(null, s));
      }).expect(200);
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
      const py = await runProcess('python3', ['-c', 'import csv, io, json, sys; print(json.dumps(list(csv.DictReader(io.StringIO(sys.stdin.read(), newline="")))))'], { input: csv.body as string });
      assert.equal(py.code, 0, py.stderr);
      const rows = JSON.parse(py.stdout) as Record<string, string>[];
      assert.deepEqual(rows.map((r) => Number(r.seq)), expected);
      const h = rows.find((r) => Number(r.seq) === seq.hostile)!;
      for (const [field, value] of Object.entries(hostile)) {
        assert.equal(h[field], `'${value}`, `${field} is neutralised`);
        assert.equal(h[field]!.slice(1), value, `${field}: removing the leading ' gives the stored value back`);
      }
      assert.equal(h.factor, 'totp');
      assert.deepEqual(JSON.parse(h.detail!), { purpose: 'login' });

      const filtered = await withToken(t, readToken).get('/api/v1/admin/audit/export?account=prod').expect(200);
      assert.deepEqual(filtered.text.trimEnd().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq), seeded('aliceProd', 'aliceLint', 'mapped').reverse());
    });

    it('validation errors name the field', async () => {
      const field = async (query: string, name: string) => {
        const res = await withToken(t, readToken).get(`/api/v1/admin/audit?${query}`).expect(400);
        assert.equal(res.body.error.code, 'validation_failed');
        assert.ok(res.body.error.detail.some((d: { field: string }) => d.field === name), `${query}: ${JSON.stringify(res.body.error.detail)}`);
      };
      await field('type=login.everything', 'type');
      await field('from=yesterday', 'from');
      await field('to=2020-02-30', 'to');
      await field('before=0', 'before');
      await field('limit=501', 'limit');
      await field(`person=${'x'.repeat(129)}`, 'person');
      await field('colour=red', 'query');
      const exp = await withToken(t, readToken).get('/api/v1/admin/audit/export?format=xml').expect(400);
      assert.equal(exp.body.error.detail[0].field, 'format');
      const bad = await withToken(t, readToken).get('/api/v1/admin/audit/abc').expect(400);
      assert.equal(bad.body.error.detail[0].field, 'seq');
    });

    it('an event changed behind Gatehouse\'s back shows as not matching its hash', async () => {
      await rawSql(t.ctx.config.database.url, 'UPDATE audit_events SET detail = $1 WHERE seq = $2', ['{"purpose":"forged"}', seq.bobPassword]);
      const res = await withToken(t, readToken).get(`/api/v1/admin/audit/${seq.bobPassword}`).expect(200);
      assert.equal(res.body.event.detail.purpose, 'forged');
      assert.equal(res.body.chain.contentMatches, false);
      assert.equal(res.body.chain.linksToPrevious, true);
    });
  });
}
