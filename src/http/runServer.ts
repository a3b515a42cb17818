import type { Config } from '../config/loadConfig.js';
import { createContext } from '../context.js';
import { buildApp } from './buildApp.js';
import { createMetrics } from './metrics.js';
import { firstRun } from './firstRun.js';

/**
 * `gatehouse serve`: opens the store (migrating it), ensures a signing key, prints the first-admin link on an
 * empty directory, listens, and shuts down gracefully on SIGTERM/SIGINT.
 */
export async function runServer(config: Config): Promise<void> {
  const ctx = await createContext(config);
  const app = await buildApp(ctx, { metrics: createMetrics({ defaults: true }) });
  const warnings = [...config.devWarnings];
  if (ctx.generatedKeyFile) warnings.push(`generated a development secrets key at ${ctx.generatedKeyFile}`);
  if (warnings.length > 0) app.log.warn(`INSECURE DEVELOPMENT DEFAULTS (fine on a laptop, not in production): ${warnings.join('; ')}`);
  await firstRun(ctx, (line) => process.stdout.write(line + '\n'), app.log);

  // Expired sessions, login flows, single-use keys and CLI sessions and codes are deleted every 10 minutes (any node may do it).
  const purge = setInterval(() => {
    const now = ctx.now().getTime();
    const { sessions, singleUse, cliTokens, cliCodes, deviceCodes } = ctx.store;
    Promise.all([sessions.purgeExpired(now), singleUse.purgeExpired(now), Promise.all([cliTokens, cliCodes, deviceCodes].map((r) => r.purgeExpired(now)))])
      .then(([a, b, c]) => { if (a + b + c.reduce((x, y) => x + y, 0) > 0) app.log.debug({ sessionsAndFlows: a, singleUse: b, cli: c }, 'purged expired rows'); })
      .catch((err: unknown) => app.log.warn({ err }, 'purging expired rows failed'));
  }, 600_000);
  purge.unref();

  let closing = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    clearInterval(purge);
    try {
      await app.close();
      await ctx.store.close();
    } finally {
      clearTimeout(force);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));

  await app.listen({ host: config.server.host, port: config.server.port });
  app.log.info(`Gatehouse is listening at ${config.server.baseUrl} (database: ${ctx.store.dialect})`);
}
