/**
 * The load side of the HTTP benchmarks: runs nodes exactly as operators do (`gatehouse serve`, the bundled
 * build in dist/bundle, each its own process), drives SSO over many distinct sessions from warmed keep-alive
 * connections, drives full
 * sign-ins (password + TOTP) through the pages from keep-alive connections too, and samples the nodes' resident memory from /proc while they work.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { BENCH_PASSWORD, BENCH_ROLE, BENCH_TOTP_SECRET, type BenchSession } from './prepareDatabase.js';
import { totpCodeAt, totpStep } from '../src/auth/totp.js';
import { serverNodeFlags } from '../src/http/serverNodeFlags.js';
import { freePort } from '../test/helpers/freePort.js';
import { gatehouseArgs } from '../test/helpers/gatehouseBin.js';


/** A running node: its URL, the pid of `gatehouse serve`, and the pids of its worker processes (none without --workers). */
export interface BenchServer {
  url: string;
  pid: number;
  /** The processes that serve requests: the workers, or the one process. */
  servingPids(): number[];
  stop(): Promise<void>;
}

/** Children of `pid` (Linux /proc), or [] elsewhere. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/**
 * Starts `gatehouse serve` on a free loopback port over `databaseUrl` (already prepared) and waits until
 * /readyz answers on its management port. One worker, in one process, unless `workers` says otherwise (`--workers <n|auto>`).
 */
export async function startBenchServer(o: { databaseUrl: string; secretKey: string; workers?: string; nodeArgs?: string[] }): Promise<BenchServer> {
  const port = await freePort();
  const managementPort = await freePort();
  const child: ChildProcess = spawn(process.execPath, gatehouseArgs(['serve', '--workers', o.workers ?? '1'], o.nodeArgs ?? serverNodeFlags), {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env, GATEHOUSE_DATABASE_URL: o.databaseUrl, GATEHOUSE_SECRET_KEY: o.secretKey, GATEHOUSE_HOST: '127.0.0.1',
      GATEHOUSE_PORT: String(port), GATEHOUSE_MANAGEMENT_PORT: String(managementPort), GATEHOUSE_BASE_URL: 'http://localhost:8080', GATEHOUSE_LOG_LEVEL: 'silent',
      // The sign-in driver sends each person's own address in X-Forwarded-For, as a load balancer would.
      GATEHOUSE_TRUST_PROXY: 'true',
    },
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`gatehouse serve exited with ${code}`))));
  exited.catch(() => undefined);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await Promise.race([fetch(`http://127.0.0.1:${managementPort}/readyz`).then((r) => r.ok, () => false), exited]);
    if (ok) break;
    if (Date.now() > deadline) { child.kill('SIGKILL'); throw new Error('gatehouse serve did not become ready within 60 s'); }
    await new Promise((r) => setTimeout(r, 100));
  }
  const pid = child.pid!;
  return {
    url, pid,
    servingPids: () => { const c = childrenOf(pid); return c.length > 0 ? c : [pid]; },
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) { resolve(); return; }
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    }),
  };
}

