import type { FastifyInstance } from 'fastify';
import type { Store } from '../../store/store.js';

/** The public port's liveness answer for load balancers: the process is up. Nothing else is said there. */
export function registerLivenessRoute(app: FastifyInstance): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
}

/** What the management listener reports: the metrics text, and whether this node can serve. */
export interface ManagementSources {
  /** Prometheus text (of this process, or of the primary and every worker) and its content type. */
  metrics(): Promise<{ contentType: string; text: string }>;
  /** `ready` false makes /readyz answer 503; `detail` is shown either way. */
  readiness(): Promise<{ ready: boolean; detail: Record<string, unknown> }>;
}

/** Management routes: /healthz (process is up), /readyz (database answers, workers listen), /metrics. */
export function registerManagementRoutes(app: FastifyInstance, sources: ManagementSources): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const r = await sources.readiness();
    return reply.status(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'unavailable', ...r.detail });
  });
  app.get('/metrics', async (_req, reply) => {
    const m = await sources.metrics();
    return reply.header('content-type', m.contentType).send(m.text);
  });
}

/**
 * True when the database answers a trivial query within `timeoutMs`: readiness never waits longer than that,
 * even when the database host stops answering. Logs why it did not, through `log`.
 */
export async function databaseAnswers(store: Store, log: { warn: (o: object, msg: string) => void }, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs); });
  try {
    await Promise.race([store.ping(), timeout]);
    return true;
  } catch (err) {
    log.warn({ err }, 'readiness check: the database does not answer');
    return false;
  } finally {
    clearTimeout(timer);
  }
}
