// `gatehouse serve --workers 2` as an operator runs it: sign-ins (password + TOTP) and AWS console SSO spread over
// both workers, one worker SIGKILLed mid-load and replaced, only its in-flight requests lost (as connection errors,
// never a 5xx), every assertion handed out audited and the audit chain unbroken; metrics of both workers on the
// management port only; /readyz red while the database does not answer; SIGTERM drains and the primary exits 0.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/loadConfig.js';
import { createContext } from '../../../src/context.js';
import { parseDirectoryFile } from '../../../src/directory/directoryFile.js';
import { importDirectory } from '../../../src/directory/applyImport.js';
import { csrfFrom, totpCode } from '../../helpers/login.js';
import { TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { parseAutoPost } from '../../helpers/verifySamlResponse.js';
import { runProcess } from '../../helpers/runProcess.js';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases.js';
import { freePort, listeningWorkerPids, projectRoot, startServe, type ServeProcess } from '../../helpers/serveProcess.js';
import { gatehouseArgs } from '../../helpers/gatehouseBin.js';
import { workerCount } from '../../../src/http/runServer.js';
import { ConnectionPerRequestBrowser, type Exchange } from '../../helpers/connectionPerRequest.js';
import { startPausableProxy } from '../../helpers/pausableProxy.js';
import { parsePrometheus, type Sample } from '../../helpers/prometheusText.js';

const cheapArgon2 = { memoryCost: 8192, timeCost: 1, parallelism: 1 };
const role = '111122223333/ReadOnly';
const concurrency = 8;
/** Any request answers in well under a second; one that gets no answer at all fails the test after this long. */
const clientTimeoutMs = 5_000;

function directoryFor(usernames: string[]): string {
  return [
    'accounts:', '  - {id: "111122223333", alias: prod, provider: Gatehouse}',
    'groups:', '  - name: engineers', '    roles:', '      - {account: prod, role: ReadOnly}',
    'users:',
    ...usernames.map((u) => `  - {username: ${u}, password: "${TEST_PASSWORD}", groups: [engineers], totp: {secret: ${TEST_TOTP_SECRET}, name: phone}}`),
  ].join('\n');
}

/** A database with `usernames` imported (password + TOTP, the ReadOnly role in one account). */
async function seed(url: string, secretKey: string, usernames: string[]): Promise<void> {
  const config = loadConfig({ env: {}, overrides: { database: { url }, secrets: { key: secretKey }, auth: { argon2: cheapArgon2 } } });
  const ctx = await createContext(config);
  try {
    await importDirectory(ctx, parseDirectoryFile(directoryFor(usernames), 'directory.yaml'), { mode: 'import' });
  } finally {
    await ctx.store.close();
  }
}

interface Node { serve: ServeProcess; url: string; management: string; env: Record<string, string> }

/** Starts `serve --workers <workers>` (2 unless given) on `databaseUrl` and waits until it listens. */
async function startNode(dir: string, databaseUrl: string, secretKey: string, workers = '2'): Promise<Node> {
  const port = await freePort();
  const managementPort = await freePort();
  const configFile = join(dir, 'gatehouse.yaml');
  writeFileSync(configFile, `auth:\n  argon2: {memoryCost: ${cheapArgon2.memoryCost}, timeCost: 1, parallelism: 1}\nlockout:\n  lockAfter: 3\n`);
  const env = {
    GATEHOUSE_CONFIG: configFile, GATEHOUSE_DATABASE_URL: databaseUrl, GATEHOUSE_SECRET_KEY: secretKey, GATEHOUSE_HOST: '127.0.0.1',
    GATEHOUSE_PORT: String(port), GATEHOUSE_BASE_URL: `http://localhost:${port}`, GATEHOUSE_MANAGEMENT_PORT: String(managementPort), GATEHOUSE_LOG_LEVEL: 'info',
  };
  const serve = startServe(['--workers', workers], env);
  try {
    await serve.waitFor(() => serve.output().includes('Gatehouse is listening at'), 'the cluster to listen', 25_000);
  } catch (e) {
    // The caller registers its clean-up only once the node is up: stop this one here, or it outlives the test.
    serve.child.kill('SIGKILL');
    throw e;
  }
  return { serve, url: `http://127.0.0.1:${port}`, management: `http://127.0.0.1:${managementPort}`, env };
}

class UnexpectedAnswer extends Error {}

function expectStatus(res: { status: number; text: string }, status: number, step: string): void {
  if (res.status !== status) throw new UnexpectedAnswer(`${step}: ${res.status} ${res.text.slice(0, 200)}`);
}

/** Password + TOTP through the real pages; returns the session's CSRF value and the request ids of the steps. */
async function signIn(b: ConnectionPerRequestBrowser, username: string): Promise<{ csrf: string; requestIds: string[] }> {
  const page = await b.request('GET', '/login');
  expectStatus(page, 200, 'GET /login');
  const pw = await b.request('POST', '/login/password', { _csrf: csrfFrom(page.text), username, password: TEST_PASSWORD });
  expectStatus(pw, 303, 'password');
  const mfa = await b.request('GET', '/login/mfa?factor=totp');
  expectStatus(mfa, 200, 'GET /login/mfa');
  let done = await b.request('POST', '/login/totp', { _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, Date.now()) });
  expectStatus(done, 303, 'TOTP');
  if (done.headers.location === '/login/recovery-codes') { // imported with a TOTP seed and no codes: new ones are shown once
    const codes = await b.request('GET', '/login/recovery-codes');
    expectStatus(codes, 200, 'GET /login/recovery-codes');
    done = await b.request('POST', '/login/recovery-codes', { _csrf: csrfFrom(codes.text) });
    expectStatus(done, 303, 'recovery codes');
  }
  const account = await b.request('GET', '/account');
  expectStatus(account, 200, 'GET /account');
  return { csrf: csrfFrom(account.text), requestIds: [page, pw, mfa, done, account].map((r) => r.requestId) };
}

