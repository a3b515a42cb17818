import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config/loadConfig.js';
import { registerManagementRoutes, type ManagementSources } from './routes/health.js';

/**
 * Starts the management listener (config `management`, loopback by default): /metrics, /healthz and /readyz,
 * apart from the public port so that neither the metrics nor the readiness detail reach the internet.
 * Its requests are not logged (scrapes and probes come every few seconds). Close it with `close()`.
 */
export async function startManagementServer(config: Config, log: FastifyBaseLogger, sources: ManagementSources): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: log.child({ listener: 'management' }), logController: new LogController({ disableRequestLogging: true }) });
  registerManagementRoutes(app, sources);
  await app.listen({ host: config.management.host, port: config.management.port });
  return app;
}

/** The address a listening app is bound to, as `host:port`, for the start-up log. */
export function boundAddress(app: FastifyInstance): string {
  const a = app.server.address();
  return typeof a === 'object' && a ? `${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : String(a);
}
