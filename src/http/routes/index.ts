import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import type { Metrics } from '../metrics.js';

/** Registers every surface's routes (one line per surface). */
export async function registerRoutes(app: FastifyInstance, ctx: AppContext, metrics: Metrics): Promise<void> {
  void app; void ctx; void metrics;
}
