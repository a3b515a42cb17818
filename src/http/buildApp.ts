import { randomUUID } from 'node:crypto';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import type { AppContext } from '../context.js';
import { registerErrorHandler } from './plugins/errorHandler.js';
import { registerSecurityHeaders } from './plugins/securityHeaders.js';
import { loadSession } from './session.js';
import { createMetrics, instrumentStore, type Metrics } from './metrics.js';
import { logOptions } from './logging.js';
import { registerLivenessRoute } from './routes/health.js';
import { registerRoutes } from './routes/index.js';
import { registerOpenApi } from './api/openapi.js';

const publicDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'public');
/** Paths that never read the session cookie; the CLI API authenticates with its bearer token only. */
const noSessionPrefixes = ['/healthz', '/public/', '/saml/metadata', '/favicon.ico', '/api/v1/cli/'];

export interface BuildAppOptions {
  /** pino options, or false to log nothing (tests). Defaults to `logOptions` at the config's log level. */
  logger?: FastifyServerOptions['logger'];
  metrics?: Metrics;
}

/**
 * Builds the fastify app for `ctx` (STYLE.md §8): it never listens. Tests call `app.inject()` or
 * `app.listen({port: 0})`; `gatehouse serve` calls listen.
 */
export async function buildApp(ctx: AppContext, opts: BuildAppOptions = {}): Promise<FastifyInstance> {
  const metrics = opts.metrics ?? createMetrics();
  const app = Fastify({
    logger: opts.logger ?? logOptions(ctx.config.server.logLevel),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    trustProxy: ctx.config.server.trustProxy,
    bodyLimit: 512 * 1024,
  });
  app.decorateRequest('session', null);

  await app.register(cookie);
  await app.register(formbody);
  await app.register(fastifyStatic, { root: publicDir, prefix: '/public/', cacheControl: false, setHeaders: (res) => { res.header('cache-control', 'public, max-age=300'); } });
  registerSecurityHeaders(app, { hsts: ctx.config.secureCookies });
  registerErrorHandler(app, ctx);

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  app.addHook('preHandler', async (req, reply) => {
    if (noSessionPrefixes.some((p) => req.url.startsWith(p))) return;
    req.session = await loadSession(ctx, req, reply);
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: req.method, route, status: String(reply.statusCode) });
    metrics.httpDuration.observe({ method: req.method, route }, reply.elapsedTime / 1000);
  });

  const stopInstrumenting = instrumentStore(metrics, ctx.store);
  app.addHook('onClose', async () => { stopInstrumenting(); });
  registerLivenessRoute(app);
  await registerOpenApi(app, ctx);
  await registerRoutes(app, ctx, metrics);
  return app;
}
