// Issue 11: start-up errors are known errors, and the IdP's identity is fixed. The real CLI as an operator runs it
// (`node bin/gatehouse.js …`): a port in use (public, management, and with --workers 2), PostgreSQL
// refusing the login, a database that does not exist, PostgreSQL not reachable, files that cannot be written, a base
// URL without a scheme, a base URL that differs from the recorded one (and --force-identity, identity set), and
// `aws metadata` with a configuration that does not match. Each prints exactly one line on stderr (one JSON line with
// --json), no stack, no "report it", and exits 1. The first-run link comes after the listening line.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../../../src/config/loadConfig.js';
import { createContext } from '../../../src/context.js';
import { bothDatabases, createTestDatabase, pgAdminUrl, type TestDatabase } from '../../helpers/databases.js';
import { runProcess, type ProcessResult } from '../../helpers/runProcess.js';
import { freePort, listeningWorkerPids, projectRoot, startServe } from '../../helpers/serveProcess.js';
import { gatehouseArgs } from '../../helpers/gatehouseBin.js';

const secretKey = randomBytes(32).toString('base64');
const cleanups: (() => unknown)[] = [];
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-startup-'));
chmodSync(dir, 0o755); // an unprivileged user must be able to reach the folders below it

/** Root runs the CLI as `nobody` where a file must be unwritable (root may write anywhere); anyone else as itself. */
const asRoot = process.getuid?.() === 0;
const unprivileged = asRoot ? { uid: 65534, gid: 65534 } : {};
const unprivilegedName = asRoot ? 'nobody' : userInfo().username;

/** Runs `gatehouse …` with only PATH, HOME and `env` in its environment. */
function gatehouse(args: string[], env: Record<string, string>, o: { uid?: number; gid?: number } = {}): Promise<ProcessResult> {
  return runProcess(process.execPath, gatehouseArgs(args), {
    cwd: projectRoot, env: { PATH: process.env.PATH, HOME: dir, GATEHOUSE_LOG_LEVEL: 'info', ...env }, ...o,
  });
}

/** The run failed with exactly `line` on stderr (one line: no stack, no second line asking for a report) and exit code 1. */
function assertOneLine(r: ProcessResult, line: string): void {
  assert.equal(r.stderr, line + '\n', `stderr must be exactly the one line; stdout was:\n${r.stdout.slice(-2000)}`);
  assert.equal(r.code, 1);
  assert.doesNotMatch(r.stdout + r.stderr, /\n\s+at \S+ \(|this is unexpected|report it/, 'no stack trace, no "report it"');
  assert.doesNotMatch(r.stdout, /First run/, 'no first-run link from a server that did not start');
}

/** A port that something else listens on. */
async function busyPort(): Promise<number> {
  const s: Server = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => s.close(() => resolve())));
  return (s.address() as { port: number }).port;
}

/** A fresh folder under `dir`, owned by the user the CLI runs as. */
function folder(name: string, writable: boolean): string {
  const p = join(dir, name);
  mkdirSync(p);
  if (asRoot) {
    chmodSync(p, 0o755);
    if (writable) chownSync(p, 65534, 65534);
  } else if (!writable) {
    chmodSync(p, 0o555);
  }
  return p;
}

/** What PostgreSQL itself answers when `url` connects: the independent judge of the message quoted. */
async function pgRefusal(url: string): Promise<string> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {});
  try {
    await c.connect();
  } catch (e) {
    return (e as Error).message;
  }
  await c.end();
  throw new Error(`PostgreSQL accepted ${url}`);
}

const portInUse = (port: number) => `port ${port} is in use by another program; stop it or set server.port (GATEHOUSE_PORT)`;

after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

