import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDirectoryFile } from '../../../src/directory/directoryFile.js';
import { planImport } from '../../../src/directory/planImport.js';
import { summarizePlan, type DirectorySnapshot, type PlanOptions } from '../../../src/directory/importPlan.js';
import { snapshotToDirectory, renderDirectoryYaml } from '../../../src/directory/exportDirectory.js';
import { isGatehouseError } from '../../../src/errors.js';

const example = parseDirectoryFile(readFileSync(new URL('../../../examples/directory.yaml', import.meta.url), 'utf8'), 'd.yaml');
const HASH = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNo';
const empty: DirectorySnapshot = { settings: { sessionTags: [], transitiveTags: [] }, users: [], groups: [], memberships: [], accounts: [], mappings: [], totpDevices: [] };
/** The database after importing the example (as applyImport would leave it). */
const imported: DirectorySnapshot = {
  settings: { sessionTags: ['CostCenter', 'Team'], transitiveTags: ['CostCenter'] },
  users: [{ id: 'u1', username: 'alice', email: 'alice@example.com', displayName: 'Alice Example', status: 'active', attributes: { CostCenter: 'CC-1234' }, passwordHash: HASH, lastFactor: null, timeZone: null, passwordTemporary: false, recoveryCodesPrompt: false, createdAt: 1, updatedAt: 1 }],
  groups: [{ id: 'g1', name: 'platform-admins', description: null, tags: { Team: 'platform' }, createdAt: 1 }],
  memberships: [{ userId: 'u1', groupId: 'g1' }],
  accounts: [{ id: '111122223333', alias: 'prod', partition: 'aws', providerName: 'Gatehouse', region: null }],
  mappings: [
    { id: 'm1', groupId: 'g1', accountId: '111122223333', roleName: 'Admin', sessionDuration: 3600, requireFactor: 'webauthn', sourceIps: [] },
    { id: 'm2', groupId: 'g1', accountId: '111122223333', roleName: 'ReadOnly', sessionDuration: null, requireFactor: null, sourceIps: [] },
  ],
  totpDevices: [{ id: 'd1', userId: 'u1', name: 'phone', confirmed: true, secret: 'JBSWY3DPEHPK3PXP' }],
};
const checked: string[] = [];
const opts = (mode: PlanOptions['mode'] = 'import'): PlanOptions => ({
  mode, passwordMatches: async (hash, pw) => { checked.push(pw); return hash === HASH && pw === 'correct horse battery staple'; },
});
const texts = async (file = example, snap = imported, mode: PlanOptions['mode'] = 'import'): Promise<string[]> =>
  (await planImport(file, snap, opts(mode))).changes.map((c) => c.text);

