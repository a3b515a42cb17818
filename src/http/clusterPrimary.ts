import cluster, { type Worker } from 'node:cluster';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/loadConfig.js';
import { GatehouseError, isGatehouseError } from '../errors.js';
import { createPrimaryMetrics, gatherClusterMetrics } from './clusterMetrics.js';
import { createLogger } from './logging.js';
import { boundAddress, startManagementServer } from './managementServer.js';
import { finishStart, prepareNode, startPurge, type ServeOptions } from './prepareNode.js';
import { RestartBackoff } from './restartBackoff.js';
import { databaseAnswers } from './routes/health.js';
import { startFailureOf } from './workerStartFailure.js';
import { withServerNodeFlags } from './serverNodeFlags.js';

/** One worker place: its number (the `worker` label, kept across restarts) and the process in it now. */
interface Slot {
  index: number;
  backoff: RestartBackoff;
  worker?: Worker;
  /** When the current worker started listening (ms). */
  listeningSince?: number;
  restartTimer?: NodeJS.Timeout;
}

/** The worker entry point beside this file: .ts when run from source (tsx), .js when built. */
const workerEntry = fileURLToPath(new URL(`./workerMain${extname(fileURLToPath(import.meta.url))}`, import.meta.url));

/** How long the drain may take before the workers left are killed and the primary exits 1. */
const drainTimeoutMs = 15_000;

/**
 * The cluster primary of `gatehouse serve --workers N`: prepares the node once (migrations, identity, signing key),
 * serves the management listener (metrics of every worker added up, readiness), starts N workers on the public
 * port, records the identity and prints the first-run link once they all listen (finishStart), and replaces any
 * worker that dies, with a back-off when one keeps dying (RestartBackoff). A worker that dies before the first N
 * all listened stops the start (the same fault would kill every replacement): the promise rejects with why, the
 * worker's own error when it told us (workerStartFailure.ts), once however many workers failed. A replacement
 * that cannot start for a known reason (a port in use) stops the node too: `opts.onFatal` gets the error and the
 * workers drain, exit code 1. SIGTERM or SIGINT drains: each worker closes its server gracefully, then the primary
 * exits 0 (1 when a worker had to be killed or failed to close).
 */
