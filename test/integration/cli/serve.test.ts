// `gatehouse serve` as a new user runs it: SQLite file created, first-run link printed once per start until
// the first admin is set up, /healthz answers on the public port and /readyz and /metrics on the management port
// only, SIGTERM shuts down cleanly.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../helpers/freePort.js';
import { gatehouseArgs } from '../../helpers/gatehouseBin.js';

const root = new URL('../../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gatehouse-serve-'));


/** The base URL of the first start: the IdP's identity, recorded then; every later start keeps it. */
let baseUrl: string | undefined;

/** Starts serve; `ready` resolves once it listens and has printed the first-run link (which comes after). */
async function serve(port: number, managementPort = 0, args: string[] = []): Promise<{ child: ChildProcess; out: () => string; ready: Promise<void> }> {
  baseUrl ??= `http://localhost:${port}`;
  const child = spawn(process.execPath, gatehouseArgs(['serve', ...args]), {
    cwd: root,
    env: { ...process.env, GATEHOUSE_DATABASE_URL: `sqlite:${join(dir, 'gatehouse.db')}`, GATEHOUSE_PORT: String(port), GATEHOUSE_MANAGEMENT_PORT: String(managementPort), GATEHOUSE_LOG_LEVEL: 'info', GATEHOUSE_BASE_URL: baseUrl },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (out.includes('is listening at') && /\/setup\?token=\S+\n/.test(out)) { clearInterval(timer); resolve(); }
    }, 50);
    child.once('exit', (code) => { clearInterval(timer); reject(new Error(`serve exited with ${code}:\n${out}`)); });
  });
  return { child, out: () => out, ready };
}

const stop = (child: ChildProcess): Promise<number | null> => new Promise((resolve) => {
  child.once('exit', (code) => resolve(code));
  child.kill('SIGTERM');
});

const children: ChildProcess[] = [];

describe('gatehouse serve', () => {
  after(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('first start: creates the SQLite file and a signing key, prints a one-time admin link, serves health checks', async () => {
    const port = await freePort();
    const management = await freePort();
    const s = await serve(port, management);
    await s.ready;
    assert.ok(existsSync(join(dir, 'gatehouse.db')));
    assert.ok(existsSync(join(dir, 'secret.key')), 'development secrets key generated beside the database');
    const link = /(http:\/\/localhost:\d+\/setup\?token=[\w-]+)/.exec(s.out())?.[1];
    assert.ok(link, 'no first-run link in:\n' + s.out());
    assert.match(s.out(), /INSECURE DEVELOPMENT DEFAULTS.*plain HTTP.*GATEHOUSE_SECRET_KEY/);
    assert.doesNotMatch(s.out(), /default password|password[:=]/i);
    assert.equal(s.out().split('INSECURE DEVELOPMENT DEFAULTS').length, 2, 'one loud warning');
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: 'ok' });
    assert.equal((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 404, 'readiness detail is not on the public port');
    assert.equal((await fetch(`http://127.0.0.1:${port}/metrics`)).status, 404, 'metrics are not on the public port');
    const ready = await fetch(`http://127.0.0.1:${management}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal((await ready.json() as { database: string }).database, 'sqlite');
    const metrics = await (await fetch(`http://127.0.0.1:${management}/metrics`)).text();
    assert.match(metrics, /gatehouse_http_requests_total/);
    const md = await fetch(`http://127.0.0.1:${port}/saml/metadata`);
    assert.match(await md.text(), /<ds:X509Certificate>/);
    const setup = await fetch(link.replace('localhost', '127.0.0.1'));
    assert.equal(setup.status, 200);
    // the token never reaches the log
    const token = new URL(link).searchParams.get('token')!;
    assert.equal(s.out().split(token).length, 2, 'the token appears in the output only in the printed link');
    assert.equal(await stop(s.child), 0);
  });

  it('--workers 1 runs in one process: no primary, no workers, the management port still answers', async () => {
    const port = await freePort();
    const management = await freePort();
    const s = await serve(port, management, ['--workers', '1']);
    await s.ready;
    assert.doesNotMatch(s.out(), /worker \d is listening/);
    assert.deepEqual(await (await fetch(`http://127.0.0.1:${management}/readyz`)).json(), { status: 'ready', database: 'sqlite', databaseAnswers: true });
    await fetch(`http://127.0.0.1:${port}/healthz`);
    const metrics = await (await fetch(`http://127.0.0.1:${management}/metrics`)).text();
    assert.match(metrics, /^gatehouse_http_requests_total\{method="GET",route="\/healthz",status="200"\} 1$/m, 'one process: no worker label');
    assert.match(metrics, /^gatehouse_process_resident_memory_bytes \d+/m);
    assert.equal(await stop(s.child), 0);
  });

  it('a second start, with the admin not set up yet, prints a fresh link and keeps the same key', async () => {
    const port = await freePort();
    const s = await serve(port);
    await s.ready;
    assert.match(s.out(), /\/setup\?token=/);
    assert.doesNotMatch(s.out(), /created the first SAML signing key/);
    assert.equal(await stop(s.child), 0);
  });
});
