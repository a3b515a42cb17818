/**
 * Entry point of a cluster worker process (the primary forks this file, not the whole CLI, so a worker loads
 * only the server). The configuration is read again from the same files and environment as the primary's. A
 * worker that cannot start tells the primary why (workerStartFailure.ts), which reports it.
 */
import { loadConfig } from '../config/loadConfig.js';
import { runClusterWorker } from './clusterWorker.js';
import { reportStartFailure } from './workerStartFailure.js';

try {
  await runClusterWorker(loadConfig());
} catch (e) {
  reportStartFailure(e);
}