/** Resident set size of process `pid` in MB (Linux /proc), or NaN elsewhere. */
export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time (user + system, ms) that process `pid` has used so far (Linux /proc), or NaN elsewhere: all its threads,
 * or with `mainThread` only its main thread, the event loop (the rest is libuv's pool, where signatures and argon2
 * run, and V8's compiler and GC threads).
 */
export function cpuMs(pid: number, o: { mainThread?: boolean } = {}): number {
  try {
    const stat = readFileSync(o.mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100 on Linux)
  } catch {
    return Number.NaN;
  }
}

/** Samples the RSS of `pids` every 100 ms until stopped; returns the largest seen of any of them. */
export function sampleRss(pids: () => number[]): () => number {
  let peak = 0;
  const take = (): void => { for (const p of pids()) peak = Math.max(peak, rssMb(p) || 0); };
  take();
  const timer = setInterval(take, 100);
  return () => { clearInterval(timer); take(); return peak; };
}

export interface LoadResult { rps: number; p50: number; p99: number; max: number; requests: number; non2xx: number; errors: number }

const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/**
 * POST /aws/console from `connections` keep-alive connections in a closed loop (each sends its next request
 * when the last answer is in), spread over `urls` (one node per connection, round robin, as a layer-4 balancer
 * does), each request with the next of `sessions` in turn. Every connection first sends `warmup` requests that
 * are not measured: a busy Node.js server accepts one new connection per event-loop turn (libuv 1.45+), so the
 * first answers on 64 fresh connections measure connection set-up, not SSO; a balancer keeps its connections.
 */
export async function ssoLoad(urls: string[], sessions: BenchSession[], connections: number, seconds: number, warmup = 3): Promise<LoadResult> {
  let next = 0;
  let non2xx = 0;
  let errors = 0;
  const latencies: number[] = [];
  const post = (agent: Agent, target: URL): Promise<{ status: number; ms: number }> => new Promise((resolve, reject) => {
    const s = sessions[next++ % sessions.length]!;
    const body = new URLSearchParams({ _csrf: s.csrf, role: BENCH_ROLE }).toString();
    const t0 = performance.now();
    const req = httpRequest({
      host: target.hostname, port: target.port, path: '/aws/console', method: 'POST', agent,
      headers: { cookie: s.cookie, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      res.resume();
      res.once('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - t0 }));
      res.once('error', reject);
    });
    req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
    req.once('error', reject);
    req.end(body);
  });
  const agents = Array.from({ length: connections }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  const targets = agents.map((_, i) => new URL(urls[i % urls.length]!));
  await Promise.all(agents.map(async (agent, i) => { for (let k = 0; k < warmup; k++) await post(agent, targets[i]!).catch(() => undefined); }));
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(agents.map(async (agent, i) => {
    while (performance.now() < until) {
      try {
        const r = await post(agent, targets[i]!);
        latencies.push(r.ms);
        if (r.status < 200 || r.status >= 300) non2xx++;
      } catch {
        errors++;
      }
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  for (const a of agents) a.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? Number.NaN, requests: latencies.length, non2xx, errors };
}

const csrfIn = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/**
 * One browser over one keep-alive connection (node:http, as the SSO driver): its cookies by name, redirects not
 * followed. Cheap on purpose: the load side shares the machine's cores with the node it measures, so it reads a
 * body only when the caller needs it (the CSRF value of a form) and parses nothing but Set-Cookie.
 */
class Browser {
  readonly cookies = new Map<string, string>();
  constructor(private readonly agent: Agent, private readonly target: URL, private readonly ip: string) {}

  send(path: string, o: { body?: string; read?: boolean } = {}): Promise<{ status: number; text: string }> {
    const headers: Record<string, string | number> = { 'x-forwarded-for': this.ip };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (o.body !== undefined) { headers['content-type'] = 'application/x-www-form-urlencoded'; headers['content-length'] = Buffer.byteLength(o.body); }
    return new Promise((resolve, reject) => {
      const req = httpRequest({ host: this.target.hostname, port: this.target.port, path, method: o.body === undefined ? 'GET' : 'POST', agent: this.agent, headers }, (res) => {
        for (const line of res.headers['set-cookie'] ?? []) {
          const pair = line.slice(0, line.indexOf(';') >>> 0);
          const eq = pair.indexOf('=');
          this.cookies.set(pair.slice(0, eq), pair.slice(eq + 1));
        }
        let text = '';
        if (o.read) { res.setEncoding('utf8'); res.on('data', (c: string) => { text += c; }); } else res.resume();
        res.once('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.once('error', reject);
      });
      req.setTimeout(30_000, () => req.destroy(new Error('timeout')));
      req.once('error', reject);
      req.end(o.body);
    });
  }
}

/** The bench TOTP code at the current time step (every bench person has the same seed: one HMAC per step). */
let codeAt: { step: number; code: string } | undefined;
function currentCode(): string {
  const step = totpStep(Date.now());
  if (codeAt?.step !== step) codeAt = { step, code: totpCodeAt(BENCH_TOTP_SECRET, step) };
  return codeAt.code;
}

/**
 * Full browser sign-ins through the pages (GET /login, POST password, GET /login/mfa, POST TOTP → 303 with a
 * session), each with the flow cookie and CSRF value the previous page gave, at `concurrency` (one keep-alive
 * connection each), each by the next unused person of `users` from an address of their own, for `seconds` or
 * until the people run out. Latency is per whole sign-in.
 */
export async function signInLoad(url: string, users: string[], concurrency: number, seconds: number): Promise<LoadResult> {
  let next = 0;
  let failures = 0;
  let errors = 0;
  const latencies: number[] = [];
  const target = new URL(url);
  const agents = Array.from({ length: concurrency }, () => new Agent({ keepAlive: true, maxSockets: 1 }));
  const started = performance.now();
  const until = started + seconds * 1000;
  const one = async (agent: Agent, i: number): Promise<void> => {
    const b = new Browser(agent, target, `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    const t0 = performance.now();
    const login = await b.send('/login', { read: true });
    const pw = await b.send('/login/password', { body: new URLSearchParams({ _csrf: csrfIn(login.text), username: users[i]!, password: BENCH_PASSWORD }).toString() });
    if (pw.status !== 303) { failures++; return; }
    const mfa = await b.send('/login/mfa?factor=totp', { read: true });
    const done = await b.send('/login/totp', { body: new URLSearchParams({ _csrf: csrfIn(mfa.text), code: currentCode() }).toString() });
    if (done.status !== 303) { failures++; return; }
    latencies.push(performance.now() - t0);
  };
  await Promise.all(agents.map(async (agent) => {
    while (performance.now() < until && next < users.length) await one(agent, next++).catch(() => { errors++; });
  }));
  const elapsed = (performance.now() - started) / 1000;
  for (const a of agents) a.destroy();
  latencies.sort((a, b) => a - b);
  return { rps: latencies.length / elapsed, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: latencies.at(-1) ?? Number.NaN, requests: latencies.length, non2xx: failures, errors };
}
