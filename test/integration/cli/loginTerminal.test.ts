/**
 * `gatehouse login` in the terminal, the real CLI as a child process against a running Gatehouse and the STS
 * stand-in: terminal sign-in with a TOTP code from oathtool, where the credentials go (a named profile in
 * ~/.aws/credentials, mode 0600, other profiles and comments untouched; --print env|json|saml), --role in its
 * forms, --all-roles across partitions, the picker in a pseudo-terminal, exec, configure, whoami, --verbose
 * without secrets, logout. HOME is a temporary folder.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runProcess } from '../../helpers/runProcess.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { plain, startCliWorld, startInPty, type CliWorld } from './cliWorld.js';

const iniSection = (text: string, name: string): Record<string, string> => {
  const out: Record<string, string> = {};
  const start = text.indexOf(`[${name}]\n`);
  if (start < 0) return out;
  for (const line of text.slice(start + name.length + 3).split('\n')) {
    if (line.startsWith('[')) break;
    const m = /^(\w+) = (.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
  }
  return out;
};

/** Every file under `dir` with its mode and content (for "nothing changed"). */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[p] = `${(statSync(p).mode & 0o777).toString(8)} ${readFileSync(p, 'utf8')}`;
    }
  };
  walk(dir);
  return out;
}

describe('gatehouse login in the terminal', { timeout: 600_000 }, () => {
  let w: CliWorld;
  let url: string;
  const aws = (args: string[], env: Record<string, string | undefined> = {}) => runProcess('aws', [...args, '--output', 'json'], { cwd: w.home, env: w.env({ AWS_DEFAULT_REGION: 'us-east-1', ...env }) });
  const credentials = () => readFileSync(join(w.home, '.aws', 'credentials'), 'utf8');

  before(async () => {
    w = await startCliWorld();
    url = w.t.url;
  });
  after(async () => { await w?.close(); });

  it('terminal sign-in with a TOTP from oathtool; --role writes one profile, 0600, leaving other profiles and comments as they were', async () => {
    mkdirSync(join(w.home, '.aws'), { mode: 0o700 });
    const before = '# my keys, do not touch\n[personal]\naws_access_key_id = AKIAPERSONAL\naws_secret_access_key = secret ; comment\n\n; old one\n[other]\nregion = eu-west-1\n';
    writeFileSync(join(w.home, '.aws', 'credentials'), before, { mode: 0o644 });
    const r = await w.gatehouse(['login', '--url', url, '--no-browser', '--username', 'alice', '--password-stdin', '--totp', await w.totp(), '--role', 'prod/ReadOnly'], { input: `${TEST_PASSWORD}\n` });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Signed in as alice \(authenticator app\) until (\d{4}-\d\d-\d\d )?\d\d:\d\d\.$/m);
    assert.match(r.stdout, /^prod\/ReadOnly → profile prod-ReadOnly \(until [\d: -]+\)$/m);
    assert.match(r.stdout, /Try: aws sts get-caller-identity --profile prod-ReadOnly/);

    const text = credentials();
    assert.ok(text.startsWith(before), 'other profiles and comments are kept byte for byte');
    assert.equal(statSync(join(w.home, '.aws', 'credentials')).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(w.home, '.aws')).sort(), ['credentials'], 'no temporary file left behind');
    const p = iniSection(text, 'prod-ReadOnly');
    assert.match(p.aws_access_key_id ?? '', /^ASIA/);
    assert.equal(p.gatehouse_role, 'prod/ReadOnly');
    const lifetime = Date.parse(p.gatehouse_expiration ?? '') - w.t.clock.now();
    assert.ok(Math.abs(lifetime - 7200_000) < 60_000, `the mapping's session_duration (7200 s) is the default: ${lifetime}`);

    const id = await aws(['sts', 'get-caller-identity', '--profile', 'prod-ReadOnly']);
    assert.equal(id.code, 0, id.stderr);
    assert.equal((JSON.parse(id.stdout) as { Arn: string }).Arn, 'arn:aws:sts::111122223333:assumed-role/ReadOnly/alice');

    const dir = join(w.home, '.gatehouse', 'cli');
    assert.equal(statSync(join(w.home, '.gatehouse')).mode & 0o077, 0, 'the CLI folder is private');
    const [sessionDir] = readdirSync(dir);
    assert.equal(statSync(join(dir, sessionDir!, 'session.json')).mode & 0o777, 0o600);
  });

  it('a wrong code is one short line and exit 1; a script without --totp is told what to pass', async () => {
    const code = await w.totp();
    const wrong = code === '000000' ? '111111' : '000000';
    const r = await w.gatehouse(['login', '--url', url, '--no-browser', '--username', 'alice', '--password-stdin', '--totp', wrong, '--print', 'json'], { input: TEST_PASSWORD });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^gatehouse: [^\n]*not correct[^\n]*\n$/, 'one line, Gatehouse\'s own message');
    assert.equal(r.stdout, '');
    const noCode = await w.gatehouse(['login', '--url', url, '--no-browser', '--username', 'alice', '--password-stdin'], { input: TEST_PASSWORD });
    assert.equal(noCode.code, 1);
    assert.match(noCode.stderr, /^gatehouse: no code: stdin is not a terminal, so pass --totp CODE$/m);
  });

  it('the saved session is reused: --account prod --role ReadOnly --print json, --print env, and whoami', async () => {
    const json = await w.gatehouse(['login', '--url', url, '--account', 'prod', '--role', 'ReadOnly', '--print', 'json', '--duration', '3600']);
    assert.equal(json.code, 0, json.stderr);
    assert.match(json.stderr, /^Using your Gatehouse session: alice \(authenticator app\) until (\d{4}-\d\d-\d\d )?\d\d:\d\d\.$/m);
    const doc = JSON.parse(json.stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc), ['Version', 'AccessKeyId', 'SecretAccessKey', 'SessionToken', 'Expiration']);
    assert.equal(doc.Version, 1);
    assert.ok(Math.abs(Date.parse(String(doc.Expiration)) - w.t.clock.now() - 3600_000) < 60_000, '--duration wins over the mapping');

    const env = await w.gatehouse(['login', '--url', url, '--role', 'arn:aws:iam::111122223333:role/ReadOnly', '--print', 'env']);
    assert.equal(env.code, 0, env.stderr);
    assert.match(env.stdout, /^export AWS_ACCESS_KEY_ID='ASIA[0-9A-F]+'\nexport AWS_SECRET_ACCESS_KEY='.+'\nexport AWS_SESSION_TOKEN='.+'\nexport AWS_CREDENTIAL_EXPIRATION='[\d-]+T[\d:.]+Z'\n$/);
    const viaEval = await runProcess('sh', ['-c', `eval "$(cat)"; aws sts get-caller-identity --output text --query Arn`], { env: w.env({ AWS_DEFAULT_REGION: 'us-east-1' }), input: env.stdout });
    assert.equal(viaEval.stdout.trim(), 'arn:aws:sts::111122223333:assumed-role/ReadOnly/alice', viaEval.stderr);

    const who = await w.gatehouse(['whoami']);
    assert.equal(who.code, 0, who.stderr);
    assert.match(who.stdout, /^user: +alice \(Alice Example\)$/m);
    assert.match(who.stdout, new RegExp(`^gatehouse: +${url.replace(/[.:/]/g, '\\$&')}$`, 'm'));
    assert.match(who.stdout, /^signed in with: authenticator app$/m);
  });

  it('--all-roles: one profile per role usable now, across partitions; a role needing a security key is named and skipped', async () => {
    const calls = w.sts.calls.length;
    const r = await w.gatehouse(['login', '--url', url, '--all-roles']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Skipped prod\/Admin: it needs your security key \(get it with: gatehouse login --role prod\/Admin\)\.$/m);
    const written = [...r.stdout.matchAll(/^(\S+) → profile (\S+) /gm)].map((m) => `${m[1]}=${m[2]}`).sort();
    assert.deepEqual(written, ['china/CnReadOnly=china-CnReadOnly', 'gov/GovReadOnly=gov-GovReadOnly', 'prod/ReadOnly=prod-ReadOnly', 'staging/Developer=staging-Developer']);
    assert.deepEqual(w.sts.calls.slice(calls).map((c) => `${c.action}:${c.ok}`), Array(4).fill('AssumeRoleWithSAML:true'));
    assert.match(r.stderr, /^Set region us-gov-west-1 for profile gov-GovReadOnly in .*config \(aws-us-gov credentials need a region of their own\)\.$/m);
    assert.match(readFileSync(join(w.home, '.aws', 'config'), 'utf8'), /\[profile china-CnReadOnly\]\nregion = cn-north-1\n/);
    // The aws CLI now signs for us-gov-west-1 (the profile's region): the stand-in's endpoint for that region answers.
    const gov = await aws(['sts', 'get-caller-identity', '--profile', 'gov-GovReadOnly'], { AWS_ENDPOINT_URL_STS: w.sts.regionUrl('us-gov-west-1'), AWS_DEFAULT_REGION: undefined });
    assert.equal(gov.code, 0, gov.stderr);
    assert.equal((JSON.parse(gov.stdout) as { Arn: string }).Arn, 'arn:aws-us-gov:sts::777788889999:assumed-role/GovReadOnly/alice', gov.stderr);
    const cn = iniSection(credentials(), 'china-CnReadOnly');
    assert.match(cn.aws_access_key_id ?? '', /^ASIA/);
  });

  it('--print saml prints the base64 SAML Response, which STS accepts from the person directly', async () => {
    const r = await w.gatehouse(['login', '--url', url, '--role', 'staging/Developer', '--print', 'saml']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Role ARN arn:aws:iam::444455556666:role\/Developer, principal ARN arn:aws:iam::444455556666:saml-provider\/Gatehouse$/m);
    const saml = r.stdout.trim();
    assert.match(saml, /^[A-Za-z0-9+/]+=*$/);
    assert.match(Buffer.from(saml, 'base64').toString('utf8'), /arn:aws:iam::444455556666:role\/Developer,arn:aws:iam::444455556666:saml-provider\/Gatehouse/);
    const sts = await aws(['sts', 'assume-role-with-saml', '--role-arn', 'arn:aws:iam::444455556666:role/Developer',
      '--principal-arn', 'arn:aws:iam::444455556666:saml-provider/Gatehouse', '--saml-assertion', saml]);
    assert.equal(sts.code, 0, sts.stderr);
  });

  it('exec: the command sees the credentials in its environment; nothing is written; its exit code is ours', async () => {
    const before = snapshot(w.home);
    const r = await w.gatehouse(['exec', '--url', url, '--role', 'prod/ReadOnly', '--', 'sh', '-c', 'printf "%s %s %s|" "$GATEHOUSE_ROLE" "${AWS_PROFILE:-none}" "$(printf %s "$AWS_ACCESS_KEY_ID" | cut -c1-4)"; aws sts get-caller-identity --output text --query Arn'],
      { env: { AWS_PROFILE: 'personal' } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'prod/ReadOnly none ASIA|arn:aws:sts::111122223333:assumed-role/ReadOnly/alice');
    const failing = await w.gatehouse(['exec', '--url', url, '--role', 'prod/ReadOnly', '--', 'sh', '-c', 'exit 7']);
    assert.equal(failing.code, 7);
    assert.deepEqual(snapshot(w.home), before, 'no file under HOME changed');
  });

  it('in a terminal, --no-browser asks for username, password and code; password and code are not echoed', async () => {
    const p = startInPty(w, ['login', '--url', url, '--no-browser', '--role', 'prod/ReadOnly', '--print', 'json', '--force']);
    await p.waitFor(/Username: /);
    p.write('alice\r');
    await p.waitFor(/Password: /);
    p.write(`${TEST_PASSWORD}\r`);
    await p.waitFor(/Code from your authenticator app \(or a recovery code\): /);
    const code = await w.totp();
    p.write(`${code}\r`);
    const r = await p.done;
    const screen = plain(r.stdout);
    assert.equal(r.code, 0, screen);
    assert.match(screen, /Username: alice\n/, 'the username is echoed');
    assert.ok(!screen.includes(TEST_PASSWORD), 'the password is not echoed');
    assert.ok(!screen.includes(code), 'the code is not echoed');
    assert.match(screen, /Signed in as alice \(authenticator app\)/);
    assert.match(screen, /"AccessKeyId": "ASIA/);
  });

  it('the picker in a pseudo-terminal: aliases shown, type to filter, arrows to move, Enter to pick', async () => {
    const first = startInPty(w, ['login', '--url', url]);
    await first.waitFor(/Choose an AWS role/);
    await first.waitFor(/CnReadOnly/);
    const screen = plain(first.output());
    for (const label of ['prod/Admin', 'prod/ReadOnly', 'staging/Developer', 'gov/GovReadOnly', 'china/CnReadOnly']) assert.match(screen, new RegExp(label));
    assert.match(screen, /prod\/Admin +111122223333 +via platform-admins +\(asks for your security key\)/);
    first.write('dev');
    await first.waitFor(/Filter: dev/);
    first.write('\r');
    const done = await first.done;
    assert.equal(done.code, 0, plain(done.stdout));
    assert.match(plain(done.stdout), /Role: staging\/Developer/);
    assert.match(plain(done.stdout), /staging\/Developer → profile staging-Developer/);

    const second = startInPty(w, ['login', '--url', url, '--print', 'json']);
    await second.waitFor(/Choose an AWS role/);
    second.write('read');
    await second.waitFor(/Filter: read\r?\n(?:[^\n]*\n){3}/);
    const listed = plain(second.output()).split('Filter: read').at(-1)!.split('\n').map((l) => /^[> ] (\S+\/\S+)/.exec(l)?.[1]).filter(Boolean);
    assert.deepEqual([...listed].sort(), ['china/CnReadOnly', 'gov/GovReadOnly', 'prod/ReadOnly']);
    second.write('\x1b[B'); // ↓
    await new Promise((r) => setTimeout(r, 300));
    second.write('\r');
    const out = await second.done;
    assert.equal(out.code, 0, plain(out.stdout));
    assert.match(plain(out.stdout), new RegExp(`Role: ${listed[1]!.replace('/', '\\/')}`));
    assert.match(plain(out.stdout), /"AccessKeyId": "ASIA/);
  });

  it('configure writes the profile into ~/.aws/config (keeping what is there); login --profile then needs no flags', async () => {
    const config = join(w.home, '.aws', 'config');
    writeFileSync(config, '# mine\n[default]\nregion = eu-central-1\n');
    const c = await w.gatehouse(['configure', '--profile', 'dev', '--url', `${url}/`, '--role', 'staging/Developer', '--duration', '3600', '--region', 'eu-west-1']);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /Saved profile dev in .*config\.\nGet credentials with: gatehouse login --profile dev/);
    assert.equal(readFileSync(config, 'utf8'), `# mine\n[default]\nregion = eu-central-1\n\n[profile dev]\ngatehouse_url = ${url}\ngatehouse_role = staging/Developer\ngatehouse_duration = 3600\nregion = eu-west-1\n`);
    const r = await w.gatehouse(['login', '--profile', 'dev']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^staging\/Developer → profile dev /m);
    assert.match(iniSection(credentials(), 'dev').aws_session_token ?? '', /.{20}/);
  });

  it('--verbose shows the HTTP exchange with Gatehouse and STS, and no secret', async () => {
    const code = await w.totp();
    const r = await w.gatehouse(['login', '--url', url, '--no-browser', '--username', 'alice', '--password-stdin', '--totp', code, '--role', 'prod/ReadOnly', '--print', 'json', '--verbose'], { input: TEST_PASSWORD });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /> POST http:\/\/localhost:\d+\/api\/v1\/cli\/flows\/password\n.*"password":"\[hidden\]"/);
    assert.match(r.stderr, /< 200 OK \(\d+ ms\)/);
    assert.match(r.stderr, /> POST .*\/api\/v1\/cli\/assertions \(Authorization: Bearer \[hidden\]\)/);
    assert.match(r.stderr, /"samlResponse":"\[hidden, \d+ characters\]"/);
    assert.match(r.stderr, /> STS AssumeRoleWithSAML http:\/\/127\.0\.0\.1:\d+ RoleArn=arn:aws:iam::111122223333:role\/ReadOnly .*SAMLAssertion=\[hidden, \d+ characters\]/);
    const session = JSON.parse(readFileSync(join(w.home, '.gatehouse', 'cli', readdirSync(join(w.home, '.gatehouse', 'cli'))[0]!, 'session.json'), 'utf8')) as { accessToken: string };
    const creds = JSON.parse(r.stdout) as { SecretAccessKey: string; SessionToken: string };
    for (const secret of [TEST_PASSWORD, code, session.accessToken, creds.SecretAccessKey, creds.SessionToken]) assert.ok(!r.stderr.includes(secret), `a secret in the verbose log: ${secret.slice(0, 8)}…`);
    assert.doesNotMatch(r.stderr, /PHNhbWxw|PD94bWwg/, 'no base64 SAML');
  });

  it('logout ends the session at Gatehouse and here; whoami then says so', async () => {
    const dir = join(w.home, '.gatehouse', 'cli');
    const { accessToken } = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]!, 'session.json'), 'utf8')) as { accessToken: string };
    const r = await w.gatehouse(['logout']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^Signed out of ${url.replace(/[.:/]/g, '\\$&')}; cached credentials deleted\\.$`, 'm'));
    assert.deepEqual(readdirSync(dir), []);
    const me = await fetch(`${url}/api/v1/cli/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal(me.status, 401, 'the token is revoked at the server');
    const who = await w.gatehouse(['whoami', '--url', url]);
    assert.equal(who.code, 1);
    assert.equal(who.stderr, `gatehouse: not signed in to ${url}: run gatehouse login\n`);
  });

  // Last: it saves rosa's session over alice's.
  it('a recovery code signs in once and says how many are left, and where to make new ones', async () => {
    const rosa = await createTestUser(w.t.ctx, { username: 'rosa', totpSecret: TEST_TOTP_SECRET, recoveryCodes: true });
    const code = rosa.recoveryCodes![0]!;
    const login = () => w.gatehouse(['login', '--url', url, '--no-browser', '--username', 'rosa', '--password-stdin', '--totp', code, '--print', 'json'], { input: TEST_PASSWORD });
    const r = await login();
    assert.match(r.stderr, new RegExp(`^You used a recovery code: 9 left\\. If you lost your device, make new ones at ${url.replace(/[.]/g, '\\.')}/account/recovery-codes and add a new device\\.$`, 'm'));
    assert.equal(await w.t.ctx.store.devices.remainingRecoveryCodes(rosa.user.id), 9);
    const again = await login();
    assert.equal(again.code, 1);
    assert.doesNotMatch(again.stderr, /You used a recovery code/);
  });
});
