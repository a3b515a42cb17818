// docs/operations.md lists every metric Gatehouse defines (Node's process metrics aside), and nothing else.
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createMetrics } from '../../../src/http/metrics.js';
import { createPrimaryMetrics } from '../../../src/http/clusterMetrics.js';

it('docs/operations.md has a row for each metric of the workers and of the primary', async () => {
  const registries = [createMetrics({ defaults: true }).registry, createPrimaryMetrics(() => ({ wanted: 1, listening: 1, starting: 0 })).registry];
  const defined = new Set<string>();
  for (const r of registries) for (const m of await r.getMetricsAsJSON()) if (!/^gatehouse_(process|nodejs)_/.test(m.name)) defined.add(m.name);
  const doc = readFileSync(new URL('../../../docs/operations.md', import.meta.url), 'utf8');
  const documented = new Set([...doc.matchAll(/^\| `(gatehouse_\w+)` \|/gm)].map((m) => m[1]!));
  assert.deepEqual([...documented].sort(), [...defined].sort());
});
