// Directory import / export / apply on both databases (issue 2: "import examples/directory.yaml then export
// gives back the same directory; importing it twice changes nothing; a broken file is refused whole").
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { bothDatabases, createTestDatabase, type TestDatabase } from '../../helpers/databases.js';
import { loadConfig } from '../../../src/config/loadConfig.js';
import { createContext, type AppContext } from '../../../src/context.js';
import { parseDirectoryFile, type DirectoryFile } from '../../../src/directory/directoryFile.js';
import { applyPlan, importDirectory } from '../../../src/directory/applyImport.js';
import { exportDirectory, renderDirectoryYaml } from '../../../src/directory/exportDirectory.js';
import { loadEntitlements } from '../../../src/directory/loadEntitlements.js';
import { readDirectorySettings } from '../../../src/directory/directorySettings.js';
import { setTimeZone } from '../../../src/directory/setTimeZone.js';
import { verifyPassword } from '../../../src/auth/password.js';
import { isGatehouseError } from '../../../src/errors.js';

const exampleText = readFileSync(new URL('../../../examples/directory.yaml', import.meta.url), 'utf8');

/** The directory without what an export leaves out (passwords and TOTP seeds). */
function withoutSecrets(d: DirectoryFile): unknown {
  return { ...d, users: d.users.map(({ password: _p, password_hash: _h, totp: _t, ...u }) => u) };
}
const parse = (text: string, name = 'f.yaml') => parseDirectoryFile(text, name);
const exportText = async (ctx: AppContext): Promise<string> => renderDirectoryYaml(await exportDirectory(ctx.store));

