/**
 * Entry point of a cluster worker process (the primary forks this file, not the whole CLI, so a worker loads
 * only the server). The configuration is read again from the same files and environment as the primary's.
 */
import { loadConfig } from '../config/loadConfig.js';
import { runClusterWorker } from './clusterWorker.js';

try {
  await runClusterWorker(loadConfig());
} catch (e) {
  process.stderr.write(`gatehouse: worker ${process.env.GATEHOUSE_WORKER_INDEX ?? ''} could not start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
