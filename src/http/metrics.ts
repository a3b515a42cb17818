import { Registry, Counter, Histogram, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one app instance (a registry per app, so tests can build many apps). */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  logins: Counter<'step' | 'outcome'>;
  assertions: Counter<'sp' | 'outcome'>;
}

export function createMetrics(opts: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (opts.defaults) collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' });
  return {
    registry,
    httpRequests: new Counter({ name: 'gatehouse_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [registry] }),
    httpDuration: new Histogram({ name: 'gatehouse_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] }),
    logins: new Counter({ name: 'gatehouse_login_steps_total', help: 'Login steps by outcome', labelNames: ['step', 'outcome'], registers: [registry] }),
    assertions: new Counter({ name: 'gatehouse_assertions_total', help: 'SAML assertions issued or refused', labelNames: ['sp', 'outcome'], registers: [registry] }),
  };
}