describe('start-up errors are one line that says what to do', () => {
  it('a port in use: the public port, then the management port; a failed start records no identity', async () => {
    const db = `sqlite:${join(dir, 'ports.db')}`;
    const port = await busyPort();
    const env = { GATEHOUSE_DATABASE_URL: db, GATEHOUSE_SECRET_KEY: secretKey, GATEHOUSE_WORKERS: '1' };
    assertOneLine(await gatehouse(['serve'], { ...env, GATEHOUSE_PORT: String(port), GATEHOUSE_MANAGEMENT_PORT: '0' }), `gatehouse: ${portInUse(port)}`);
    const management = await busyPort();
    assertOneLine(await gatehouse(['serve'], { ...env, GATEHOUSE_PORT: '0', GATEHOUSE_MANAGEMENT_PORT: String(management) }),
      `gatehouse: management port ${management} is in use by another program; stop it or set management.port (GATEHOUSE_MANAGEMENT_PORT)`);
    const shown = await gatehouse(['identity', 'show', '--json'], env);
    assert.equal(shown.code, 0, shown.stderr);
    assert.equal((JSON.parse(shown.stdout) as { recorded: unknown }).recorded, null, 'the operator may still pick another port (and base URL)');
  });

  it('serve --workers 2 on a port in use: one line however many workers failed, exit 1, no worker started again', async () => {
    const port = await busyPort();
    const env = {
      GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'cluster.db')}`, GATEHOUSE_SECRET_KEY: secretKey,
      GATEHOUSE_PORT: String(port), GATEHOUSE_MANAGEMENT_PORT: '0',
    };
    const r = await gatehouse(['serve', '--workers', '2'], env);
    assertOneLine(r, `gatehouse: ${portInUse(port)}`);
    assert.doesNotMatch(r.stdout, /starting a new one|is listening/, 'no worker listened, none was started again');
    const json = await gatehouse(['serve', '--workers', '2', '--json'], env);
    assert.equal(json.stderr, JSON.stringify({ error: { code: 'listen_failed', message: portInUse(port) } }) + '\n');
    assert.equal(json.code, 1);
  });

  it('serve --workers 2: replacements that cannot start while the node serves stop it with the one line, not a restart loop', async () => {
    const port = await freePort();
    const s = startServe(['--workers', '2'], {
      GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'running.db')}`, GATEHOUSE_SECRET_KEY: secretKey, GATEHOUSE_HOST: '127.0.0.1',
      GATEHOUSE_PORT: String(port), GATEHOUSE_MANAGEMENT_PORT: '0', GATEHOUSE_LOG_LEVEL: 'info',
    });
    cleanups.push(() => { s.child.kill('SIGKILL'); });
    await s.waitFor(() => s.output().includes('Gatehouse is listening at'), 'the cluster to listen', 120_000);
    const first = [1, 2].map((n) => listeningWorkerPids(s.logs(), n)[0]!);
    // Both workers die at once: the primary lets the port go, and another program takes it before the replacements bind.
    for (const pid of first) process.kill(pid, 'SIGKILL');
    const taken = createServer();
    cleanups.push(() => new Promise<void>((resolve) => taken.close(() => resolve())));
    for (;;) {
      const bound = await new Promise<boolean>((resolve) => {
        taken.once('error', () => resolve(false));
        taken.listen(port, '127.0.0.1', () => resolve(true));
      });
      if (bound) break;
      assert.equal([1, 2].flatMap((n) => listeningWorkerPids(s.logs(), n)).length, 2, 'a replacement listened before the port could be taken');
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.equal(await s.exited, 1, s.output());
    assert.equal(s.stderr(), `gatehouse: ${portInUse(port)}\n`);
    assert.equal(s.output().split('starting a new one').length - 1, 2, 'each worker was replaced once, and not again');
  });

  describe('PostgreSQL', () => {
    const env = (url: string) => ({ GATEHOUSE_DATABASE_URL: url, GATEHOUSE_SECRET_KEY: secretKey, GATEHOUSE_WORKERS: '1', GATEHOUSE_PORT: '0', GATEHOUSE_MANAGEMENT_PORT: '0' });
    const withPath = (path: string, user?: string): string => {
      const u = new URL(pgAdminUrl());
      u.pathname = path;
      if (user) { u.username = user; u.password = 'not-the-password'; }
      return u.toString();
    };

    it('a login PostgreSQL refuses (a user it does not know): serve and any other command', async () => {
      const url = withPath('/postgres', `gatehouse_nobody_${randomBytes(3).toString('hex')}`);
      const refusal = await pgRefusal(url);
      assert.match(refusal, /gatehouse_nobody_/);
      const line = `PostgreSQL refused the login: ${refusal}; check the user and password in database.url (GATEHOUSE_DATABASE_URL) and the server's pg_hba.conf`;
      const r = await gatehouse(['serve'], env(url));
      assertOneLine(r, `gatehouse: ${line}`);
      assert.doesNotMatch(r.stderr, /not-the-password/, 'the password is never shown');
      const json = await gatehouse(['user', 'list', '--json'], env(url));
      assert.equal(json.stderr, JSON.stringify({ error: { code: 'database_login_refused', message: line } }) + '\n');
      assert.equal(json.code, 1);
    });

    it('a database that does not exist', async () => {
      const name = `gatehouse_missing_${randomBytes(4).toString('hex')}`;
      const r = await gatehouse(['serve'], env(withPath(`/${name}`)));
      assertOneLine(r, `gatehouse: database "${name}" does not exist on the PostgreSQL server; create it (createdb, or CREATE DATABASE) or fix the database name in database.url (GATEHOUSE_DATABASE_URL)`);
    });

    it('PostgreSQL not reachable (nothing listens on the port)', async () => {
      const port = await freePort();
      const u = new URL(withPath('/postgres'));
      u.host = `127.0.0.1:${port}`;
      const r = await gatehouse(['serve'], env(u.toString()));
      assertOneLine(r, `gatehouse: The database is not answering (connect ECONNREFUSED 127.0.0.1:${port}): check that PostgreSQL is running and reachable at GATEHOUSE_DATABASE_URL (database.url).`);
    });
  });

  describe('files that cannot be written', () => {
    const base = { GATEHOUSE_WORKERS: '1', GATEHOUSE_PORT: '0', GATEHOUSE_MANAGEMENT_PORT: '0' };
    const fix = 'point database.url (GATEHOUSE_DATABASE_URL) elsewhere';

    it('a SQLite file in a folder this user may not write', async () => {
      const ro = folder('ro-sqlite', false);
      const r = await gatehouse(['serve'], { ...base, GATEHOUSE_DATABASE_URL: `sqlite:${join(ro, 'g.db')}`, GATEHOUSE_SECRET_KEY: secretKey }, unprivileged);
      assertOneLine(r, `gatehouse: cannot write the SQLite database ${join(ro, 'g.db')} (SQLITE_CANTOPEN: SQLite cannot open or create it); make it and its folder writable by user ${unprivilegedName}, or ${fix}`);
      const sub = join(ro, 'sub', 'g.db');
      const nested = await gatehouse(['serve'], { ...base, GATEHOUSE_DATABASE_URL: `sqlite:${sub}`, GATEHOUSE_SECRET_KEY: secretKey }, unprivileged);
      assertOneLine(nested, `gatehouse: cannot write the SQLite database ${sub} (EACCES: permission denied); make it and its folder writable by user ${unprivilegedName}, or ${fix}`);
    });

    it('an existing SQLite file this user may only read (SQLite would open it read-only without a word)', async () => {
      const rw = folder('ro-file', true);
      const file = join(rw, 'g.db');
      const migrated = await gatehouse(['migrate'], { GATEHOUSE_DATABASE_URL: `sqlite:${file}`, GATEHOUSE_SECRET_KEY: secretKey });
      assert.equal(migrated.code, 0, migrated.stderr);
      chmodSync(file, 0o444);
      if (asRoot) chownSync(file, 0, 0);
      const r = await gatehouse(['serve'], { ...base, GATEHOUSE_DATABASE_URL: `sqlite:${file}`, GATEHOUSE_SECRET_KEY: secretKey }, unprivileged);
      assertOneLine(r, `gatehouse: cannot write the SQLite database ${file} (EACCES: permission denied); make it and its folder writable by user ${unprivilegedName}, or ${fix}`);
    });

    it('the development secrets key file in a folder this user may not write', async () => {
      const rw = folder('key-db', true);
      const ro = folder('key-ro', false);
      const keyFile = join(ro, 'secret.key');
      const r = await gatehouse(['serve'], { ...base, GATEHOUSE_DATABASE_URL: `sqlite:${join(rw, 'g.db')}`, GATEHOUSE_SECRET_KEY_FILE: keyFile }, unprivileged);
      assertOneLine(r, `gatehouse: cannot write the secrets key file ${keyFile} (EACCES: permission denied); make it and its folder writable by user ${unprivilegedName}, or set secrets.key (GATEHOUSE_SECRET_KEY) or secrets.keyFile (GATEHOUSE_SECRET_KEY_FILE)`);
    });
  });

  it('a base URL without a scheme (text and --json), for serve and for any other command', async () => {
    const env = { GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'scheme.db')}`, GATEHOUSE_SECRET_KEY: secretKey, GATEHOUSE_BASE_URL: 'idp.example.com:8443' };
    const message = 'invalid configuration: server.baseUrl (GATEHOUSE_BASE_URL): "idp.example.com:8443" has no scheme; write it in full, e.g. https://idp.example.com (http://localhost:8080 for development)';
    assertOneLine(await gatehouse(['serve'], env), `gatehouse: ${message}`);
    const json = await gatehouse(['aws', 'metadata', '--json'], env);
    assert.equal(json.stderr, JSON.stringify({ error: { code: 'config_invalid', message } }) + '\n');
    assert.equal(json.code, 1);
  });

  it('--json turns any command\'s errors into one JSON line, also a command that has no JSON output and a usage error', async () => {
    const env = { GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'json.db')}`, GATEHOUSE_SECRET_KEY: secretKey };
    const r = await gatehouse(['aws', 'trust-policy', '--account', 'nope', '--role', 'Admin', '--json'], env);
    assert.equal(r.stderr, JSON.stringify({ error: { code: 'not_found', message: 'no AWS account "nope" (see gatehouse account list)' } }) + '\n');
    assert.equal(r.code, 1);
    const usage = await gatehouse(['user', 'list', '--json', '--colour'], env);
    assert.equal(usage.stderr, JSON.stringify({ error: { code: 'bad_request', message: 'unknown option \'--colour\'' } }) + '\n');
    assert.equal(usage.code, 1);
  });
});

