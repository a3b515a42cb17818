/**
 * What a hostile inbound AuthnRequest costs (issue 7): each worst case of test/fuzz/hostileXml.ts, filled to
 * just under saml.maxRequestBytes, through /saml/sso in both bindings with an unknown Issuer and no session —
 * in process (app.inject), one request at a time, so a request's wall time is the event loop's time for it alone.
 * Printed as p50 and p99 wall time of `runs` requests each, the mean event-loop CPU (the thread's CPU over all
 * runs: the kernel counts it in ticks, too coarse for one request), and that mean against the CPU of one raw RSA
 * signature (the bench's unit). The tests hold the
 * same requests to the caps by counting what reaches the XML parser (test/fuzz/xmlParseMeter.ts), not by time.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/loadConfig.js';
import { createContext } from '../src/context.js';
import { registerServiceProvider } from '../src/directory/registerServiceProvider.js';
import { buildApp } from '../src/http/buildApp.js';
import { fitsInUrl, hostileRequests, sendAuthnRequest } from '../test/fuzz/hostileXml.js';
import { genericSpMetadata } from '../test/unit/saml/spFixtures.js';

/** `process.threadCpuUsage` (Node 23.9 and later): the CPU time of the calling thread only. */
const threadCpuUsage = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage?.bind(process);

/**
 * The event loop's CPU time in ms: the main thread's own, so that V8's compiler and collector threads do not
 * count. `process.threadCpuUsage`, else on Linux the kernel's per-thread count, else the whole process's.
 */
function loopCpuMs(): number {
  if (threadCpuUsage) { const { user, system } = threadCpuUsage(); return (user + system) / 1000; }
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1000;
  }
}

export interface InboundRow { binding: 'GET' | 'POST'; name: string; bytes: number; status: number; p50: number; p99: number; cpuMean: number }

/** Each hostile request, `runs` times per binding, after one warm-up. */
export async function runInboundBench(runs = 100): Promise<InboundRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-inbound-'));
  const config = loadConfig({
    env: {},
    overrides: {
      server: { host: '127.0.0.1', port: 8080, baseUrl: 'http://localhost:8080', logLevel: 'silent' },
      database: { url: `sqlite:${join(dir, 'bench.db')}` },
      secrets: { key: randomBytes(32).toString('base64') },
    },
  });
  const ctx = await createContext(config);
  const app = await buildApp(ctx, { logger: false });
  try {
    await app.ready();
    await registerServiceProvider(ctx, { metadataXml: genericSpMetadata(), name: 'Example SP' });
    const { maxRequestBytes, requestLimits } = config.saml;
    const send = (binding: 'GET' | 'POST', xml: string) => sendAuthnRequest(app, binding, xml);
    const rows: InboundRow[] = [];
    for (const { name, xml } of hostileRequests(maxRequestBytes - 600, { maxBytes: maxRequestBytes, ...requestLimits })) {
      for (const binding of ['GET', 'POST'] as const) {
        if (binding === 'GET' && !fitsInUrl(xml)) continue;
        let status = (await send(binding, xml)).statusCode; // warm-up
        const samples: number[] = [];
        const cpu0 = loopCpuMs();
        for (let i = 0; i < runs; i++) {
          const t0 = performance.now();
          status = (await send(binding, xml)).statusCode;
          samples.push(performance.now() - t0);
        }
        const cpuMean = (loopCpuMs() - cpu0) / runs;
        samples.sort((a, b) => a - b);
        rows.push({ binding, name, bytes: Buffer.byteLength(xml), status, p50: samples[Math.floor(runs / 2)]!, p99: samples[Math.min(runs - 1, Math.floor(runs * 0.99))]!, cpuMean });
      }
    }
    return rows;
  } finally {
    await app.close();
    await ctx.store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The rows as a Markdown table, each against `unitMs` (the CPU of one raw signature). */
export function formatInboundBench(rows: readonly InboundRow[], unitMs: number): string {
  const worst = rows.reduce((w, r) => (r.p99 > w.p99 ? r : w), rows[0]!);
  const costliest = rows.reduce((w, r) => (r.cpuMean > w.cpuMean ? r : w), rows[0]!);
  return [
    '| hostile AuthnRequest (just under the size cap) | binding | bytes | status | p50 ms | p99 ms | mean CPU ms | mean CPU ÷ one raw signature |',
    '|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.name} | ${r.binding} | ${r.bytes} | ${r.status} | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.cpuMean.toFixed(2)} | ${(r.cpuMean / unitMs).toFixed(2)} × |`),
    '',
    `Costliest on average: ${costliest.cpuMean.toFixed(2)} ms of CPU (${costliest.binding} ${costliest.name}), ${(costliest.cpuMean / unitMs).toFixed(2)} × one raw signature. `
      + `Worst p99: ${worst.p99.toFixed(2)} ms (${worst.binding} ${worst.name}); a p99 of 100 runs is their slowest, and holds any garbage collection that fell into it.`,
  ].join('\n');
}
