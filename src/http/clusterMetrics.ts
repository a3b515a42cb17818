/**
 * Metrics across a cluster: the primary asks each worker for its registry over the cluster's IPC channel and
 * adds them up with prom-client's AggregatorRegistry. Every worker labels its series `worker="<n>"`, so the
 * sum keeps one series per worker (a restarted worker's counters start again from 0 under its own label,
 * which Prometheus reads as a counter reset, as it should).
 */
import type { Worker } from 'node:cluster';
import { AggregatorRegistry, Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

const requestType = 'gatehouse:metrics-request';
const responseType = 'gatehouse:metrics-response';

interface MetricsRequest { type: typeof requestType; id: number }
interface MetricsResponse { type: typeof responseType; id: number; metrics?: MetricsJson; error?: string }

const isRequest = (m: unknown): m is MetricsRequest => typeof m === 'object' && m !== null && (m as MetricsRequest).type === requestType;
const isResponse = (m: unknown): m is MetricsResponse => typeof m === 'object' && m !== null && (m as MetricsResponse).type === responseType;

/** In a worker: answers the primary's requests for this worker's metrics with `registry`. */
export function answerMetricsRequests(registry: Registry): void {
  process.on('message', (m: unknown) => {
    if (!isRequest(m)) return;
    registry.getMetricsAsJSON().then(
      (metrics) => { process.send?.({ type: responseType, id: m.id, metrics } satisfies MetricsResponse); },
      (err: unknown) => { process.send?.({ type: responseType, id: m.id, error: String(err) } satisfies MetricsResponse); },
    );
  });
}

/** The primary's own metrics: its process, the workers it keeps, and how often it had to replace one. */
export interface PrimaryMetrics { registry: Registry; restarts: Counter }

/** Creates the primary's registry (series labelled `worker="primary"`); `workers` is read at each scrape. */
export function createPrimaryMetrics(workers: () => { wanted: number; listening: number; starting: number }): PrimaryMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ worker: 'primary' });
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' });
  new Gauge({
    name: 'gatehouse_workers', help: 'Worker processes: wanted, and running now by state (listening, starting)', labelNames: ['state'], registers: [registry],
    collect() {
      for (const [state, n] of Object.entries(workers())) this.set({ state }, n);
    },
  });
  const restarts = new Counter({ name: 'gatehouse_worker_restarts_total', help: 'Workers started again after one died', registers: [registry] });
  return { registry, restarts };
}

let nextId = 0;

/** One worker's metrics, or undefined when it dies, fails or does not answer within `timeoutMs`. */
function askWorker(worker: Worker, timeoutMs: number): Promise<MetricsJson | undefined> {
  const id = nextId++;
  return new Promise((resolve) => {
    const done = (v: MetricsJson | undefined): void => {
      clearTimeout(timer);
      worker.off('message', onMessage);
      worker.off('exit', onExit);
      resolve(v);
    };
    const onMessage = (m: unknown): void => { if (isResponse(m) && m.id === id) done(m.metrics); };
    const onExit = (): void => done(undefined);
    const timer = setTimeout(() => done(undefined), timeoutMs);
    worker.on('message', onMessage);
    worker.on('exit', onExit);
    worker.send({ type: requestType, id } satisfies MetricsRequest, (err: Error | null) => { if (err) done(undefined); });
  });
}

/**
 * In the primary: the Prometheus text of `own` (the primary's registry) and of every worker in `workers`,
 * added up. Workers that do not answer within `timeoutMs` are left out and returned in `missing`, so one
 * stuck or dying worker never fails the scrape.
 */
export async function gatherClusterMetrics(own: Registry, workers: ReadonlyMap<string, Worker>, timeoutMs = 2000): Promise<{ text: string; contentType: string; missing: string[] }> {
  const entries = [...workers.entries()];
  const answers = await Promise.all(entries.map(([, w]) => askWorker(w, timeoutMs)));
  const missing = entries.filter((_, i) => answers[i] === undefined).map(([name]) => name);
  const all = [await own.getMetricsAsJSON(), ...answers.filter((a): a is MetricsJson => a !== undefined)];
  const registry = AggregatorRegistry.aggregate(all);
  return { text: await registry.metrics(), contentType: own.contentType, missing };
}
