import type { Config } from '../config/loadConfig.js';
import { createContext, type AppContext } from '../context.js';
import { firstRun } from './firstRun.js';
import { EXPIRED_FLOW_KEPT_MS } from '../auth/flow/storedFlow.js';

interface Log {
  info: (msg: string) => void;
  warn: (msg: string) => void;
  debug: (o: object, msg: string) => void;
}

/**
 * What happens once per node before it serves, in the one process that owns the node (the cluster primary, or
 * the only process): opens the store and migrates it, warns once about insecure development defaults, makes
 * sure a signing key exists and prints the first-run link. Workers then open the store without migrating.
 */
export async function prepareNode(config: Config, log: Log): Promise<AppContext> {
  const ctx = await createContext(config);
  try {
    const warnings = [...config.devWarnings];
    if (ctx.generatedKeyFile) warnings.push(`generated a development secrets key at ${ctx.generatedKeyFile}`);
    if (warnings.length > 0) log.warn(`INSECURE DEVELOPMENT DEFAULTS (fine on a laptop, not in production): ${warnings.join('; ')}`);
    await firstRun(ctx, (line) => process.stdout.write(line + '\n'), log);
    return ctx;
  } catch (e) {
    await ctx.store.close();
    throw e;
  }
}

/**
 * Deletes expired sessions, login flows (an hour after they expired: EXPIRED_FLOW_KEPT_MS), single-use keys and CLI sessions and codes every 10 minutes (any node may do it; one process
 * per node does). Returns the function that stops it.
 */
export function startPurge(ctx: AppContext, log: Log & { warn: (o: object | string, msg?: string) => void }): () => void {
  const purge = setInterval(() => {
    const now = ctx.now().getTime();
    const { sessions, singleUse, cliTokens, cliCodes, deviceCodes } = ctx.store;
    Promise.all([sessions.purgeExpired(now, EXPIRED_FLOW_KEPT_MS), singleUse.purgeExpired(now), Promise.all([cliTokens, cliCodes, deviceCodes].map((r) => r.purgeExpired(now)))])
      .then(([a, b, c]) => { if (a + b + c.reduce((x, y) => x + y, 0) > 0) log.debug({ sessionsAndFlows: a, singleUse: b, cli: c }, 'purged expired rows'); })
      .catch((err: unknown) => log.warn({ err }, 'purging expired rows failed'));
  }, 600_000);
  purge.unref();
  return () => clearInterval(purge);
}
