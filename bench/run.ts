/**
 * `npm run bench`: one table, measured in one run on this machine, every rate set against its physical limit.
 *
 * Limits: raw RSA-SHA256 signatures (a key like the active one, RSA 3072) on one core and on every core, and
 * argon2id verifications with the configured parameters at concurrency 16.
 * Measured: HTTP SSO (POST /aws/console → signed auto-POST page) for 1,000 distinct signed-in sessions at
 * concurrency 1 and 64, with p50 and p99, on SQLite and PostgreSQL, with one node and with two nodes on one
 * PostgreSQL database, and with `--workers auto`; full sign-ins
 * (password + TOTP through the pages) at concurrency 16; resident memory per serving process, idle and the
 * peak under load. Nodes run as operators run them: `gatehouse serve` from the bundled build (rebuilt first
 * when src/ is newer), NODE_ENV=production as in the Dockerfile, loopback only.
 *
 * "CPU ms per op" is the CPU time the serving processes (all their threads) spent per request, set against the CPU
 * time of the limit's own operation (one raw signature; one argon2id verification); then how much of it their
 * event loops (main threads) spent, the rest being libuv's pool (signatures, argon2id) and V8's own threads; then
 * the CPU this process spent generating the load, on the same cores. A rate can reach a share s of an all-core
 * limit only if (serving + load) CPU per op ≤ (the limit's CPU per op) ÷ s. Per-op CPU moves less than the rates
 * when other work shares the machine, but it does move (the two vCPUs of a small machine may share one core).
 *
 * Bounded: about 2 to 3 minutes (BENCH_SECONDS per measurement, default 5); a run that passes 5 minutes stops.
 * PostgreSQL rows need GATEHOUSE_BENCH_PG_URL (or GATEHOUSE_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432/postgres);
 * without a reachable server they say so. `--write-readme` puts the table into README.md between the bench markers.
 * `--only <text>` measures only the scenarios whose label contains the text (for example `--only 'SQLite, 1'`).
 * Without it, the cost of hostile inbound AuthnRequests is printed first, as its own table (inbound.ts).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config/loadConfig.js';
import { ensureDist } from '../scripts/builtDist.mjs';
import { rawSigningAllCores, rawSigningCpuMs, runSigningBench } from './signing.js';
import { argon2Rate } from './argon2.js';
import { formatCliStartupBench, runCliStartupBench } from './cliStartup.js';
import { formatInboundBench, runInboundBench } from './inbound.js';
import { prepareDatabase } from './prepareDatabase.js';
import { workerCount } from '../src/http/runServer.js';
import { cpuMs, rssMb, sampleRss, signInLoad, ssoLoad, startBenchServer, type BenchServer, type LoadResult } from './httpLoad.js';

const started = Date.now();
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const hardLimitMs = 5 * 60_000;
const watchdog = setTimeout(() => { console.error('bench: stopped after 5 minutes'); process.exit(2); }, hardLimitMs);
watchdog.unref();
process.env.NODE_ENV = 'production'; // inherited by the nodes: templates compiled once, as in the Dockerfile
const root = new URL('..', import.meta.url).pathname;
const load = (): string => loadavg().map((x) => x.toFixed(2)).join(' ');
const loadAtStart = load();


const pgAdminUrl = process.env.GATEHOUSE_BENCH_PG_URL ?? process.env.GATEHOUSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database for one scenario and how to remove it; undefined when PostgreSQL is not reachable. */
async function newDatabase(kind: 'sqlite' | 'postgres'): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
    return { url: `sqlite:${join(dir, 'bench.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const name = `gatehouse_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: pgAdminUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
  } catch {
    return undefined;
  } finally {
    await admin.end().catch(() => undefined);
  }
  const u = new URL(pgAdminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: pgAdminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

interface Scenario { label: string; db: 'sqlite' | 'postgres'; nodes: number; workers?: 'auto'; signIns: boolean; limit: 'one core' | 'all cores' }
/**
 * A load result with the CPU time spent per request (ms): by the serving processes (all threads), by their main
 * threads alone (event loops), and by this process, which generates the load on the same cores.
 */
type Run = LoadResult & { cpuMs: number; mainMs: number; loadMs: number };
interface Measured { scenario: Scenario; c1?: Run; c64?: Run; signIn?: Run; rssIdle?: number; rssPeak?: number; rssSignIn?: number; note?: string }

/** Runs `load` and adds the CPU time used per completed request (see Run). */
async function withCpu(pids: () => number[], load: () => Promise<LoadResult>): Promise<Run> {
  const total = (mainThread: boolean): number => pids().reduce((sum, p) => sum + cpuMs(p, { mainThread }), 0);
  const ownMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const before = { all: total(false), main: total(true), own: ownMs() };
  const r = await load();
  const per = (ms: number): number => ms / Math.max(1, r.requests);
  return { ...r, cpuMs: per(total(false) - before.all), mainMs: per(total(true) - before.main), loadMs: per(ownMs() - before.own) };
}

async function measure(sc: Scenario): Promise<Measured> {
  const db = await newDatabase(sc.db);
  if (!db) return { scenario: sc, note: `not measured: no PostgreSQL at ${new URL(pgAdminUrl).host}` };
  const secretKey = randomBytes(32).toString('base64');
  const servers: BenchServer[] = [];
  try {
    const { sessions, signInUsers } = await prepareDatabase({ url: db.url, secretKey, sessions: 1000, signInUsers: sc.signIns ? 1000 : 0 });
    for (let i = 0; i < sc.nodes; i++) servers.push(await startBenchServer({ databaseUrl: db.url, secretKey, ...(sc.workers ? { workers: sc.workers } : {}) }));
    const pids = (): number[] => servers.flatMap((s) => s.servingPids());
    const urls = servers.map((s) => s.url);
    await ssoLoad(urls, sessions, 8, 2); // warm-up: JIT, key cache, connection pools
    const rssIdle = Math.max(...pids().map(rssMb));
    const peak = sampleRss(pids);
    const c1 = await withCpu(pids, () => ssoLoad(urls, sessions, 1, seconds));
    const c64 = await withCpu(pids, () => ssoLoad(urls, sessions, 64, seconds));
    const rssPeak = peak();
    if (!sc.signIns) return { scenario: sc, c1, c64, rssIdle, rssPeak };
    const signInPeak = sampleRss(pids);
    const signIn = await withCpu(pids, () => signInLoad(urls[0]!, signInUsers, 16, seconds));
    return { scenario: sc, c1, c64, signIn, rssIdle, rssPeak, rssSignIn: signInPeak() };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await db.drop();
  }
}

/** `--only <text>`: measure only the scenarios whose label contains it (for work on one of them; never for the README). */
const onlyAt = process.argv.indexOf('--only');
const only = onlyAt >= 0 ? process.argv[onlyAt + 1] : undefined;
ensureDist((line) => console.error(`bench: ${line}`));
console.log(formatCliStartupBench(runCliStartupBench()) + '\n');
const signing = runSigningBench({ msPerCase: 1500 });
const signCpu = rawSigningCpuMs(signing.keyBits);
if (only === undefined) console.log(formatInboundBench(await runInboundBench(), signCpu) + '\n');
const allCores = await rawSigningAllCores({ ms: 3000 });
const argon2Params = loadConfig({ env: {} }).auth.argon2;
const { perSecond: argon2, cpuMs: argon2Cpu } = await argon2Rate(argon2Params, 16, seconds);
/** What `--workers auto` starts here: N workers under a primary. */
const autoWorkers = workerCount('auto');
const auto = `${autoWorkers} worker${autoWorkers === 1 ? '' : 's'} under a primary`;
const scenarios: Scenario[] = [
  { label: 'SQLite, 1 worker', db: 'sqlite', nodes: 1, signIns: true, limit: 'one core' },
  { label: `SQLite, --workers auto (${auto})`, db: 'sqlite', nodes: 1, workers: 'auto', signIns: true, limit: 'all cores' },
  { label: 'PostgreSQL, 1 worker', db: 'postgres', nodes: 1, signIns: false, limit: 'one core' },
  { label: `PostgreSQL, --workers auto (${auto})`, db: 'postgres', nodes: 1, workers: 'auto', signIns: false, limit: 'all cores' },
  { label: 'PostgreSQL, 2 nodes (1 worker each)', db: 'postgres', nodes: 2, signIns: false, limit: 'all cores' },
];
if (only !== undefined && process.argv.includes('--write-readme')) throw new Error('--only measures part of the table; do not combine it with --write-readme');
const results: Measured[] = [];
for (const sc of scenarios.filter((s) => only === undefined || s.label.includes(only))) {
  results.push(await measure(sc));
}

const f0 = (x: number): string => (Number.isFinite(x) ? x.toFixed(0) : '–');
const pct = (x: number, of: number): string => `${((x / of) * 100).toFixed(0)} %`;
const rawOne = signing.rawSignaturesPerSec;
const rawAll = allCores.perSecond;
const target = (sc: Scenario): string => (sc.nodes > 1 ? '' : sc.limit === 'one core' ? ' (target ≥ 80 % of one core)' : ' (target ≥ 70 % of all cores)');
const rss = (m: Measured): string => `${f0(m.rssIdle ?? Number.NaN)} → ${f0(m.rssPeak ?? Number.NaN)}`;
const cost = (ms: number, unit: number): string => `${ms.toFixed(2)} (${(ms / unit).toFixed(2)} ×)`;
/** A run's CPU per op: the serving processes' (× the limit's), of it their event loops', and the load generator's. */
const runCost = (r: Run, unit: number): string => `${cost(r.cpuMs, unit)}; loops ${r.mainMs.toFixed(2)}; load +${r.loadMs.toFixed(2)}`;
const lines = [
  '| measure | conc. | per second | p50 ms | p99 ms | p99 ÷ p50 | CPU ms per op (× the limit\'s); of it in the event loops; the load generator\'s besides | against the limit (per second) | RSS MB per process, idle → load |',
  '|---|---|---|---|---|---|---|---|---|',
  `| raw RSA-SHA256 signatures, RSA ${signing.keyBits}, one core (limit) | 1 | ${f0(rawOne)} | | | | ${cost(signCpu, signCpu)} | 1.00 | |`,
  `| raw RSA-SHA256 signatures, all ${allCores.threads} cores (limit) | ${allCores.threads} | ${f0(rawAll)} | | | | | ${(rawAll / rawOne).toFixed(2)} × one core | |`,
  `| AWS assertion built + linted + signed, one core | 1 | ${f0(signing.assertionsPerSec)} | | | | | ${signing.ratio.toFixed(2)} × the cost of a raw signature (target ≤ 1.25) | |`,
  `| argon2id verifications (m=${argon2Params.memoryCost} KiB, t=${argon2Params.timeCost}, p=${argon2Params.parallelism}) (limit) | 16 | ${f0(argon2)} | | | | ${cost(argon2Cpu, argon2Cpu)} | 1.00 | |`,
];
let non2xx = 0;
for (const m of results) {
  const sc = m.scenario;
  if (m.note) { lines.push(`| SSO over HTTP, ${sc.label} | 1, 64 | ${m.note} | | | | | | |`); continue; }
  for (const [c, r] of [[1, m.c1], [64, m.c64]] as const) {
    if (!r) continue;
    non2xx += r.non2xx + r.errors;
    lines.push(`| SSO over HTTP, ${sc.label} | ${c} | ${f0(r.rps)} | ${f0(r.p50)} | ${f0(r.p99)} | ${(r.p99 / Math.max(1, r.p50)).toFixed(1)} (target ≤ 3) | ${runCost(r, signCpu)} | ${pct(r.rps, rawOne)} of one core, ${pct(r.rps, rawAll)} of all cores${target(sc)} | ${c === 64 ? `${rss(m)} (target < 150)` : ''} |`);
  }
  if (m.signIn) {
    const r = m.signIn;
    non2xx += r.non2xx + r.errors;
    lines.push(`| sign-ins (password + TOTP), ${sc.label} | 16 | ${r.rps.toFixed(1)} | ${f0(r.p50)} | ${f0(r.p99)} | ${(r.p99 / Math.max(1, r.p50)).toFixed(1)} | ${runCost(r, argon2Cpu)} | ${pct(r.rps, argon2)} of argon2id (target ≥ 85 %) | → ${f0(m.rssSignIn ?? Number.NaN)} |`);
  }
}
const table = lines.join('\n');
const stamp = `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model?.trim() ?? 'this machine'} (${availableParallelism()} cores), Node ${process.version}, ` +
  `${seconds} s per measurement; load average ${loadAtStart} at the start, ${load()} at the end (1, 5, 15 min).`;
console.log(`\n${stamp}\n\n${table}`);
if (non2xx > 0) console.log(`\nWARNING: ${non2xx} requests failed or were not 2xx/3xx`);
console.log(`\n(${((Date.now() - started) / 1000).toFixed(0)} s)`);
if (process.argv.includes('--write-readme')) {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  writeFileSync(join(root, 'README.md'), readme.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, `<!-- bench:start -->\n${stamp}\n\n${table}\n<!-- bench:end -->`));
}
