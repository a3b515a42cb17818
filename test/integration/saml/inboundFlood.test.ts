// Issue 7, point 1: a flood of worst-case AuthnRequests must not stall the server. A real server on
// 127.0.0.1; six clients in another process send the hostile requests of hostileXml.ts for a few seconds
// while /healthz is probed. Before the caps, one such request cost seconds and /healthz answered after
// a median of seconds; now every flood request is a 4xx and every probe a 200. How fast they answer is
// reported here and measured by bench/inbound.ts; it is not a test's to assert.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bothDatabases } from '../../helpers/databases.js';
import { startTestApp } from '../../helpers/app.js';
import { runProcess } from '../../helpers/runProcess.js';
import { requestDefaults } from '../../fuzz/properties.js';
import type { FloodResult } from './floodClients.js';

const durationMs = 5000;
const clients = 6;

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? NaN;

describe('a flood of worst-case AuthnRequests', () => {
  for (const db of bothDatabases) {
    it(`${db}: every answer is a 4xx and /healthz keeps answering`, async (ctx) => {
      const t = await startTestApp({ db, listen: true });
      try {
        const input = { url: `http://127.0.0.1:${new URL(t.url).port}`, durationMs, clients, caps: { maxBytes: requestDefaults.maxBytes, ...requestDefaults.limits } };
        const run = await runProcess(process.execPath, ['--import', 'tsx', new URL('./floodClients.ts', import.meta.url).pathname], { input: JSON.stringify(input) });
        assert.equal(run.code, 0, run.stderr);
        const result = JSON.parse(run.stdout) as FloodResult;
        const healthz = [...result.healthzMs].sort((a, b) => a - b);
        const median = percentile(healthz, 50);
        ctx.diagnostic(`${result.sent} flood requests in ${durationMs} ms from ${clients} clients, answers ${JSON.stringify(result.statuses)}; `
          + `/healthz ${healthz.length} probes: median ${median.toFixed(1)} ms, p95 ${percentile(healthz, 95).toFixed(1)} ms, max ${percentile(healthz, 100).toFixed(1)} ms`);
        assert.deepEqual(result.errors, []);
        const statuses = Object.keys(result.statuses).map(Number);
        assert.ok(statuses.length > 0 && statuses.every((s) => s >= 400 && s < 500), `answers: ${JSON.stringify(result.statuses)}`);
        assert.ok(healthz.length > 0);
        assert.deepEqual(Object.keys(result.healthzStatuses), ['200'], `/healthz answers: ${JSON.stringify(result.healthzStatuses)}`);
      } finally {
        await t.close();
      }
    });
  }
});
