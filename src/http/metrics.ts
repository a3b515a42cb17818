import { Registry, Counter, Gauge, Histogram, collectDefaultMetrics } from 'prom-client';
import type { Store, PoolStats } from '../store/store.js';
import { observeAudit } from './auditMetrics.js';
import { observeSigning } from './signingMetrics.js';

/** Prometheus metrics of one app instance (a registry per app, so tests can build many apps). */
export interface Metrics {
  registry: Registry;
  httpRequests: Counter<'method' | 'route' | 'status'>;
  httpDuration: Histogram<'method' | 'route'>;
  logins: Counter<'step' | 'outcome'>;
  /** Each factor checked in a sign-in (password, totp, webauthn, recovery), from the audit log. */
  signIns: Counter<'factor' | 'result'>;
  /** Assertions by service provider and AWS account, from the audit log. */
  samlAssertions: Counter<'sp' | 'account' | 'result'>;
  /** Temporary locks set, by what was locked (a person or an address). */
  lockouts: Counter<'key'>;
  /** Time of each RSA signature. */
  signingSeconds: Histogram;
  /** Time of each database query, by whether it failed. */
  queryDuration: Histogram<'outcome'>;
  /** Where the pool gauge reads its counts: set by `instrumentStore`. */
  poolSource: { stats: () => PoolStats | undefined };
}

/** Options of {@link createMetrics}. */
export interface CreateMetricsOptions {
  /** Add Node's process metrics (memory, CPU, event loop lag, GC). */
  defaults?: boolean;
  /** Labels on every series: a cluster worker sets `{worker: '<n>'}`, so the primary can add workers up without merging them. */
  labels?: Record<string, string>;
}

const ms = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

export function createMetrics(opts: CreateMetricsOptions = {}): Metrics {
  const registry = new Registry();
  if (opts.labels) registry.setDefaultLabels(opts.labels);
  if (opts.defaults) collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' });
  const registers = [registry];
  const poolSource: Metrics['poolSource'] = { stats: () => undefined };
  new Gauge({
    name: 'gatehouse_db_pool_connections', help: 'PostgreSQL connection pool: open (total), idle and busy connections, queries waiting for one, and the cap (max)',
    labelNames: ['state'], registers,
    collect() {
      const s = poolSource.stats();
      if (!s) return;
      this.set({ state: 'total' }, s.total);
      this.set({ state: 'idle' }, s.idle);
      this.set({ state: 'busy' }, s.total - s.idle);
      this.set({ state: 'waiting' }, s.waiting);
      this.set({ state: 'max' }, s.max);
    },
  });
  return {
    registry,
    poolSource,
    httpRequests: new Counter({ name: 'gatehouse_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers }),
    httpDuration: new Histogram({ name: 'gatehouse_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers }),
    logins: new Counter({ name: 'gatehouse_login_steps_total', help: 'Steps around a sign-in (enrolling a factor, changing a password) by outcome; the factors of a sign-in are gatehouse_sign_ins_total', labelNames: ['step', 'outcome'], registers }),
    signIns: new Counter({ name: 'gatehouse_sign_ins_total', help: 'Sign-in factor checks by factor (password, totp, webauthn, recovery) and result (success, failure, or locked and backoff for attempts refused unchecked); a sign-in is complete when its second factor succeeds', labelNames: ['factor', 'result'], registers }),
    samlAssertions: new Counter({ name: 'gatehouse_saml_assertions_total', help: 'SAML assertions by service provider (entity ID, or the AWS audience), AWS account (none for other SPs; an assertion offering roles in several accounts counts once for each) and result', labelNames: ['sp', 'account', 'result'], registers }),
    lockouts: new Counter({ name: 'gatehouse_lockouts_total', help: 'Temporary locks set after repeated failures, by what was locked (user or ip)', labelNames: ['key'], registers }),
    signingSeconds: new Histogram({ name: 'gatehouse_signing_duration_seconds', help: 'Time of one RSA-SHA256 XML signature', buckets: [0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128], registers }),
    queryDuration: new Histogram({ name: 'gatehouse_db_query_duration_seconds', help: 'Database query time, by outcome (success or failure)', labelNames: ['outcome'], buckets: ms, registers }),
  };
}

/**
 * Feeds `metrics` from `store` (query times, pool counts, and sign-ins, assertions and lockouts from the audit
 * events it writes) and from every signature made in this process. Returns the function that stops it (the
 * app calls it when it closes).
 */
export function instrumentStore(metrics: Metrics, store: Store): () => void {
  metrics.poolSource.stats = () => store.poolStats();
  const stopStore = store.observe({
    query: (durationMs, failed) => metrics.queryDuration.observe({ outcome: failed ? 'failure' : 'success' }, durationMs / 1000),
    audit: (event) => observeAudit(metrics, event),
  });
  const stopSigning = observeSigning((seconds) => metrics.signingSeconds.observe(seconds));
  return () => {
    stopStore();
    stopSigning();
    metrics.poolSource.stats = () => undefined;
  };
}
