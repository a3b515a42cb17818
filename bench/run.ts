/**
 * `npm run bench`: signing, the hot path, measured in one run on this machine, as ratios against the limit
 * (a raw RSA-SHA256 signature with a key like the active one, RSA 3072):
 *   1. raw signatures/s on one core (the limit);
 *   2. AWS assertions built + linted + signed/s (target: cost ≤ 1.25 × a raw signature);
 *   3. HTTP SSO responses/s (POST /aws/console → signed auto-POST page) for a signed-in session at
 *      concurrency 1 and 32, with autocannon, the server in its own process (one core)
 *      (target: ≥ 50 % of the raw signing rate per core);
 *   4. CLI start-up (bench/cliStartup.ts): `gatehouse login --help` and a credential_process cache hit
 *      against an empty Node process.
 * `--write-readme` puts the table into README.md between the bench markers.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { runSigningBench, formatSigningBench } from './signing.js';
import { runCliStartupBench, formatCliStartupBench } from './cliStartup.js';

async function startServer(): Promise<{ url: string; cookie: string; csrf: string; stop: () => void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', new URL('./ssoServer.ts', import.meta.url).pathname], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  return { ...(JSON.parse(line) as { url: string; cookie: string; csrf: string }), stop: () => child.kill('SIGTERM') };
}

async function sso(url: string, cookie: string, csrf: string, connections: number, seconds: number): Promise<{ rps: number; p99: number; non2xx: number }> {
  const r = await autocannon({
    url: `${url}/aws/console`, method: 'POST', connections, duration: seconds,
    headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ _csrf: csrf, role: '111122223333/ReadOnly' }).toString(),
  });
  return { rps: r.requests.average, p99: r.latency.p99, non2xx: r.non2xx };
}

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const signing = runSigningBench();
console.log(formatSigningBench(signing));
const cliStartup = formatCliStartupBench(runCliStartupBench());
console.log('\n' + cliStartup);
const server = await startServer();
try {
  await sso(server.url, server.cookie, server.csrf, 4, 2); // warm-up
  const c1 = await sso(server.url, server.cookie, server.csrf, 1, seconds);
  const c32 = await sso(server.url, server.cookie, server.csrf, 32, seconds);
  const pct = (x: number) => `${((x / signing.rawSignaturesPerSec) * 100).toFixed(0)} %`;
  const table = [
    '| measure (RSA ' + signing.keyBits + ', one core) | per second | vs. raw signature |',
    '|---|---|---|',
    `| raw RSA-SHA256 signatures (the limit) | ${signing.rawSignaturesPerSec.toFixed(0)} | 1.00× cost |`,
    `| AWS assertion built + linted + signed | ${signing.assertionsPerSec.toFixed(0)} | ${signing.ratio.toFixed(2)}× cost (target ≤ 1.25×) |`,
    `| same assertion signed via xml-crypto (samlify's path) | ${signing.xmlCryptoAssertionsPerSec.toFixed(0)} | ${signing.xmlCryptoRatio.toFixed(2)}× cost |`,
    `| HTTP SSO, concurrency 1 | ${c1.rps.toFixed(0)} | ${pct(c1.rps)} of the raw rate (p99 ${c1.p99} ms) |`,
    `| HTTP SSO, concurrency 32 | ${c32.rps.toFixed(0)} | ${pct(c32.rps)} of the raw rate (p99 ${c32.p99} ms; target ≥ 50 %) |`,
  ].join('\n');
  console.log('\n' + table);
  if (c1.non2xx + c32.non2xx > 0) console.log(`\nWARNING: ${c1.non2xx + c32.non2xx} responses were not 2xx`);
  if (process.argv.includes('--write-readme')) {
    const readme = readFileSync('README.md', 'utf8');
    const stamp = `Measured ${new Date().toISOString().slice(0, 10)} on ${(await import('node:os')).cpus()[0]?.model ?? 'this machine'}, Node ${process.version}.`;
    writeFileSync('README.md', readme.replace(/<!-- bench:start -->[\s\S]*<!-- bench:end -->/, `<!-- bench:start -->\n${stamp}\n\n${table}\n<!-- bench:end -->`));
  }
} finally {
  server.stop();
}