describe('planImport', () => {
  it('on an empty database: everything is added, password kept as plaintext for applyImport to hash', async () => {
    const plan = await planImport(example, empty, opts());
    assert.deepEqual(plan.changes.map((c) => c.text), [
      '~ settings session_tags, transitive_tags', '+ account prod (111122223333)', '+ group platform-admins', '+ user alice',
      '+ member alice in platform-admins', '+ role prod/Admin for platform-admins', '+ role prod/ReadOnly for platform-admins', '+ totp phone for alice',
    ]);
    const user = plan.changes.find((c) => c.kind === 'user');
    assert.deepEqual(user?.kind === 'user' ? user.password : undefined, { plain: 'correct horse battery staple', temporary: false });
    assert.deepEqual(summarizePlan(plan).byKind.role, { '+': 2 });
  });

  it('against the imported state: no change (the password is verified, not re-hashed)', async () => {
    checked.length = 0;
    assert.deepEqual(await texts(), []);
    assert.deepEqual(checked, ['correct horse battery staple']);
    assert.deepEqual(await texts(example, imported, 'apply'), []);
  });

  it('the export of a state plans no change against it', async () => {
    const exported = parseDirectoryFile(renderDirectoryYaml(snapshotToDirectory(imported)), 'export.yaml');
    assert.deepEqual(await texts(exported), []);
    assert.equal(exported.data.users[0]!.password_hash, HASH);
  });

  it('reports the fields that differ', async () => {
    const snap: DirectorySnapshot = {
      ...imported,
      users: [{ ...imported.users[0]!, username: 'Alice', email: null, passwordHash: '$argon2id$v=19$m=1,t=1,p=1$YQ$Yg' }],
      groups: [{ ...imported.groups[0]!, tags: {} }],
      accounts: [{ ...imported.accounts[0]!, providerName: 'Old' }],
      mappings: [{ ...imported.mappings[0]!, sourceIps: ['10.0.0.0/8'] }, imported.mappings[1]!],
      totpDevices: [{ ...imported.totpDevices[0]!, secret: 'KRUGS4ZANFZSAYJA' }],
    };
    assert.deepEqual(await texts(example, snap), [
      '~ account prod (111122223333) provider', '~ group platform-admins tags', '~ user Alice email, password',
      '~ role prod/Admin for platform-admins source_ips', '~ totp phone for Alice secret',
    ]);
  });

  it('password_hash is taken as-is; no password in the file keeps the stored one', async () => {
    const withHash = parseDirectoryFile('users:\n  - {username: alice, email: alice@example.com, display_name: Alice Example, attributes: {CostCenter: CC-1234}, password_hash: "$argon2id$v=19$m=8192,t=1,p=1$YWFhYWFhYWE$YmJiYg"}\n', 'h.yaml');
    const plan = await planImport(withHash, imported, opts());
    const c = plan.changes[0];
    assert.equal(c?.text, '~ user alice password');
    assert.deepEqual(c?.kind === 'user' ? c.password : undefined, { hash: '$argon2id$v=19$m=8192,t=1,p=1$YWFhYWFhYWE$YmJiYg', temporary: false });
    const noPassword = parseDirectoryFile('users:\n  - {username: alice, email: alice@example.com, display_name: Alice Example, attributes: {CostCenter: CC-1234}}\n', 'n.yaml');
    assert.deepEqual(await texts(noPassword), []);
  });

  it('password_temporary: set for a new person or one still on a temporary password, never over a password of their own', async () => {
    const file = (extra: string) => parseDirectoryFile(`users:\n  - {username: alice, email: alice@example.com, display_name: Alice Example, attributes: {CostCenter: CC-1234}, ${extra}}\n`, 't.yaml');
    const passwordOf = async (f: ReturnType<typeof file>, snap: DirectorySnapshot) => {
      const c = (await planImport(f, snap, opts())).changes.find((x) => x.kind === 'user');
      return c?.kind === 'user' ? { text: c.text, password: c.password } : undefined;
    };
    const temp = file('password: "first sign in only 42", password_temporary: true');
    assert.deepEqual(await passwordOf(temp, empty), { text: '+ user alice', password: { plain: 'first sign in only 42', temporary: true } });
    const own = imported;
    assert.equal(await passwordOf(temp, own), undefined, 'alice chose her own password: the file leaves it alone');
    const stillTemporary: DirectorySnapshot = { ...imported, users: [{ ...imported.users[0]!, passwordTemporary: true }] };
    assert.deepEqual(await passwordOf(temp, stillTemporary), { text: '~ user alice password', password: { plain: 'first sign in only 42', temporary: true } },
      'a new temporary password replaces a temporary one');
    const sameTemporary = file('password: "correct horse battery staple", password_temporary: true');
    assert.equal(await passwordOf(sameTemporary, stillTemporary), undefined, 'the same temporary password again: no change');
    const madePermanent = file('password: "correct horse battery staple"');
    assert.deepEqual(await passwordOf(madePermanent, stillTemporary), { text: '~ user alice password_temporary', password: { hash: HASH, temporary: false } },
      'the flag alone changes: the stored hash is kept');
    assert.deepEqual(await passwordOf(file(`password_hash: "${HASH}", password_temporary: false`), stillTemporary), { text: '~ user alice password_temporary', password: { hash: HASH, temporary: false } });
    assert.throws(() => parseDirectoryFile('users:\n  - {username: alice, password_temporary: true}\n', 'x.yaml'), /x\.yaml:2: .*password_temporary needs the password it is about/);
  });

  it('the export of a temporary password plans no change against it', async () => {
    const snap: DirectorySnapshot = { ...imported, users: [{ ...imported.users[0]!, passwordTemporary: true }] };
    const exported = parseDirectoryFile(renderDirectoryYaml(snapshotToDirectory(snap)), 'export.yaml');
    assert.equal(exported.data.users[0]!.password_temporary, true);
    assert.deepEqual(await texts(exported, snap), []);
  });

  it('import keeps what the file does not name; apply removes it and disables absent users', async () => {
    const small = parseDirectoryFile('groups:\n  - name: platform-admins\n    tags: {Team: platform}\n', 's.yaml');
    assert.deepEqual(await texts(small), []);
    assert.deepEqual(await texts(small, imported, 'apply'), [
      '~ settings session_tags, transitive_tags',
      '- role prod/Admin for platform-admins', '- role prod/ReadOnly for platform-admins', '- member alice in platform-admins',
      '- account prod (111122223333)', '~ user alice status: disabled (not in the file)',
    ]);
  });

  it('refuses, with the line, an email or alias that belongs to someone not in the file', async () => {
    const snap: DirectorySnapshot = {
      ...empty,
      users: [{ ...imported.users[0]!, id: 'u9', username: 'carol' }],
      accounts: [{ ...imported.accounts[0]!, id: '999999999999' }],
    };
    await assert.rejects(planImport(example, snap, opts()), (e) => {
      assert.ok(isGatehouseError(e, 'directory_invalid'));
      assert.deepEqual(e.message.split('\n'), [
        'd.yaml:4: account alias "prod" already belongs to account 999999999999, which is not in this file (apply would remove it)',
        'd.yaml:13: email alice@example.com is already the email of user "carol", who is not in this file',
      ]);
      return true;
    });
  });
});
