import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Metrics } from '../metrics.js';

/** /healthz (process is up), /readyz (database answers), /metrics (Prometheus). */
export function registerHealthRoutes(app: FastifyInstance, ctx: AppContext, metrics: Metrics): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (req, reply) => {
    try {
      await ctx.store.ping();
      return { status: 'ready', database: ctx.store.dialect };
    } catch (err) {
      req.log.error({ err }, 'readiness check failed');
      return reply.status(503).send({ status: 'unavailable', database: ctx.store.dialect });
    }
  });
  app.get('/metrics', async (_req, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
