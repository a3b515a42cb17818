import { availableParallelism } from 'node:os';
import { prepareDummyHash } from '../auth/password.js';
import type { Config } from '../config/loadConfig.js';
import { buildApp } from './buildApp.js';
import { createLogger } from './logging.js';
import { runClusterPrimary } from './clusterPrimary.js';
import { boundAddress, startManagementServer } from './managementServer.js';
import { createMetrics } from './metrics.js';
import { prepareNode, startPurge } from './prepareNode.js';
import { databaseAnswers } from './routes/health.js';

/** The number of worker processes `server.workers` asks for: `auto` is one per CPU this process may use. */
export function workerCount(setting: number | 'auto', cpus: () => number = availableParallelism): number {
  return setting === 'auto' ? Math.max(1, cpus()) : setting;
}

/**
 * `gatehouse serve`. With `server.workers` above 1 this process is the cluster primary (clusterPrimary.ts), which
 * forks the workers (workerMain.ts). With 1 it all happens in this process: opens the store (migrating it),
 * ensures a signing key, prints the first-admin link on an empty directory, serves the management listener,
 * makes the dummy password hash for the configured argon2 parameters (so an unknown person's first sign-in takes
 * as long as anyone's), listens, and shuts down gracefully on SIGTERM/SIGINT.
 */
export async function runServer(config: Config): Promise<void> {
  const workers = workerCount(config.server.workers);
  if (workers > 1) return runClusterPrimary(config, workers);

  const log = createLogger(config.server.logLevel);
  const ctx = await prepareNode(config, log);
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
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (e) {
    closing = true;
    stopPurge();
    await app.close();
    await management.close();
    await ctx.store.close();
    throw e;
  }
  app.log.info(`Gatehouse is listening at ${config.server.baseUrl} (database: ${ctx.store.dialect}; management on ${boundAddress(management)})`);
}
