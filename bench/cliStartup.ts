/**
 * CLI start-up, as a person (and the AWS SDK, through credential_process) meets it: the installed bin/gatehouse.js
 * (the bundle in dist/bundle, rebuilt first when src/ is newer) run as a new process, median wall time of N runs,
 * against the limit: `node -e ""`, a Node process that loads nothing. `gatehouse --help` loads every
 * command module, which is what every command cost before main.ts loaded them lazily.
 * Run alone: `npx tsx bench/cliStartup.ts`; `npm run bench` runs it first.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveCachedCredentials } from '../src/cli/login/credentialCache.js';
import { credentialProcessCacheKey } from '../src/cli/login/runCredentialProcess.js';
import { resolveSettings } from '../src/cli/login/settings.js';
import { ensureDist } from '../scripts/builtDist.mjs';
import { gatehouseBin } from '../test/helpers/gatehouseBin.js';

const root = new URL('..', import.meta.url).pathname;

export interface CliStartupRow { label: string; medianMs: number; ratio: number }

function medianMs(args: string[], runs: number, home: string): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH, HOME: home } });
    if (r.status !== 0 || (args.includes('credential-process') && !args.includes('--help') && !r.stdout.toString().includes('"Expiration"'))) {
      throw new Error(`${args.join(' ')} exited with ${r.status}: ${r.stderr.toString()}`);
    }
    times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

/** Builds the bundle when it is stale and times each command's start-up. */
export function runCliStartupBench(runs = Number(process.env.BENCH_CLI_RUNS ?? 15)): CliStartupRow[] {
  ensureDist((line) => console.error(`bench: ${line}`));
  const cli = gatehouseBin;
  // A credential_process cache entry, so that the cache hit (what the AWS SDK meets most often) is timed.
  const home = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
  const savedHome = process.env.HOME;
  const flags = ['--url', 'http://localhost:9', '--role', 'prod/ReadOnly'];
  try {
    process.env.HOME = home;
    const key = credentialProcessCacheKey(resolveSettings({ url: flags[1], role: flags[3] }), {});
    saveCachedCredentials(key, { accessKeyId: 'ASIABENCH', secretAccessKey: 'x', sessionToken: 'y', expiration: new Date(Date.now() + 3600_000) });
  } finally {
    process.env.HOME = savedHome;
  }
  try {
    const base = medianMs(['-e', ''], runs, home);
    const rows: [string, string[]][] = [
      ['node -e "" (the limit)', ['-e', '']],
      ['gatehouse login --help', [cli, 'login', '--help']],
      ['gatehouse credential-process (cache hit)', [cli, 'credential-process', ...flags]],
      ['gatehouse whoami --help', [cli, 'whoami', '--help']],
      ['gatehouse --help (every module, as before lazy loading)', [cli, '--help']],
    ];
    return rows.map(([label, args]) => {
      const ms = label.startsWith('node') ? base : medianMs(args, runs, home);
      return { label, medianMs: ms, ratio: ms / base };
    });
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The rows as a Markdown table. */
export function formatCliStartupBench(rows: readonly CliStartupRow[]): string {
  return ['| CLI start-up (new process, median) | ms | vs. empty node |', '|---|---|---|',
    ...rows.map((r) => `| ${r.label} | ${r.medianMs.toFixed(0)} | ${r.ratio.toFixed(2)}× |`)].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(formatCliStartupBench(runCliStartupBench()));
