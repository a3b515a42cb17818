/**
 * Directory as code through the admin API, on both databases: POST /api/v1/admin/directory/plan returns exactly
 * what `gatehouse apply FILE --plan --json` prints for the same file and database (the real CLI as a child
 * process), warnings included; /apply is a sensitive write (a read token and a stale session are refused), applies
 * everything in one transaction and records one directory.import event with by and via; a broken file is
 * directory_invalid with its line; a missing or oversized file is refused naming the field, an oversized body is 413.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { bothDatabases } from '../../helpers/databases.js';
import { apiSessionChange, makeAdminToken, signInAdmin, withToken, type SignedInAdmin } from '../../helpers/admin.js';
import { runProcess } from '../../helpers/runProcess.js';
import { gatehouseArgs } from '../../helpers/gatehouseBin.js';

const root = new URL('../../../', import.meta.url).pathname;

const directoryFile = `accounts:
  - {id: "111122223333", alias: prod, provider: Gatehouse}
groups:
  - name: gatehouse-admins
  - name: ops
    tags: {Team: ops}
    roles:
      - {account: prod, role: Admin, session_duration: 3600}
      - {account: prod, role: ReadOnly}
users:
  - username: root
    groups: [gatehouse-admins]
  - username: alice
    email: alice@example.com
    password: "correct horse battery staple"
    groups: [ops]
`;

for (const db of bothDatabases) {
  describe(`directory as code through the API (${db})`, () => {
    let t: TestApp;
    let admin: SignedInAdmin;
    let readToken: string;
    let writeToken: { token: string; id: string };
    let dir: string;
    let file: string;
    const code = (res: { body: { error?: { code?: string } } }) => res.body.error?.code;
    const cliPlan = async () => {
      const r = await runProcess(process.execPath, gatehouseArgs(['apply', file, '--plan', '--json']), {
        cwd: root, env: { PATH: process.env.PATH, HOME: dir, GATEHOUSE_DATABASE_URL: t.ctx.config.database.url, GATEHOUSE_SECRET_KEY: t.ctx.config.secrets.key! },
      });
      assert.equal(r.code, 0, r.stderr);
      return { report: JSON.parse(r.stdout) as Record<string, unknown>, warnings: r.stderr.trim().split('\n').filter(Boolean) };
    };

    before(async () => {
      t = await startTestApp({ db });
      admin = await signInAdmin(t);
      readToken = (await makeAdminToken(admin, 'read')).token;
      writeToken = await makeAdminToken(admin, 'write');
      dir = mkdtempSync(join(tmpdir(), 'gatehouse-dir-api-'));
      file = join(dir, 'directory.yaml');
      writeFileSync(file, directoryFile);
    });
    after(async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('plan: the same plan as `gatehouse apply --plan --json`, and nothing is written', async () => {
      const before = (await t.ctx.store.audit.head())!.seq;
      const res = await withToken(t, readToken).post('/api/v1/admin/directory/plan').send({ file: directoryFile, name: file }).expect(200);
      const { warnings, ...report } = res.body as { warnings: string[]; changes: string[]; applied: boolean };
      const cli = await cliPlan();
      assert.deepEqual(report, cli.report);
      assert.deepEqual(warnings, cli.warnings);
      assert.equal(report.applied, false);
      assert.ok(report.changes.includes('+ group ops'), JSON.stringify(report.changes));
      assert.ok(report.changes.includes('+ user alice'), JSON.stringify(report.changes));
      assert.ok(report.changes.includes('+ role prod/Admin for ops'), JSON.stringify(report.changes));
      assert.match(warnings[0] ?? '', new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: `));
      assert.equal(await t.ctx.store.groups.findByName('ops'), undefined);
      assert.equal((await t.ctx.store.audit.head())!.seq, before, 'a plan records nothing');
    });

    it('apply: a read token is refused; a stale session must re-authenticate', async () => {
      assert.equal(code(await withToken(t, readToken).post('/api/v1/admin/directory/apply').send({ file: directoryFile }).expect(403)), 'forbidden');
      t.clock.advance((t.ctx.config.admin.reauthSeconds + 60) * 1000);
      try {
        const res = await admin.agent.post('/api/v1/admin/directory/apply').set('x-csrf-token', admin.csrf).send({ file: directoryFile }).expect(403);
        assert.equal(code(res), 'reauth_required');
      } finally {
        t.clock.advance(-(t.ctx.config.admin.reauthSeconds + 60) * 1000);
      }
      assert.equal(await t.ctx.store.groups.findByName('ops'), undefined);
    });

    it('apply: writes the plan in one go, one directory.import event with by and via; then the CLI plans nothing', async () => {
      const plan = (await withToken(t, readToken).post('/api/v1/admin/directory/plan').send({ file: directoryFile, name: 'people.yaml' }).expect(200)).body;
      const res = await withToken(t, writeToken.token).post('/api/v1/admin/directory/apply').send({ file: directoryFile, name: 'people.yaml' }).expect(200);
      assert.equal(res.body.applied, true);
      assert.deepEqual(res.body.changes, plan.changes);
      const ops = await t.ctx.store.groups.findByName('ops');
      assert.deepEqual(ops?.tags, { Team: 'ops' });
      assert.equal((await t.ctx.store.accounts.listMappings()).length, 2);
      const ev = (await t.ctx.store.audit.list({ limit: 1 }))[0]!;
      assert.equal(ev.type, 'directory.import');
      assert.deepEqual([ev.detail.file, ev.detail.mode, ev.detail.by, ev.detail.via, ev.detail.changes], ['people.yaml', 'apply', 'root', `api-token:${writeToken.id}`, plan.changes.length]);
      assert.deepEqual(ev.detail.counts, plan.counts);
      assert.equal((await t.ctx.store.users.findByUsername('root'))?.status, 'active', 'the file keeps its admin');
      assert.deepEqual((await cliPlan()).report.changes, []);
      const again = await admin.agent.post('/api/v1/admin/directory/apply').set('x-csrf-token', admin.csrf).send({ file: directoryFile }).expect(200);
      assert.deepEqual([again.body.applied, again.body.changes], [false, []]);
    });

    it('a broken file: directory_invalid naming the line; nothing changes', async () => {
      const broken = directoryFile.replace('role: ReadOnly', 'role: "Read Only!"').replace('alias: prod,', 'alias: prod, colour: red,');
      const res = await withToken(t, writeToken.token).post('/api/v1/admin/directory/apply').send({ file: broken, name: 'broken.yaml' }).expect(400);
      assert.equal(code(res), 'directory_invalid');
      assert.match(res.body.error.message, /^broken\.yaml:2: unknown field "colour"/m);
      assert.match(res.body.error.message, /^broken\.yaml:9: role: must be an IAM role name/m);
      assert.equal((await t.ctx.store.accounts.listMappings()).length, 2);
    });

    it('a file that would take the applying admin out of administration is refused, plan and apply; nothing changes', async () => {
      const disabled = directoryFile.replace('  - username: root\n    groups: [gatehouse-admins]\n', '  - username: root\n    status: disabled\n    groups: [gatehouse-admins]\n');
      const notAdmin = directoryFile.replace('  - username: root\n    groups: [gatehouse-admins]\n', '  - username: root\n    groups: [ops]\n');
      const leftOut = directoryFile.replace('  - username: root\n    groups: [gatehouse-admins]\n', '');
      assert.notEqual(disabled, directoryFile);
      assert.notEqual(notAdmin, directoryFile);
      const before = (await t.ctx.store.audit.head())!.seq;
      for (const [file, line] of [[disabled, '~ user root'], [notAdmin, '- member root'], [leftOut, 'root']] as const) {
        for (const route of ['plan', 'apply'] as const) {
          const res = await admin.agent.post(`/api/v1/admin/directory/${route}`).set('x-csrf-token', admin.csrf).send({ file }).expect(409);
          assert.equal(code(res), 'conflict');
          assert.match(res.body.error.message, /would take you out of administration/);
          assert.ok(res.body.error.message.includes(line), res.body.error.message);
        }
      }
      // A token acts for its creator, root: the same refusal.
      assert.equal(code(await withToken(t, writeToken.token).post('/api/v1/admin/directory/apply').send({ file: notAdmin }).expect(409)), 'conflict');
      assert.equal((await t.ctx.store.audit.head())!.seq, before);
      const rootNow = (await t.ctx.store.users.findByUsername('root'))!;
      assert.equal(rootNow.status, 'active');
      assert.deepEqual((await t.ctx.store.groups.groupsOf(rootNow.id)).map((g) => g.name), ['gatehouse-admins']);
    });

    it('applied through an admin session: the event names the factor and device the admin signed in with', async () => {
      const withGroup = directoryFile.replace('  - name: ops\n', '  - name: auditors\n  - name: ops\n');
      assert.notEqual(withGroup, directoryFile);
      const res = await admin.agent.post('/api/v1/admin/directory/apply').set('x-csrf-token', admin.csrf).send({ file: withGroup }).expect(200);
      assert.deepEqual(res.body.changes, ['+ group auditors']);
      const ev = (await t.ctx.store.audit.list({ limit: 1 }))[0]!;
      const { by, via, byFactor, byDeviceId, byDevice } = ev.detail as Record<string, unknown>;
      assert.deepEqual([ev.type, { by, via, byFactor, byDeviceId, byDevice }], ['directory.import', apiSessionChange(admin)]);
    });

    it('validation: the file is required, bounded, and the body too', async () => {
      const w = withToken(t, writeToken.token);
      const missing = await w.post('/api/v1/admin/directory/plan').send({ name: 'x.yaml' }).expect(400);
      assert.deepEqual(missing.body.error.detail, [{ field: 'file', message: 'is required' }]);
      const empty = await w.post('/api/v1/admin/directory/plan').send({ file: '' }).expect(400);
      assert.equal(empty.body.error.detail[0].field, 'file');
      const extra = await w.post('/api/v1/admin/directory/plan').send({ file: directoryFile, mode: 'import' }).expect(400);
      assert.equal(extra.body.error.code, 'validation_failed');
      const long = await w.post('/api/v1/admin/directory/plan').send({ file: `# ${'x'.repeat(600 * 1024)}\n` }).expect(400);
      assert.deepEqual(long.body.error.detail, [{ field: 'file', message: `must be at most ${512 * 1024} characters` }]);
      const huge = await w.post('/api/v1/admin/directory/plan').send({ file: `# ${'x'.repeat(2 * 1024 * 1024)}\n` }).expect(413);
      assert.equal(code(huge), 'payload_too_large');
    });
  });
}