/** The ID of the assertion in an AWS console auto-POST page. */
function assertionId(html: string): string {
  const id = /<(?:\w+:)?Assertion\b[^>]*\sID="([^"]+)"/.exec(parseAutoPost(html).xml)?.[1];
  assert.ok(id, 'no Assertion ID in the response');
  return id;
}

async function until(test: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const started = Date.now();
  while (!test()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const sum = (samples: Sample[]): number => samples.reduce((a, s) => a + s.value, 0);
const workersOf = (samples: Sample[]): string[] => [...new Set(samples.map((s) => s.labels.worker ?? ''))].sort();

describe('serve --workers 2 and auto', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  /** A new test database of `kind` with `usernames` seeded, a folder for the node's config, and the secret key; all removed after the tests. */
  async function seededDatabase(kind: 'sqlite' | 'postgres', usernames: string[]): Promise<{ url: string; dir: string; secretKey: string }> {
    const tdb: TestDatabase = await createTestDatabase(kind);
    cleanups.push(() => tdb.drop());
    const dir = mkdtempSync(join(tmpdir(), `gatehouse-cluster-${kind}-`));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const secretKey = randomBytes(32).toString('base64');
    await seed(tdb.url, secretKey, usernames);
    return { url: tdb.url, dir, secretKey };
  }

  it('SQLite: sign-ins and SSO over both workers; a SIGKILLed worker is replaced, loses only its in-flight requests, and the audit chain stays whole; SIGTERM drains', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-cluster-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const databaseUrl = `sqlite:${join(dir, 'gatehouse.db')}`;
    const secretKey = randomBytes(32).toString('base64');
    const usernames = Array.from({ length: 90 }, (_, i) => `person${i}`);
    await seed(databaseUrl, secretKey, [...usernames, 'drainer', 'locked']);
    const node = await startNode(dir, databaseUrl, secretKey);
    cleanups.push(() => { node.serve.child.kill('SIGKILL'); });
    const { serve } = node;
    const pidOf = (): Map<string, number> => new Map(serve.logs().filter((l) => l.msg === 'request completed').map((l) => [String(l.reqId), Number(l.pid)]));

    // The public port: a plain liveness answer, nothing else.
    const probe = new ConnectionPerRequestBrowser(node.url);
    const live = await probe.request('GET', '/healthz');
    assert.equal(live.status, 200);
    assert.deepEqual(JSON.parse(live.text), { status: 'ok' });
    assert.equal((await probe.request('GET', '/metrics')).status, 404);
    assert.equal((await probe.request('GET', '/readyz')).status, 404);
    const ready = await fetch(`${node.management}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready', database: 'sqlite', databaseAnswers: true, workers: { listening: 2, wanted: 2 } });

    // Three wrong passwords lock `locked` (lockout.lockAfter is 3 here).
    for (let i = 0; i < 3; i += 1) {
      const b = new ConnectionPerRequestBrowser(node.url);
      const page = await b.request('GET', '/login');
      const res = await b.request('POST', '/login/password', { _csrf: csrfFrom(page.text), username: 'locked', password: 'not the password at all' });
      assert.equal(res.status, 401);
    }
    // A session kept for the drain at the end.
    const drainer = new ConnectionPerRequestBrowser(node.url);
    const drainerCsrf = (await signIn(drainer, 'drainer')).csrf;

    // The load: `concurrency` browsers, each signing in a fresh person, then opening the console 6 times.
    const exchanges: Exchange[] = [];
    const unexpected: string[] = [];
    const received: string[] = [];
    const signIns: string[][] = [];
    const queue = [...usernames];
    let stop = false;
    const browse = async (): Promise<void> => {
      let session: { b: ConnectionPerRequestBrowser; csrf: string } | undefined;
      let opened = 0;
      while (!stop) {
        try {
          if (!session || (opened >= 6 && queue.length > 0)) {
            const user = queue.shift();
            if (user === undefined && !session) return;
            if (user !== undefined) {
              session = undefined;
              const b = new ConnectionPerRequestBrowser(node.url, exchanges, clientTimeoutMs);
              const s = await signIn(b, user);
              signIns.push(s.requestIds);
              session = { b, csrf: s.csrf };
              opened = 0;
            }
          }
          const res = await session!.b.request('POST', '/aws/console', { _csrf: session!.csrf, role });
          expectStatus(res, 200, 'POST /aws/console');
          received.push(assertionId(res.text));
          opened += 1;
        } catch (e) {
          if (e instanceof UnexpectedAnswer || e instanceof assert.AssertionError) unexpected.push(e.message);
          session = undefined; // a connection error: this person's sign-in or session is given up, the next one starts
        }
      }
    };
    const browsers = Array.from({ length: concurrency }, () => browse());
    cleanups.push(async () => { stop = true; await Promise.allSettled(browsers); });

    await until(() => received.length >= 30 && signIns.length >= 8, 'the first sign-ins and assertions');
    // Metrics on the management port, added up over both workers: new series from each of them.
    const metricsText = await (await fetch(`${node.management}/metrics`)).text();
    const samples = parsePrometheus(metricsText);
    const series = (name: string, labels: Record<string, string> = {}): Sample[] =>
      samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
    assert.deepEqual(workersOf(series('gatehouse_sign_ins_total', { factor: 'totp', result: 'success' })), ['1', '2']);
    assert.deepEqual(workersOf(series('gatehouse_sign_ins_total', { factor: 'password', result: 'success' })), ['1', '2']);
    assert.deepEqual(workersOf(series('gatehouse_saml_assertions_total', { sp: 'urn:amazon:webservices', account: '111122223333', result: 'success' })), ['1', '2']);
    assert.deepEqual(workersOf(series('gatehouse_signing_duration_seconds_count')), ['1', '2']);
    assert.deepEqual(workersOf(series('gatehouse_db_query_duration_seconds_count', { outcome: 'success' })), ['1', '2']);
    assert.ok(sum(series('gatehouse_saml_assertions_total', { result: 'success' })) >= 30, 'every assertion handed out is counted');
    assert.equal(sum(series('gatehouse_lockouts_total', { key: 'user' })), 1, 'one lock set');
    assert.equal(sum(series('gatehouse_sign_ins_total', { factor: 'password', result: 'failure' })), 3);
    assert.deepEqual(series('gatehouse_login_steps_total'), [], 'sign-in factors are counted once, as gatehouse_sign_ins_total');
    assert.deepEqual(series('gatehouse_workers', { state: 'listening' }).map((s) => s.value), [2]);
    assert.ok(series('gatehouse_process_resident_memory_bytes').length >= 3, 'memory of the primary and of each worker');
    const rss = series('gatehouse_process_resident_memory_bytes').map((s) => `${s.labels.worker}: ${Math.round(s.value / 2 ** 20)} MB`);

    // Kill worker 1 mid-load.
    const [victim] = listeningWorkerPids(serve.logs(), 1);
    const [survivor] = listeningWorkerPids(serve.logs(), 2);
    assert.ok(victim && survivor);
    const killedAt = Date.now();
    const answeredAtKill = received.length;
    process.kill(victim, 'SIGKILL');
    const replacement = await serve.waitFor(() => listeningWorkerPids(serve.logs(), 1).find((p) => p !== victim), 'worker 1 to be replaced');
    const replacedAt = Date.now();
    // Go on until the new worker has answered sign-in steps and assertions.
    await until(() => {
      const pids = pidOf();
      return exchanges.filter((e) => e.startedAt > replacedAt && e.path === '/aws/console' && pids.get(e.requestId ?? '') === replacement).length >= 3
        && signIns.some((ids) => ids.some((id) => pids.get(id) === replacement));
    }, 'the replacement worker to answer sign-ins and assertions');
    stop = true;
    await Promise.all(browsers);

    const pids = pidOf();
    const answered = exchanges.filter((e) => e.status !== undefined);
    const failed = exchanges.filter((e) => e.error !== undefined);
    assert.deepEqual(unexpected, [], 'every answer was the expected one (a 4xx here would mean state stayed in one worker)');
    assert.deepEqual(answered.filter((e) => e.status! >= 500), [], 'no 5xx');
    // (The killed worker may have answered a request just before the kill without logging it: such ids map to no pid.)
    assert.deepEqual(new Set(answered.filter((e) => e.endedAt < killedAt).map((e) => pids.get(e.requestId!)).filter((p) => p !== undefined)), new Set([victim, survivor]), 'both workers answered before the kill');
    assert.ok(signIns.some((ids) => new Set(ids.map((id) => pids.get(id)).filter((p) => p !== undefined)).size >= 2), 'a sign-in went through two workers');
    assert.ok(failed.length <= concurrency, `only requests in flight in the killed worker failed: ${failed.length}`);
    for (const e of failed) {
      assert.match(e.error!, /ECONNRESET|socket hang up|EPIPE/, 'a lost request is a closed connection, never one left unanswered');
      assert.ok(e.startedAt <= replacedAt, 'no request failed once the replacement listened');
    }
    const death = serve.logs().find((l) => l.role === 'primary' && l.worker === 1 && l.workerPid === victim && l.signal === 'SIGKILL');
    assert.ok(death, 'the primary logged the death');
    assert.match(String(death.msg), /killed by SIGKILL; starting a new one/);
    assert.equal(death.restartInMs, 0, 'the first death is replaced at once');
    const restarts = parsePrometheus(await (await fetch(`${node.management}/metrics`)).text()).filter((s) => s.name === 'gatehouse_worker_restarts_total');
    assert.deepEqual(restarts.map((s) => [s.labels.worker, s.value]), [['primary', 1]]);

    // SIGTERM with a request in flight: its body is half sent; the drain waits for it, then the primary exits 0.
    let sendRest!: () => void;
    const inFlight = drainer.request('POST', '/aws/console?drain=1', { _csrf: drainerCsrf, role }, { partialBody: (rest) => { sendRest = rest; } });
    await serve.waitFor(() => serve.logs().some((l) => l.msg === 'incoming request' && (l.req as { url?: string } | undefined)?.url === '/aws/console?drain=1'), 'the held request to arrive');
    serve.child.kill('SIGTERM');
    await serve.waitFor(() => serve.logs().filter((l) => l.msg === 'worker shutting down').length === 2, 'both workers to start draining');
    sendRest();
    const drained = await inFlight;
    assert.equal(drained.status, 200, drained.text.slice(0, 300));
    received.push(assertionId(drained.text));
    assert.equal(await serve.exited, 0, serve.output().slice(-3000));
    assert.equal(serve.logs().filter((l) => l.role === 'primary' && /exited with code 0$/.test(String(l.msg))).length, 2, 'both workers closed cleanly');

    // Every assertion handed out is in the audit log, and the chain is unbroken.
    const verify = await runProcess(process.execPath, gatehouseArgs(['audit', 'verify']), { cwd: projectRoot, env: { ...process.env, ...node.env } });
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /^audit log OK: \d+ event\(s\)/);
    const config = loadConfig({ env: {}, overrides: { database: { url: databaseUrl }, secrets: { key: secretKey } } });
    const ctx = await createContext(config, { migrate: false });
    const audited = new Set((await ctx.store.audit.list({ type: 'saml.assertion', limit: 100_000 })).filter((e) => e.outcome === 'success').map((e) => String(e.detail.assertionId)));
    await ctx.store.close();
    assert.deepEqual(received.filter((id) => !audited.has(id)), [], 'every assertion received was audited');

    const restartMs = replacedAt - killedAt;
    const beforeKill = answered.filter((e) => e.endedAt < killedAt);
    const perWorker = [victim, survivor].map((pid) => beforeKill.filter((e) => pids.get(e.requestId!) === pid).length);
    process.stdout.write(`# cluster (SQLite, 2 workers): ${exchanges.length} requests, ${signIns.length} sign-ins, ${received.length} assertions `
      + `(${answeredAtKill} before the kill); answered before the kill by worker 1 / 2: ${perWorker.join(' / ')}; lost in the killed worker: `
      + `${failed.map((e) => e.error).join(', ') || 'none'}; worker restart ${restartMs} ms; RSS ${rss.join(', ')}\n`);
  });

  it('PostgreSQL: /readyz red while the database does not answer, green when it does again; pool metrics per worker; restart back-off', async () => {
    const tdb = await seededDatabase('postgres', ['alice']);
    const { dir, secretKey } = tdb;
    const target = new URL(tdb.url);
    const proxy = await startPausableProxy(target.hostname, Number(target.port || 5432));
    cleanups.push(() => proxy.close());
    const viaProxy = new URL(tdb.url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const node = await startNode(dir, viaProxy.toString(), secretKey);
    cleanups.push(() => { node.serve.child.kill('SIGKILL'); });

    const readyz = async (): Promise<{ status: number; body: Record<string, unknown> }> => {
      const r = await fetch(`${node.management}/readyz`, { signal: AbortSignal.timeout(10_000) });
      return { status: r.status, body: await r.json() as Record<string, unknown> };
    };
    assert.deepEqual(await readyz(), { status: 200, body: { status: 'ready', database: 'postgres', databaseAnswers: true, workers: { listening: 2, wanted: 2 } } });
    const pool = parsePrometheus(await (await fetch(`${node.management}/metrics`)).text()).filter((s) => s.name === 'gatehouse_db_pool_connections' && s.labels.state === 'max');
    assert.deepEqual(pool.map((s) => [s.labels.worker, s.value]).sort(), [['1', 10], ['2', 10]]);

    proxy.pause(); // connections stay open; nothing gets through: the database host stopped answering
    const red = await readyz();
    assert.equal(red.status, 503);
    assert.deepEqual(red.body, { status: 'unavailable', database: 'postgres', databaseAnswers: false, workers: { listening: 2, wanted: 2 } });
    proxy.resume();
    let green = await readyz();
    for (let i = 0; i < 20 && green.status !== 200; i += 1) {
      await new Promise((r) => setTimeout(r, 250));
      green = await readyz();
    }
    assert.equal(green.status, 200, 'ready again without a restart');

    // A worker that keeps dying soon after it starts is started again with a back-off, not in a tight loop.
    const { serve } = node;
    const deathOf = (pid: number) => serve.logs().find((l) => l.role === 'primary' && l.workerPid === pid && l.signal === 'SIGKILL');
    const [first] = listeningWorkerPids(serve.logs(), 2);
    process.kill(first!, 'SIGKILL');
    const second = await serve.waitFor(() => listeningWorkerPids(serve.logs(), 2).find((p) => p !== first), 'worker 2 to be replaced');
    assert.equal((await serve.waitFor(() => deathOf(first!), 'the first death logged')).restartInMs, 0);
    process.kill(second, 'SIGKILL');
    const again = await serve.waitFor(() => deathOf(second), 'the second death logged');
    assert.equal(again.restartInMs, 1_000, 'died again within 10 s of starting: wait 1 s');
    assert.match(String(again.msg), /starting a new one in 1000 ms \(it keeps dying soon after starting\)/);

    // SIGTERM while that restart waits (or the worker is starting): the drain still ends with exit 0.
    assert.equal(await serve.stop('SIGTERM'), 0, serve.output().slice(-3000));
  });

  it('auto: one worker per two CPUs, always under a primary that replaces a worker that dies', async () => {
    const { url, dir, secretKey } = await seededDatabase('sqlite', ['alice']);
    const node = await startNode(dir, url, secretKey, 'auto');
    cleanups.push(() => { node.serve.child.kill('SIGKILL'); });
    const { serve } = node;
    const wanted = workerCount('auto'); // 1 on a 2-core machine: still under a primary
    assert.match(serve.output(), new RegExp(`\\(database: sqlite, ${wanted} workers?; management on `));
    const ready = await fetch(`${node.management}/readyz`);
    assert.deepEqual(await ready.json(), { status: 'ready', database: 'sqlite', databaseAnswers: true, workers: { listening: wanted, wanted } });

    const [first] = listeningWorkerPids(serve.logs(), 1);
    assert.ok(first !== undefined && first !== serve.child.pid, 'worker 1 is a process of its own, not the one serve started');
    process.kill(first, 'SIGKILL');
    const replacement = await serve.waitFor(() => listeningWorkerPids(serve.logs(), 1).find((p) => p !== first), 'worker 1 to be replaced');
    assert.notEqual(replacement, first);
    const login = await fetch(`${node.url}/login`, { signal: AbortSignal.timeout(clientTimeoutMs) });
    assert.equal(login.status, 200, 'the replacement serves the pages');
    assert.equal(await serve.stop('SIGTERM'), 0, serve.output().slice(-3000));
  });
});