for (const kind of bothDatabases) {
  describe(`directory import/export (${kind})`, () => {
    let tdb: TestDatabase;
    let ctx: AppContext;
    const now = new Date('2025-01-02T03:04:05Z');

    before(async () => {
      tdb = await createTestDatabase(kind);
      const config = loadConfig({ env: {}, overrides: {
        database: { url: tdb.url }, secrets: { key: randomBytes(32).toString('base64') },
        auth: { argon2: { memoryCost: 8192, timeCost: 1, parallelism: 1 } },
      } });
      ctx = await createContext(config, { now: () => now });
    });
    after(async () => { await ctx.store.close(); await tdb.drop(); });

    it('imports the DESIGN.md example: plan lines, rows, sealed TOTP seed, hashed password, audit event', async () => {
      const dry = await importDirectory(ctx, parse(exampleText, 'examples/directory.yaml'), { mode: 'import', dryRun: true });
      assert.equal(dry.applied, false);
      assert.deepEqual(await ctx.store.users.list(), []);
      const r = await importDirectory(ctx, parse(exampleText, 'examples/directory.yaml'), { mode: 'import' });
      assert.equal(r.applied, true);
      assert.deepEqual(r.plan.changes.map((c) => c.text), [
        '~ settings session_tags, transitive_tags',
        '+ account prod (111122223333)',
        '+ group platform-admins',
        '+ user alice',
        '+ member alice in platform-admins',
        '+ role prod/Admin for platform-admins',
        '+ role prod/ReadOnly for platform-admins',
        '+ totp phone for alice',
      ]);
      assert.deepEqual(dry.plan.changes.map((c) => c.text), r.plan.changes.map((c) => c.text));

      const alice = (await ctx.store.users.findByUsername('alice'))!;
      assert.equal(alice.email, 'alice@example.com');
      assert.equal(alice.displayName, 'Alice Example');
      assert.deepEqual(alice.attributes, { CostCenter: 'CC-1234' });
      assert.equal(alice.timeZone, null, 'no time_zone in the file: the configured ui.timeZone applies');
      assert.match(alice.passwordHash!, /^\$argon2id\$/);
      assert.equal(await verifyPassword(alice.passwordHash!, 'correct horse battery staple'), true);
      const [device] = await ctx.store.devices.listForUser(alice.id);
      assert.equal(device?.kind, 'totp');
      assert.equal(device?.name, 'phone');
      assert.equal(device?.confirmed, true);
      assert.notEqual(device?.secretEnc, 'JBSWY3DPEHPK3PXP');
      assert.equal(ctx.secrets.openText(device!.secretEnc!, device!.id), 'JBSWY3DPEHPK3PXP');
      assert.deepEqual(await readDirectorySettings(ctx.store), { sessionTags: ['CostCenter', 'Team'], transitiveTags: ['CostCenter'] });
      const [event] = await ctx.store.audit.list({ type: 'directory.import' });
      assert.equal(event?.at, now.getTime());
      assert.deepEqual(event?.detail, { file: 'examples/directory.yaml', mode: 'import', changes: 8,
        counts: { settings: { '~': 1 }, account: { '+': 1 }, group: { '+': 1 }, user: { '+': 1 }, member: { '+': 1 }, role: { '+': 2 }, totp: { '+': 1 } } });
    });

    it('export gives back the same directory (password → password_hash, no TOTP seed)', async () => {
      const text = await exportText(ctx);
      assert.doesNotMatch(text, /correct horse|JBSWY3DPEHPK3PXP|totp/);
      assert.match(text, /password_hash: \$argon2id\$/);
      assert.match(text, /- \{id: "111122223333", alias: prod, provider: Gatehouse\}/);
      assert.deepEqual(withoutSecrets(parse(text).data), withoutSecrets(parse(exampleText).data));
    });

    it('importing twice changes nothing, and importing the export changes nothing', async () => {
      const before = await exportText(ctx);
      const events = (await ctx.store.audit.list()).length;
      const again = await importDirectory(ctx, parse(exampleText), { mode: 'import' });
      assert.deepEqual(again.plan.changes, []);
      assert.equal(again.applied, false);
      const fromExport = await importDirectory(ctx, parse(before), { mode: 'import' });
      assert.deepEqual(fromExport.plan.changes, []);
      assert.deepEqual((await importDirectory(ctx, parse(before), { mode: 'apply' })).plan.changes, []);
      assert.equal(await exportText(ctx), before);
      assert.equal((await ctx.store.audit.list()).length, events);
    });

    it('entitlements of the imported person', async () => {
      const alice = (await ctx.store.users.findByUsername('alice'))!;
      const e = await loadEntitlements(ctx.store, alice.id, { now: now.getTime(), sourceIp: '192.0.2.1', factorsUsed: ['totp'] });
      assert.deepEqual(e.roles.map((r) => [r.roleName, r.allowedNow, r.reason]), [['Admin', false, 'factor_required'], ['ReadOnly', true, undefined]]);
      assert.deepEqual(e.tags, { CostCenter: 'CC-1234', Team: 'platform' });
      assert.deepEqual(e.transitiveTagKeys, ['CostCenter']);
    });

    const brokenFiles: [string, string, RegExp][] = [
      ['unknown group', exampleText.replace('groups: [platform-admins]', 'groups: [platform-admins, auditors]'), /^bad\.yaml:17: unknown group "auditors"/m],
      ['bad account id', exampleText.replace('"111122223333"', '"1111222233"'), /^bad\.yaml:4: id: must be exactly 12 digits/m],
      ['bad ARN characters in a role name', exampleText.replace('role: ReadOnly', 'role: "Read Only*"'), /^bad\.yaml:10: role: must be an IAM role name/m],
      ['duplicate user', `${exampleText}  - username: ALICE\n    email: other@example.com\n`, /^bad\.yaml:19: duplicate user "ALICE"/m],
    ];
    for (const [name, text, expected] of brokenFiles) {
      it(`a broken file (${name}) is refused whole with line and reason; the database is unchanged`, async () => {
        const before = await exportText(ctx);
        // a valid change in the same file must not be applied either
        const withChange = text.replace('display_name: Alice Example', 'display_name: Someone Else');
        await assert.rejects(async () => importDirectory(ctx, parse(withChange, 'bad.yaml'), { mode: 'import' }), (e) => {
          assert.ok(isGatehouseError(e, 'directory_invalid'));
          assert.match(e.message, expected);
          return true;
        });
        assert.equal(await exportText(ctx), before);
      });
    }

    it('time_zone: a file sets it, export carries it, a file without it keeps the person\'s own choice, a bad one is refused with its line', async () => {
      const zoneOfAlice = async () => (await ctx.store.users.findByUsername('alice'))!.timeZone;
      const withZone = exampleText.replace('    display_name: Alice Example\n', '    display_name: Alice Example\n    time_zone: Europe/Berlin\n');
      assert.match(withZone, /^ {4}time_zone: Europe\/Berlin$/m);
      const set = await importDirectory(ctx, parse(withZone), { mode: 'import' });
      assert.deepEqual(set.plan.changes.map((c) => c.text), ['~ user alice time_zone']);
      assert.equal(await zoneOfAlice(), 'Europe/Berlin');
      const exported = await exportText(ctx);
      assert.match(exported, /^ {4}time_zone: Europe\/Berlin$/m);
      assert.deepEqual((await importDirectory(ctx, parse(exported), { mode: 'apply' })).plan.changes, [], 'the export round-trips');
      assert.equal(await setTimeZone(ctx, (await ctx.store.users.findByUsername('alice'))!, 'Asia/Tokyo', 'alice'), true);
      assert.deepEqual((await importDirectory(ctx, parse(exampleText), { mode: 'apply' })).plan.changes, [], 'no time_zone in the file: nothing to change');
      assert.equal(await zoneOfAlice(), 'Asia/Tokyo');
      assert.match(await exportText(ctx), /^ {4}time_zone: Asia\/Tokyo$/m);
      const before = await exportText(ctx);
      await assert.rejects(async () => importDirectory(ctx, parse(withZone.replace('time_zone: Europe/Berlin', 'time_zone: Europe/Atlantis'), 'tz.yaml'), { mode: 'import' }), (e) => {
        assert.ok(isGatehouseError(e, 'directory_invalid'));
        assert.match(e.message, /^tz\.yaml:15: time_zone: must be an IANA time zone such as Europe\/Berlin/m);
        return true;
      });
      assert.equal(await exportText(ctx), before);
      const [event] = await ctx.store.audit.list({ type: 'user.time_zone_changed' });
      assert.deepEqual(event?.detail, { by: 'alice', before: 'Europe/Berlin', after: 'Asia/Tokyo' });
    });

    it('a file that conflicts with the database (alias of another account) is refused with its line; nothing changes', async () => {
      await ctx.store.accounts.upsert({ id: '999988887777', alias: 'staging', partition: 'aws', providerName: 'G', region: null });
      const before = await exportText(ctx);
      const text = `${exampleText.replace('accounts:\n', 'accounts:\n  - {id: "555566667777", alias: staging, provider: G}\n')}`;
      try {
        await assert.rejects(async () => importDirectory(ctx, parse(text, 'c.yaml'), { mode: 'import' }), (e) => {
          assert.ok(isGatehouseError(e, 'directory_invalid'));
          assert.match(e.message, /^c\.yaml:4: account alias "staging" already belongs to account 999988887777, which is not in this file/);
          return true;
        });
        assert.equal(await exportText(ctx), before);
      } finally {
        await ctx.store.accounts.delete('999988887777');
      }
    });

    it('a failure half-way through applying rolls everything back', async () => {
      const before = await exportText(ctx);
      const plan = { mode: 'import' as const, fileName: 'x.yaml', changes: [
        { kind: 'group' as const, op: '+' as const, name: 'new-group', description: null, tags: {}, fields: [], text: '+ group new-group' },
        { kind: 'group' as const, op: '+' as const, name: 'new-group', description: null, tags: {}, fields: [], text: '+ group new-group' },
      ] };
      await assert.rejects(applyPlan(ctx, plan), (e) => isGatehouseError(e, 'conflict'));
      assert.equal(await exportText(ctx), before);
      assert.equal(await ctx.store.groups.findByName('new-group'), undefined);
    });

    it('updates what the file names: changed password, attributes, role settings, TOTP seed', async () => {
      const text = exampleText
        .replace('correct horse battery staple', 'another long passphrase here')
        .replace('CostCenter: CC-1234', 'CostCenter: CC-9')
        .replace('session_duration: 3600', 'session_duration: 7200')
        .replace('JBSWY3DPEHPK3PXP', 'KRUGS4ZANFZSAYJAORSXG5BA');
      const alice = (await ctx.store.users.findByUsername('alice'))!;
      const r = await importDirectory(ctx, parse(text), { mode: 'import' });
      assert.deepEqual(r.plan.changes.map((c) => c.text), [
        '~ user alice attributes, password',
        '~ role prod/Admin for platform-admins session_duration',
        '~ totp phone for alice secret',
      ]);
      const after = (await ctx.store.users.findByUsername('alice'))!;
      assert.equal(await verifyPassword(after.passwordHash!, 'another long passphrase here'), true);
      assert.notEqual(after.passwordHash, alice.passwordHash);
      const devices = await ctx.store.devices.listForUser(alice.id);
      assert.equal(devices.length, 1);
      assert.equal(ctx.secrets.openText(devices[0]!.secretEnc!, devices[0]!.id), 'KRUGS4ZANFZSAYJAORSXG5BA');
      assert.deepEqual((await importDirectory(ctx, parse(text), { mode: 'import' })).plan.changes, []);
      await importDirectory(ctx, parse(exampleText), { mode: 'import' });
    });

    it('import is additive; apply makes the database match the file (users not in it are disabled)', async () => {
      const extra = `session_tags: [CostCenter, Team]
transitive_tags: [CostCenter]
accounts:
  - {id: "111122223333", alias: prod, provider: Gatehouse}
  - {id: "444455556666", alias: dev, provider: Gatehouse}
groups:
  - name: platform-admins
    tags: {Team: platform}
    roles:
      - {account: prod, role: Admin, session_duration: 3600, require: webauthn}
      - {account: prod, role: ReadOnly}
  - name: developers
    roles:
      - {account: dev, role: Developer, source_ips: [10.0.0.0/8]}
users:
  - {username: bob, groups: [developers, platform-admins]}
`;
      const imported = await importDirectory(ctx, parse(extra), { mode: 'import' });
      assert.deepEqual(imported.plan.changes.map((c) => c.text), [
        '+ account dev (444455556666)', '+ group developers', '+ user bob',
        '+ member bob in developers', '+ member bob in platform-admins', '+ role dev/Developer for developers',
      ]);
      assert.equal((await ctx.store.users.findByUsername('alice'))?.status, 'active');

      const applyFile = `accounts:
  - {id: "444455556666", alias: dev, provider: Gatehouse}
groups:
  - name: developers
    roles:
      - {account: dev, role: Developer, source_ips: [10.0.0.0/8]}
users:
  - {username: bob, groups: [developers]}
`;
      const plan = await importDirectory(ctx, parse(applyFile), { mode: 'apply', dryRun: true });
      assert.deepEqual(plan.plan.changes.map((c) => c.text), [
        '~ settings session_tags, transitive_tags',
        '- role prod/Admin for platform-admins',
        '- role prod/ReadOnly for platform-admins',
        '- member alice in platform-admins',
        '- member bob in platform-admins',
        '- group platform-admins',
        '- account prod (111122223333)',
        '~ user alice status: disabled (not in the file)',
      ]);
      await importDirectory(ctx, parse(applyFile), { mode: 'apply' });
      const exported = parse(await exportText(ctx)).data;
      assert.deepEqual(exported.accounts.map((a) => a.alias), ['dev']);
      assert.deepEqual(exported.groups.map((g) => g.name), ['developers']);
      assert.deepEqual(exported.users.map((u) => [u.username, u.status, u.groups]), [['alice', 'disabled', []], ['bob', 'active', ['developers']]]);
      assert.equal((await ctx.store.devices.listForUser((await ctx.store.users.findByUsername('alice'))!.id)).length, 1, 'devices are kept');
      assert.deepEqual((await importDirectory(ctx, parse(applyFile), { mode: 'apply' })).plan.changes, []);
    });
  });
}