export async function runClusterPrimary(config: Config, count: number, opts: ServeOptions = {}): Promise<void> {
  const log = createLogger(config.server.logLevel).child({ role: 'primary' });
  const ctx = await prepareNode(config, log, opts);
  const slots: Slot[] = Array.from({ length: count }, (_, i) => ({ index: i + 1, backoff: new RestartBackoff() }));
  const listening = (): Slot[] => slots.filter((s) => s.worker && s.listeningSince !== undefined);

  const { registry, restarts } = createPrimaryMetrics(() => {
    const up = listening().length;
    return { wanted: count, listening: up, starting: slots.filter((s) => s.worker).length - up };
  });

  let management;
  try {
    management = await startManagementServer(config, log, {
      metrics: async () => {
        const workers = new Map(listening().map((s) => [String(s.index), s.worker!] as const));
        const m = await gatherClusterMetrics(registry, workers);
        if (m.missing.length > 0) log.warn({ workers: m.missing }, 'metrics: some workers did not answer in time; left out of this scrape');
        return m;
      },
      readiness: async () => {
        const database = await databaseAnswers(ctx.store, log);
        const up = listening().length;
        return { ready: database && up > 0, detail: { database: ctx.store.dialect, databaseAnswers: database, workers: { listening: up, wanted: count } } };
      },
    });
  } catch (e) {
    await ctx.store.close();
    throw e;
  }
  const stopPurge = startPurge(ctx, log);

  let phase: 'starting' | 'running' | 'draining' | 'failed' = 'starting';
  let drainExitCode = 0;
  let startup!: { resolve: () => void; reject: (e: Error) => void };
  const allListening = new Promise<void>((resolve, reject) => { startup = { resolve, reject }; });

  const finish = async (code: number): Promise<never> => {
    stopPurge();
    await management.close().catch(() => {});
    await ctx.store.close().catch(() => {});
    process.exit(code);
  };

  const fork = (slot: Slot): void => {
    slot.restartTimer = undefined;
    const w = cluster.fork({ GATEHOUSE_WORKER_INDEX: String(slot.index) });
    slot.worker = w;
    slot.listeningSince = undefined;
    w.once('listening', () => {
      slot.listeningSince = Date.now();
      log.info({ worker: slot.index, workerPid: w.process.pid }, `worker ${slot.index} is listening (pid ${w.process.pid})`);
      if (phase === 'starting' && listening().length === count) startup.resolve();
    });
    w.once('exit', (code, signal) => { onExit(slot, w, code, signal); });
    w.on('message', (m: unknown) => {
      const failure = startFailureOf(m, slot.index);
      if (failure) onStartFailure(slot, failure);
    });
  };

  const onStartFailure = (slot: Slot, failure: Error): void => {
    if (phase === 'starting') {
      phase = 'failed';
      startup.reject(failure);
    } else if (phase === 'running' && isGatehouseError(failure)) {
      log.error({ worker: slot.index, code: failure.code }, `worker ${slot.index} cannot start: ${failure.message}; stopping`);
      (opts.onFatal ?? ((e: Error) => { process.stderr.write(`gatehouse: ${e.message}\n`); }))(failure);
      drain('a worker cannot start', 1);
    } else if (phase === 'running') {
      log.warn({ worker: slot.index }, failure.message);
    }
  };

  const onExit = (slot: Slot, w: Worker, code: number | null, signal: string | null): void => {
    if (slot.worker !== w) return;
    const servedMs = slot.listeningSince === undefined ? undefined : Date.now() - slot.listeningSince;
    slot.worker = undefined;
    slot.listeningSince = undefined;
    const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
    if (phase === 'failed') return;
    if (phase === 'draining') {
      // Clean: closed with exit code 0, or stopped by the drain's SIGTERM before it listened (nothing in flight).
      if (code !== 0 && !(signal === 'SIGTERM' && servedMs === undefined)) drainExitCode = 1;
      log.info({ worker: slot.index, workerPid: w.process.pid, code, signal }, `worker ${slot.index} (pid ${w.process.pid}) ${how}`);
      if (slots.every((s) => !s.worker)) void finish(drainExitCode);
      return;
    }
    if (phase === 'starting') {
      phase = 'failed';
      startup.reject(new GatehouseError('internal', `worker ${slot.index} ${how} before it listened; see its log above`));
      return;
    }
    const delay = slot.backoff.died(servedMs);
    restarts.inc();
    log.warn({ worker: slot.index, workerPid: w.process.pid, code, signal, servedMs, restartInMs: delay },
      `worker ${slot.index} (pid ${w.process.pid}) ${how}; starting a new one${delay > 0 ? ` in ${delay} ms (it keeps dying soon after starting)` : ''}`);
    slot.restartTimer = setTimeout(() => { fork(slot); }, delay);
  };

  const drain = (signal: string, exitCode = 0): void => {
    if (phase === 'draining' || phase === 'failed') return;
    phase = 'draining';
    drainExitCode = exitCode;
    log.info({ signal }, 'shutting down: draining the workers');
    for (const s of slots) {
      clearTimeout(s.restartTimer);
      s.worker?.process.kill('SIGTERM');
    }
    if (slots.every((s) => !s.worker)) {
      void finish(drainExitCode);
      return;
    }
    setTimeout(() => {
      log.error({ timeoutMs: drainTimeoutMs }, 'workers did not drain in time: killing them');
      for (const s of slots) s.worker?.process.kill('SIGKILL');
      void finish(1);
    }, drainTimeoutMs).unref();
  };
  process.on('SIGTERM', () => drain('SIGTERM'));
  process.on('SIGINT', () => drain('SIGINT'));

  // Each worker accepts from the shared socket itself (SCHED_NONE) unless NODE_CLUSTER_SCHED_POLICY says otherwise.
  // Under node:cluster's round robin (its default on Linux) the primary accepts every connection and hands it over,
  // waiting for the worker's acknowledgement: when a worker is killed, the connection being handed to it stays
  // open in the primary, unanswered until the client gives up, and under load there nearly always is one. Here
  // the kernel keeps connections not yet accepted for the workers still alive and closes only the dead worker's
  // own, and the primary stays out of the data path. With 2 workers on a busy 2-core machine both policies spread
  // the load alike (from even to about 75/25 from run to run); Node's documentation warns that with many workers
  // the kernel's spread can be uneven: NODE_CLUSTER_SCHED_POLICY=rr trades the crash behaviour for round robin.
  if (process.env.NODE_CLUSTER_SCHED_POLICY === undefined) cluster.schedulingPolicy = cluster.SCHED_NONE;
  cluster.setupPrimary({ exec: workerEntry, args: [], execArgv: withServerNodeFlags(process.execArgv) });
  for (const s of slots) fork(s);
  try {
    await allListening;
    if (phase !== 'starting') return; // a signal came during the start: the drain has begun
    phase = 'running';
    log.info(`Gatehouse is listening at ${config.server.baseUrl} (database: ${ctx.store.dialect}, ${count} worker${count === 1 ? '' : 's'}; management on ${boundAddress(management)})`);
    await finishStart(ctx, log);
  } catch (e) {
    phase = 'failed';
    for (const s of slots) s.worker?.process.kill('SIGTERM');
    stopPurge();
    await management.close();
    await ctx.store.close();
    throw e;
  }
}
