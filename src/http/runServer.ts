import { availableParallelism } from 'node:os';
import type { Config } from '../config/loadConfig.js';
import { createLogger } from './logging.js';
import { runClusterPrimary } from './clusterPrimary.js';
import { boundAddress, startManagementServer } from './managementServer.js';
import { createMetrics } from './metrics.js';
import { listenOn } from './listen.js';
import { finishStart, prepareNode, startPurge, type ServeOptions } from './prepareNode.js';
import { databaseAnswers } from './routes/health.js';

/**
 * The number of worker processes `server.workers` asks for: `auto` is one per two CPUs this process may use (at
 * least one). A worker keeps more than one CPU busy: its signatures and argon2id hashes run on libuv's pool, and its
 * event loop spends under a third of its CPU (0.8 of 2.9 ms per SSO, 7.5 of 24 ms per sign-in). On 2 cores one
 * worker served 15 % more SSO per second and 12 % more sign-ins than two (bench/, 2026-12-01, twice), whose event
 * loops each spent more per request (smaller batches per turn, SQLite's lock passed between processes).
 */
export function workerCount(setting: number | 'auto', cpus: () => number = availableParallelism): number {
  return setting === 'auto' ? Math.max(1, Math.ceil(cpus() / 2)) : setting;
}

/** Whether `gatehouse serve` runs a cluster primary: for more than one worker, and always for `auto` (a worker that dies is replaced). */
export function runsPrimary(setting: number | 'auto'): boolean {
  return setting === 'auto' || setting > 1;
}

/**
 * `gatehouse serve`. With `server.workers` above 1 or `auto` this process is the cluster primary (clusterPrimary.ts),
 * which forks the workers (workerMain.ts). With 1 it all happens in this process: opens the store (migrating it), checks
 * the IdP's identity, ensures a signing key, serves the management listener, makes the dummy password hash for the
 * configured argon2 parameters (so an unknown person's first sign-in takes as long as anyone's), listens, then
 * records the identity on the first start and prints the first-admin link on an empty directory (finishStart), and
 * shuts down gracefully on SIGTERM/SIGINT. An error an operator can fix (a port in use, a file it cannot write, a
 * database login refused) rejects with a one-line GatehouseError.
 */
export async function runServer(config: Config, opts: ServeOptions = {}): Promise<void> {
  if (runsPrimary(config.server.workers)) return runClusterPrimary(config, workerCount(config.server.workers), opts);

  // Loaded here, not at the top: a cluster primary serves no requests and hashes no password, and the app's modules
  // would only take memory in it (an idle primary: 109 MB of RSS, from 116).
  const [{ buildApp }, { prepareDummyHash }] = await Promise.all([import('./buildApp.js'), import('../auth/password.js')]);
  const log = createLogger(config.server.logLevel);
  const ctx = await prepareNode(config, log, opts);
  await prepareDummyHash(config.auth.argon2);
  const metrics = createMetrics({ defaults: true });
  const app = await buildApp(ctx, { metrics });
  let management;
  try {
    management = await startManagementServer(config, app.log, {
      metrics: async () => ({ contentType: metrics.registry.contentType, text: await metrics.registry.metrics() }),
      readiness: async () => {
        const database = await databaseAnswers(ctx.store, app.log);
        return { ready: database, detail: { database: ctx.store.dialect, databaseAnswers: database } };
      },
    });
  } catch (e) {
    await app.close();
    await ctx.store.close();
    throw e;
  }
  const stopPurge = startPurge(ctx, app.log);

  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    stopPurge();
    try {
      await app.close();
      await management.close();
      await ctx.store.close();
    } finally {
      clearTimeout(force);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  try {
    await listenOn(app, 'server', config.server.host, config.server.port);
    app.log.info(`Gatehouse is listening at ${config.server.baseUrl} (database: ${ctx.store.dialect}; management on ${boundAddress(management)})`);
    await finishStart(ctx, app.log);
  } catch (e) {
    closing = true;
    stopPurge();
    await app.close();
    await management.close();
    await ctx.store.close();
    throw e;
  }
}
