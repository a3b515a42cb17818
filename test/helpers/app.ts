/**
 * A whole Gatehouse app for tests: real config (loadConfig with overrides), a real store on a fresh SQLite
 * file or PostgreSQL database, a clock the test controls, and buildApp. Nothing is mocked.
 *
 *   const t = await startTestApp({ db: 'sqlite' });            // t.app.inject(...) or supertest.agent(t.app.server)
 *   const t = await startTestApp({ db: 'postgres', listen: true }); // t.url = http://localhost:<port> (browsers)
 *   t.clock.advance(30_000);                                     // move the app's time
 *   await t.close();
 */
import { freePort } from './freePort.js';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/loadConfig.js';
import { createContext, type AppContext } from '../../src/context.js';
import { buildApp } from '../../src/http/buildApp.js';
import { createTestDatabase } from './databases.js';

/** The app's clock. Starts at the real time unless told otherwise; moves only when the test moves it. */
export interface TestClock {
  /** Milliseconds since the epoch. */
  now(): number;
  set(ms: number): void;
  advance(ms: number): void;
}

export function createClock(startMs = Date.now()): TestClock {
  let t = startMs;
  return { now: () => t, set: (ms) => { t = ms; }, advance: (ms) => { t += ms; } };
}

export interface TestApp {
  app: FastifyInstance;
  ctx: AppContext;
  clock: TestClock;
  /** The base URL (http://localhost:<port>); the app listens on 127.0.0.1:<port> only when `listen` was set. */
  url: string;
  close(): Promise<void>;
}

export interface StartTestAppOptions {
  db?: 'sqlite' | 'postgres';
  /** Config values merged last (e.g. {lockout: {lockAfter: 3}}, {server: {baseUrl: 'https://idp.example.com'}}). */
  overrides?: Record<string, unknown>;
  /** Listen on 127.0.0.1 (for browsers); the base URL then names localhost and that port. */
  listen?: boolean;
  clock?: TestClock;
}


/** Deep merge of config overrides: objects merge key by key, anything else in `b` replaces. */
export function mergeOverrides(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' ? mergeOverrides(prev as Record<string, unknown>, v as Record<string, unknown>) : v;
  }
  return out;
}

/**
 * Builds config → context → app on a new database. Argon2 runs with its cheapest allowed cost (tests only)
 * unless `overrides.auth.argon2` says otherwise; logging is off.
 */
export async function startTestApp(opts: StartTestAppOptions = {}): Promise<TestApp> {
  const tdb = await createTestDatabase(opts.db ?? 'sqlite');
  const port = opts.listen ? await freePort() : 8080;
  const clock = opts.clock ?? createClock();
  const base: Record<string, unknown> = {
    server: { host: '127.0.0.1', port, baseUrl: `http://localhost:${port}`, logLevel: 'silent' },
    database: { url: tdb.url },
    secrets: { key: randomBytes(32).toString('base64') },
    auth: { argon2: { memoryCost: 8192, timeCost: 1, parallelism: 1 } },
  };
  const config = loadConfig({ env: {}, overrides: mergeOverrides(base, opts.overrides ?? {}) });
  const ctx = await createContext(config, { now: () => new Date(clock.now()) });
  const app = await buildApp(ctx, { logger: false });
  if (opts.listen) await app.listen({ host: '127.0.0.1', port });
  else await app.ready();
  return {
    app, ctx, clock, url: config.server.baseUrl,
    close: async () => {
      await app.close();
      await ctx.store.close();
      await tdb.drop();
    },
  };
}
