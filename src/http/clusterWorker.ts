import { availableParallelism } from 'node:os';
import type { Config } from '../config/loadConfig.js';
import { createContext } from '../context.js';
import { limitConcurrentHashing, prepareDummyHash } from '../auth/password.js';
import { buildApp } from './buildApp.js';
import { answerMetricsRequests } from './clusterMetrics.js';
import { listenOn } from './listen.js';
import { createMetrics } from './metrics.js';
import { workerCount } from './runServer.js';

/**
 * One cluster worker: opens the store the primary has migrated (and whose signing key and first-run link the
 * primary has made), builds the app and listens on the shared port. Its metrics carry `worker="<n>"` (the
 * slot the primary gave it, the same after a restart) and go to the primary on request. SIGTERM (from the
 * primary's drain) or SIGINT closes the server gracefully: requests in flight are answered, then it exits 0.
 */
export async function runClusterWorker(config: Config): Promise<void> {
  const index = process.env.GATEHOUSE_WORKER_INDEX ?? '0';
  // The node's workers together run one argon2 hash per CPU; each takes its share (password.ts).
  limitConcurrentHashing(availableParallelism() / workerCount(config.server.workers));
  const ctx = await createContext(config, { migrate: false });
  await prepareDummyHash(config.auth.argon2);
  const metrics = createMetrics({ defaults: true, labels: { worker: index } });
  const app = await buildApp(ctx, { metrics });
  answerMetricsRequests(metrics.registry);

  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    app.log.info({ signal, worker: index }, 'worker shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await app.close();
      await ctx.store.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'worker shutdown failed');
      process.exit(1);
    }
  };
  // `on`, not `once`: a worker may get the signal twice (Ctrl+C reaches the whole process group, and the
  // primary's drain sends SIGTERM too); the second must not kill it mid-drain.
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));

  await listenOn(app, 'server', config.server.host, config.server.port);
}
