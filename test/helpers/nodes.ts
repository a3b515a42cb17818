/**
 * Several Gatehouse nodes on one database, and a browser behind a load balancer that may send each request to
 * any of them. Each node is a whole app of its own (own config object, store, connection pool, signing-key
 * cache), listening on 127.0.0.1; they share only the database, the secrets key and the public base URL, as
 * nodes behind a load balancer do.
 *
 *   const db = await createTestDatabase('postgres');
 *   const clock = createClock();
 *   const a = await startNode({ databaseUrl: db.url, clock, secretKey });
 *   const b = await startNode({ databaseUrl: db.url, clock, secretKey });
 *   const browser = new Browser();
 *   const page = await browser.get(a, '/login');           // cookies follow the browser, not the node
 *   await browser.post(b, '/login/password', { _csrf: csrfFrom(page.text), username, password });
 */
import { mergeOverrides } from './app.js';
import { startManagementServer } from '../../src/http/managementServer.js';
import { databaseAnswers } from '../../src/http/routes/health.js';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/loadConfig.js';
import { createContext, type AppContext } from '../../src/context.js';
import { buildApp } from '../../src/http/buildApp.js';
import type { QueryEvent } from '../../src/store/createDatabase.js';
import type { TestClock } from './app.js';

/** The base URL every node is configured with: the load balancer's, not any node's own port. */
export const PUBLIC_URL = 'http://localhost:8080';

export interface Node {
  name: string;
  app: FastifyInstance;
  ctx: AppContext;
  /** Where this node listens: http://127.0.0.1:<port>. */
  url: string;
  /** Its management listener (/healthz, /readyz, /metrics), as `gatehouse serve` runs it: http://127.0.0.1:<port>. */
  management: { url: string };
  close(): Promise<void>;
}

export interface StartNodeOptions {
  name?: string;
  databaseUrl: string;
  clock: TestClock;
  /** The secrets key all nodes share (base64 of 32 bytes); see {@link newSecretKey}. */
  secretKey: string;
  /** Config values merged over the defaults of this helper (e.g. {database: {queryTimeoutMs: 1000}}). */
  overrides?: Record<string, unknown>;
  /** Called after every statement this node runs. */
  onQuery?: (e: QueryEvent) => void;
}

export const newSecretKey = (): string => randomBytes(32).toString('base64');

/** Starts one node on an existing (possibly shared) database and listens on 127.0.0.1. Does not drop the database. */
export async function startNode(o: StartNodeOptions): Promise<Node> {
  const base: Record<string, unknown> = {
    server: { host: '127.0.0.1', port: 0, baseUrl: PUBLIC_URL, logLevel: 'silent' },
    management: { host: '127.0.0.1', port: 0 },
    database: { url: o.databaseUrl },
    secrets: { key: o.secretKey },
    auth: { argon2: { memoryCost: 8192, timeCost: 1, parallelism: 1 } },
  };
  const config = loadConfig({ env: {}, overrides: mergeOverrides(base, o.overrides ?? {}) });
  const ctx = await createContext(config, { now: () => new Date(o.clock.now()), ...(o.onQuery ? { database: { onQuery: o.onQuery } } : {}) });
  const app = await buildApp(ctx, { logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const management = await startManagementServer(config, app.log, {
    metrics: async () => ({ contentType: 'text/plain', text: '' }),
    readiness: async () => {
      const database = await databaseAnswers(ctx.store, app.log);
      return { ready: database, detail: { database: ctx.store.dialect, databaseAnswers: database } };
    },
  });
  const maddr = management.server.address();
  const mport = typeof maddr === 'object' && maddr ? maddr.port : 0;
  return {
    name: o.name ?? `node-${port}`, app, ctx, url: `http://127.0.0.1:${port}`, management: { url: `http://127.0.0.1:${mport}` },
    close: async () => {
      await management.close();
      await app.close();
      await ctx.store.close();
    },
  };
}

/** A response as the tests read it; status 0 when no answer came within the browser's `timeoutMs`. */
export interface Page { status: number; text: string; headers: Headers; location: string | null; ms: number }

/**
 * A browser behind a load balancer: one cookie jar, sent to whichever node a request names. Follows no
 * redirects (tests look at each one). Cookies are kept by name only, as one site's cookies are.
 */
export class Browser {
  readonly cookies = new Map<string, string>();

  /** Gives up on a request after `timeoutMs` and returns status 0, so a node that hangs fails a test instead of stalling it. */
  constructor(readonly timeoutMs = 30_000) {}

  /** The value of cookie `name`, if the browser holds it. */
  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async get(node: Pick<Node, 'url'>, path: string, headers: Record<string, string> = {}): Promise<Page> {
    return this.#send(node, path, { method: 'GET', headers });
  }

  async post(node: Pick<Node, 'url'>, path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<Page> {
    return this.#send(node, path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
  }

  async #send(node: Pick<Node, 'url'>, path: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<Page> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const started = performance.now();
    let res: Response;
    let text: string;
    try {
      res = await fetch(node.url + path, { ...init, headers: { ...(cookie ? { cookie } : {}), ...init.headers }, redirect: 'manual', signal: AbortSignal.timeout(this.timeoutMs) });
      text = await res.text();
    } catch (e) {
      if ((e as Error).name !== 'TimeoutError') throw e;
      return { status: 0, text: '', headers: new Headers(), location: null, ms: performance.now() - started };
    }
    const ms = performance.now() - started;
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const gone = /;\s*max-age=0/i.test(line) || /;\s*expires=Thu, 01 Jan 1970/i.test(line) || value === '';
      if (gone) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return { status: res.status, text, headers: res.headers, location: res.headers.get('location'), ms };
  }
}