for (const kind of bothDatabases) {
  describe(`the IdP's identity is fixed (${kind})`, () => {
    let tdb: TestDatabase;
    let port: number;
    let first: string;
    let moved: string;
    let env: (baseUrl: string) => Record<string, string>;
    // PostgreSQL runs the cluster primary (--workers 2), SQLite one process: the identity check and the link in both.
    const workers = kind === 'postgres' ? '2' : '1';

    before(async () => {
      tdb = await createTestDatabase(kind);
      cleanups.push(() => tdb.drop());
      port = await freePort();
      first = `http://localhost:${port}`;
      moved = `http://127.0.0.1:${port}`;
      env = (baseUrl) => ({
        GATEHOUSE_DATABASE_URL: tdb.url, GATEHOUSE_SECRET_KEY: secretKey, GATEHOUSE_HOST: '127.0.0.1', GATEHOUSE_PORT: String(port),
        GATEHOUSE_MANAGEMENT_PORT: '0', GATEHOUSE_BASE_URL: baseUrl, GATEHOUSE_WORKERS: workers, GATEHOUSE_LOG_LEVEL: 'info',
      });
    });

    /** Starts serve, waits for the listening line (and the first-run link when `link`), stops it; returns the output. */
    async function serveOnce(baseUrl: string, args: string[] = []): Promise<string> {
      const s = startServe(args, env(baseUrl));
      cleanups.push(() => { s.child.kill('SIGKILL'); });
      await s.waitFor(() => /First run:[^\n]*\n\s+\S+\/setup\?token=\S+\n/.test(s.output()), 'the listening line and the first-run link', 120_000);
      assert.equal(await s.stop(), 0, s.output());
      return s.output();
    }

    const changed = (now: string, was: string) => `the base URL is ${now}, but this IdP was set up with base URL ${was} (AWS and the service providers know it by that); `
      + 'set server.baseUrl (GATEHOUSE_BASE_URL) back, or change the identity on purpose with gatehouse identity set (or gatehouse serve --force-identity)';

    it('the first start records it; the first-run link is printed after the listening line', async () => {
      const out = await serveOnce(first);
      const listening = out.indexOf(`Gatehouse is listening at ${first}`);
      assert.ok(listening >= 0, out);
      assert.ok(out.indexOf('First run:') > listening, `the first-run link comes after the listening line:\n${out}`);
      assert.match(out.slice(out.indexOf('First run:')), new RegExp(`\\n {4}${first.replace(/[.:/]/g, '\\$&')}/setup\\?token=`));
      const shown = await gatehouse(['identity', 'show', '--json'], env(first));
      assert.deepEqual(JSON.parse(shown.stdout), {
        recorded: { entityId: `${first}/saml/metadata`, baseUrl: first }, configured: { entityId: `${first}/saml/metadata`, baseUrl: first }, matches: true,
      });
    });

    it('a later start with another base URL stops with one line naming both, in text and --json; so does aws metadata', async () => {
      assertOneLine(await gatehouse(['serve'], env(moved)), `gatehouse: ${changed(moved, first)}`);
      const json = await gatehouse(['serve', '--json'], env(moved));
      assert.equal(json.stderr, JSON.stringify({ error: { code: 'identity_changed', message: changed(moved, first) } }) + '\n');
      assert.equal(json.code, 1);
      const metadata = await gatehouse(['aws', 'metadata'], env(moved));
      assertOneLine(metadata, `gatehouse: ${changed(moved, first)}`);
      assert.equal(metadata.stdout, '', 'no metadata for a name AWS does not know');
      const entity = await gatehouse(['aws', 'metadata'], { ...env(first), GATEHOUSE_ENTITY_ID: 'urn:example:idp' });
      assertOneLine(entity, `gatehouse: the entity ID is urn:example:idp, but this IdP was set up with entity ID ${first}/saml/metadata (AWS and the service providers know it by that); `
        + 'set saml.entityId (GATEHOUSE_ENTITY_ID) back, or change the identity on purpose with gatehouse identity set (or gatehouse serve --force-identity)');
      const ok = await gatehouse(['aws', 'metadata'], env(first));
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(ok.stdout, new RegExp(`entityID="${first}/saml/metadata"`));
    });

    it('serve --force-identity starts with the new one and records it, audited with before and after; identity set changes it back', async () => {
      const out = await serveOnce(moved, ['--force-identity']);
      assert.match(out, new RegExp(`Gatehouse is listening at ${moved.replace(/[.:/]/g, '\\$&')}`));
      assert.match(out, /the IdP identity changed on purpose \(--force-identity\)/);
      assertOneLine(await gatehouse(['serve'], env(first)), `gatehouse: ${changed(first, moved)}`);
      const set = await gatehouse(['identity', 'set', '--json'], env(first));
      assert.equal(set.code, 0, set.stderr);
      assert.deepEqual(JSON.parse(set.stdout), {
        before: { entityId: `${moved}/saml/metadata`, baseUrl: moved }, after: { entityId: `${first}/saml/metadata`, baseUrl: first }, changed: true,
      });
      const again = await gatehouse(['identity', 'set'], env(first));
      assert.match(again.stdout, /already the configured one/);

      const ctx = await createContext(loadConfig({ env: {}, overrides: { database: { url: tdb.url }, secrets: { key: secretKey } } }), { migrate: false });
      try {
        const events = (await ctx.store.audit.list({ limit: 100 })).filter((e) => e.type.startsWith('identity.')).reverse();
        assert.deepEqual(events.map((e) => [e.type, e.detail]), [
          ['identity.recorded', { entityId: `${first}/saml/metadata`, baseUrl: first }],
          ['identity.changed', { by: `cli:${userInfo().username}`, before: { entityId: `${first}/saml/metadata`, baseUrl: first }, after: { entityId: `${moved}/saml/metadata`, baseUrl: moved } }],
          ['identity.changed', { by: `cli:${userInfo().username}`, before: { entityId: `${moved}/saml/metadata`, baseUrl: moved }, after: { entityId: `${first}/saml/metadata`, baseUrl: first } }],
        ]);
      } finally {
        await ctx.store.close();
      }
    });
  });
}
