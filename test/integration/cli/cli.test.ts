// The real `gatehouse` CLI as a child process (bin/gatehouse.js, the compiled build) on a fresh SQLite file.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runProcess, type ProcessResult } from '../../helpers/runProcess.js';
import { gatehouseArgs } from '../../helpers/gatehouseBin.js';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { parseDirectoryFile, type DirectoryFile } from '../../../src/directory/directoryFile.js';

const root = new URL('../../../', import.meta.url).pathname;
const exampleText = readFileSync(join(root, 'examples/directory.yaml'), 'utf8');


function withoutSecrets(d: DirectoryFile): unknown {
  return { ...d, users: d.users.map(({ password: _p, password_hash: _h, totp: _t, ...u }) => u) };
}

describe('gatehouse CLI', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;

  const gatehouse = (args: string[], input?: string): Promise<ProcessResult> =>
    runProcess(process.execPath, gatehouseArgs(args), { cwd: root, env, ...(input !== undefined ? { input } : {}) });
  const ok = async (args: string[], input?: string): Promise<string> => {
    const r = await gatehouse(args, input);
    assert.equal(r.code, 0, `gatehouse ${args.join(' ')} failed:\n${r.stderr}`);
    return r.stdout;
  };
  const json = async <T = unknown>(args: string[]): Promise<T> => JSON.parse(await ok([...args, '--json'])) as T;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-cli-'));
    const config = join(dir, 'config.yaml');
    writeFileSync(config, 'auth:\n  argon2: {memoryCost: 8192, timeCost: 1, parallelism: 1}\n');
    env = {
      PATH: process.env.PATH, HOME: dir, GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'g.db')}`,
      GATEHOUSE_SECRET_KEY: randomBytes(32).toString('base64'), GATEHOUSE_CONFIG: config,
    };
  });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  it('import --dry-run prints the changes and writes nothing', async () => {
    const out = await ok(['import', 'examples/directory.yaml', '--dry-run']);
    assert.match(out, /^~ settings session_tags, transitive_tags$/m);
    assert.match(out, /^\+ user alice$/m);
    assert.match(out, /^\+ role prod\/Admin for platform-admins$/m);
    assert.match(out, /nothing was written/);
    assert.deepEqual(await json(['user', 'list']), []);
    assert.deepEqual(await json(['account', 'list']), []);
  });

  it('import, then export gives back the same directory; importing again changes nothing', async () => {
    const out = await ok(['import', 'examples/directory.yaml']);
    assert.match(out, /^\+ totp phone for alice$/m);
    assert.match(out, /8 change\(s\) applied/);
    const exported = await ok(['export']);
    assert.doesNotMatch(exported, /correct horse|JBSWY3DPEHPK3PXP/);
    assert.deepEqual(withoutSecrets(parseDirectoryFile(exported, 'export').data), withoutSecrets(parseDirectoryFile(exampleText, 'example').data));
    assert.match(await ok(['import', 'examples/directory.yaml']), /^no changes/m);
    const file = join(dir, 'export.yaml');
    await ok(['export', '-o', file]);
    assert.equal(readFileSync(file, 'utf8'), exported);
    assert.equal(statSync(file).mode & 0o077, 0);
    const again = await json<{ applied: boolean; changes: string[] }>(['import', file]);
    assert.deepEqual(again, { ...again, applied: false, changes: [] });
  });

  it('user list --json and user show', async () => {
    const users = await json<Record<string, unknown>[]>(['user', 'list']);
    assert.equal(users.length, 1);
    assert.deepEqual(users[0], {
      username: 'alice', email: 'alice@example.com', displayName: 'Alice Example', status: 'active', attributes: { CostCenter: 'CC-1234' },
      hasPassword: true, passwordTemporary: false, groups: ['platform-admins'], mfaDevices: 1,
    });
    const show = await json<{ roles: { account: string; role: string; require: string | null }[]; devices: { name: string }[] }>(['user', 'show', 'ALICE']);
    assert.deepEqual(show.roles.map((r) => `${r.account}/${r.role}:${r.require ?? '-'}`), ['prod/Admin:webauthn', 'prod/ReadOnly:-']);
    assert.deepEqual(show.devices.map((d) => d.name), ['phone']);
    assert.equal((show as { timeZone?: string | null }).timeZone, null);
    assert.match(await ok(['user', 'show', 'alice']), /^time zone: +- \(pages use UTC\)$/m);
    assert.match(await ok(['user', 'list']), /^USERNAME +EMAIL/m);
  });

  it('role map / unmap, group and account commands', async () => {
    await ok(['account', 'add', '444455556666', '--alias', 'dev', '--provider', 'Gatehouse']);
    await ok(['group', 'add', 'developers', '--tag', 'Team=dev']);
    await ok(['role', 'map', '--group', 'developers', '--account', 'dev', '--role', 'Developer', '--session-duration', '7200', '--require', 'totp', '--source-ip', '10.0.0.0/8']);
    await ok(['group', 'add-member', 'developers', 'alice']);
    const roles = await json<{ group: string; account: string; role: string; sessionDuration: number | null; require: string | null; sourceIps: string[] }[]>(['role', 'list']);
    assert.deepEqual(roles.find((r) => r.role === 'Developer'), { group: 'developers', account: 'dev', accountId: '444455556666', role: 'Developer', sessionDuration: 7200, require: 'totp', sourceIps: ['10.0.0.0/8'] });
    const exported = parseDirectoryFile(await ok(['export']), 'e').data;
    assert.deepEqual(exported.groups.find((g) => g.name === 'developers')?.roles, [{ account: 'dev', role: 'Developer', session_duration: 7200, require: 'totp', source_ips: ['10.0.0.0/8'] }]);
    assert.deepEqual(exported.users[0]?.groups, ['developers', 'platform-admins']);

    const bad = await gatehouse(['role', 'map', '--group', 'developers', '--account', 'dev', '--role', 'Bad Role!', '--session-duration', '60']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^gatehouse: role: must be an IAM role name.*; session_duration: must be at least 900 seconds$/m);

    await ok(['role', 'unmap', '--group', 'developers', '--account', 'dev', '--role', 'Developer']);
    await ok(['group', 'set-tag', 'developers', 'CostCenter', 'CC-7']);
    assert.deepEqual((await json<{ tags: Record<string, string> }>(['group', 'show', 'developers'])).tags, { Team: 'dev', CostCenter: 'CC-7' });
    await ok(['group', 'delete', 'developers']);
    await ok(['account', 'delete', 'dev']);
    assert.deepEqual((await json<{ alias: string }[]>(['account', 'list'])).map((a) => a.alias), ['prod']);
  });

  it('a broken file exits 1 with file:line: reason, no stack trace, and changes nothing', async () => {
    const before = await ok(['export']);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, exampleText.replace('groups: [platform-admins]', 'groups: [platform-admins, auditors]').replace('Alice Example', 'Changed'));
    const r = await gatehouse(['import', bad]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `gatehouse: ${bad}:17: unknown group "auditors": it must be a group under groups\n`);
    assert.equal(await ok(['export']), before);
    const missing = await gatehouse(['import', join(dir, 'nope.yaml')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^gatehouse: cannot read .*nope\.yaml: no such file\n$/);
  });

  it('apply --plan shows removals without writing', async () => {
    const small = join(dir, 'small.yaml');
    writeFileSync(small, 'accounts:\n  - {id: "111122223333", alias: prod, provider: Gatehouse}\n');
    const out = await ok(['apply', small, '--plan']);
    assert.match(out, /^- group platform-admins$/m);
    assert.match(out, /^~ user alice status: disabled \(not in the file\)$/m);
    assert.match(out, /nothing was written \(--plan\)/);
    assert.equal((await json<{ status: string }[]>(['user', 'list']))[0]?.status, 'active');
  });

  it('user set-password reads stdin (--temporary: replaced at the next sign-in); disable / enable / unlock; unknown user is one clear line', async () => {
    await ok(['user', 'add', 'bob', '--email', 'bob@example.com', '--group', 'platform-admins']);
    assert.equal((await json<{ hasPassword: boolean }>(['user', 'show', 'bob'])).hasPassword, false);
    const weak = await gatehouse(['user', 'set-password', 'bob'], 'short\n');
    assert.equal(weak.code, 1);
    assert.match(weak.stderr, /^gatehouse: Password is too short/);
    await ok(['user', 'set-password', 'bob'], 'a long enough passphrase\n');
    assert.equal((await json<{ hasPassword: boolean }>(['user', 'show', 'bob'])).hasPassword, true);
    assert.equal((await json<{ passwordTemporary: boolean }>(['user', 'show', 'bob'])).passwordTemporary, false);
    assert.match(await ok(['user', 'set-password', '--temporary', 'bob'], 'handed over by phone 42\n'), /^temporary password of bob set: they choose a new one right after their next sign-in/);
    assert.equal((await json<{ passwordTemporary: boolean }>(['user', 'show', 'bob'])).passwordTemporary, true);
    assert.match(await ok(['user', 'list']), /^bob\s.*\stemporary\s/m);
    assert.match(await ok(['export']), /- username: bob\n(?: {4}.*\n)*? {4}password_temporary: true\n/);
    await ok(['user', 'disable', 'bob']);
    assert.equal((await json<{ status: string }>(['user', 'show', 'bob'])).status, 'disabled');
    await ok(['user', 'enable', 'bob']);
    assert.match(await ok(['user', 'unlock', 'bob']), /bob was not locked/);
    const dup = await gatehouse(['user', 'add', 'BOB']);
    assert.equal(dup.code, 1);
    assert.equal(dup.stderr, 'gatehouse: user "BOB" exists already\n');
    const missing = await gatehouse(['user', 'show', 'carol']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'gatehouse: No user named "carol".\n');
  });

  it('keys list / rotate / activate / retire', async () => {
    assert.deepEqual(await json(['keys', 'list']), []);
    const first = await json<{ id: string; state: string }>(['keys', 'rotate']);
    assert.equal(first.state, 'next');
    assert.equal((await json<{ id: string; state: string }>(['keys', 'activate'])).state, 'active');
    const second = await json<{ id: string }>(['keys', 'rotate']);
    await ok(['keys', 'activate', second.id]);
    assert.deepEqual((await json<{ id: string; state: string }[]>(['keys', 'list'])).map((k) => [k.id, k.state]), [[first.id, 'retired'], [second.id, 'active']]);
    const r = await gatehouse(['keys', 'retire', second.id]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^gatehouse: key .* is the active key/);
    assert.match(await ok(['keys', 'list']), /^ID +STATE/m);
  });

  it('aws metadata / aws trust-policy / sp add, list, remove', async () => {
    const md = join(dir, 'metadata.xml');
    await ok(['aws', 'metadata', '-o', md]);
    const xml = readFileSync(md, 'utf8');
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>'));
    assert.match(xml, /<ds:X509Certificate>/);
    type Policy = { Statement: { Principal: { Federated: string }; Action: string[]; Condition: unknown }[] };
    const readOnly = JSON.parse(await ok(['aws', 'trust-policy', '--account', 'prod', '--role', 'ReadOnly'])) as Policy;
    assert.equal(readOnly.Statement.length, 1);
    assert.equal(readOnly.Statement[0]?.Principal.Federated, 'arn:aws:iam::111122223333:saml-provider/Gatehouse');
    assert.deepEqual(readOnly.Statement[0]?.Action, ['sts:AssumeRoleWithSAML', 'sts:TagSession', 'sts:SetSourceIdentity']);
    assert.deepEqual(readOnly.Statement[0]?.Condition, { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } });
    // prod/Admin requires webauthn: IAM checks the AuthMethod tag on sts:TagSession too.
    const admin = await gatehouse(['aws', 'trust-policy', '--account', 'prod', '--role', 'Admin']);
    assert.equal(admin.code, 0, admin.stderr);
    assert.match(admin.stderr, /IAM checks the factor \(AuthMethod webauthn\)/);
    const policy = JSON.parse(admin.stdout) as Policy;
    assert.deepEqual(policy.Statement.map((st) => st.Action), [['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity'], ['sts:TagSession']]);
    assert.deepEqual(policy.Statement[1]?.Condition, { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml', 'aws:RequestTag/AuthMethod': ['webauthn'] } });
    const unknown = await gatehouse(['aws', 'trust-policy', '--account', 'nope', '--role', 'Admin']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^gatehouse: no AWS account "nope"/);
    const ic = join(root, 'test/fixtures/saml/identity-center-sp-metadata.xml');
    const added = await json<{ entityId: string; kind: string }>(['sp', 'add', ic, '--identity-center', '--name', 'Identity Center']);
    assert.equal(added.kind, 'identity-center');
    assert.deepEqual((await json<{ name: string }[]>(['sp', 'list'])).map((x) => x.name), ['Identity Center']);
    assert.match(await ok(['sp', 'disable', added.entityId]), /is disabled/);
    assert.deepEqual((await json<{ enabled: boolean }[]>(['sp', 'list'])).map((x) => x.enabled), [false]);
    await ok(['sp', 'enable', added.entityId]);
    assert.deepEqual((await json<{ enabled: boolean }[]>(['sp', 'list'])).map((x) => x.enabled), [true]);
    await ok(['sp', 'remove', added.entityId]);
    assert.deepEqual(await json(['sp', 'list']), []);
  });

  it('usage errors and unexpected errors exit 1 without a stack trace', async () => {
    const r = await gatehouse(['import']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^gatehouse: missing required argument 'file'/);
    const down = await runProcess(process.execPath, gatehouseArgs(['user', 'list']), { cwd: root, env: { ...env, GATEHOUSE_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' } });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /^gatehouse: .*ECONNREFUSED.*GATEHOUSE_DATABASE_URL/);
    assert.doesNotMatch(down.stderr, /\n\s+at /);
  });
});
