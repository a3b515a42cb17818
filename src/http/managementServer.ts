import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config/loadConfig.js';
import { listenOn } from './listen.js';
import { registerManagementRoutes, type ManagementSources } from './routes/health.js';

/**
 * Starts the management listener (config `management`, loopback by default): /metrics, /healthz and /readyz,
 * apart from the public port so that neither the metrics nor the readiness detail reach the internet.
 * Its requests are not logged (scrapes and probes come every few seconds). Close it with `close()`. A port in use
 * (or another listen error an operator can fix) is a one-line listen_failed error.
 */
export async function startManagementServer(config: Config, log: FastifyBaseLogger, sources: ManagementSources): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: log.child({ listener: 'management' }), logController: new LogController({ disableRequestLogging: true }) });
  registerManagementRoutes(app, sources);
  try {
    await listenOn(app, 'management', config.management.host, config.management.port);
  } catch (e) {
    await app.close();
    throw e;
  }
  return app;
}

/** The address a listening app is bound to, as `host:port`, for the start-up log. */
export function boundAddress(app: FastifyInstance): string {
  const a = app.server.address();
  return typeof a === 'object' && a ? `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : String(a);
}
