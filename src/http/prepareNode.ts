import type { Config } from '../config/loadConfig.js';
import { createContext, type AppContext } from '../context.js';
import { checkIdentity, setIdentity } from '../keys/idpIdentity.js';
import { ensureActiveKey } from '../keys/signingKeyService.js';
import { firstRun } from './firstRun.js';
import { EXPIRED_FLOW_KEPT_MS } from '../auth/flow/storedFlow.js';
import { writeToLog } from './logging.js';

interface Log {
  info: (msg: string) => void;
  warn: (msg: string) => void;
  debug: (o: object, msg: string) => void;
}

/** How `gatehouse serve` was asked to start. */
export interface ServeOptions {
  /**
   * `--force-identity`: make the configured entity ID and base URL the recorded ones instead of stopping, audited
   * as done `by` (the CLI's `cli:<os user>`).
   */
  forceIdentity?: { by: string };
  /**
   * Called with an error that stops a node already serving (a worker's replacement that cannot start); the node
   * then shuts down with exit code 1. Default: the error's message on stderr.
   */
  onFatal?: (e: unknown) => void;
}

/**
 * What happens once per node before it serves, in the one process that owns the node (the cluster primary, or
 * the only process): opens the store and migrates it, checks the IdP's identity against the recorded one (with
 * `forceIdentity`, changes it), warns once about insecure development defaults and makes sure a signing key exists.
 * Workers then open the store without migrating. Once the node listens, the caller runs finishStart.
 */
export async function prepareNode(config: Config, log: Log, opts: Pick<ServeOptions, 'forceIdentity'> = {}): Promise<AppContext> {
  const ctx = await createContext(config);
  try {
    if (opts.forceIdentity) {
      const { before, after, changed } = await setIdentity(ctx, opts.forceIdentity.by);
      if (changed && before) log.warn(`the IdP identity changed on purpose (--force-identity): entity ID ${before.entityId} → ${after.entityId}, base URL ${before.baseUrl} → ${after.baseUrl}; upload the new metadata to AWS (gatehouse aws metadata) and to every service provider`);
    }
    await checkIdentity(ctx, { record: false }); // recorded once the node listens (finishStart)
    const warnings = [...config.devWarnings];
    if (ctx.generatedKeyFile) warnings.push(`generated a development secrets key at ${ctx.generatedKeyFile}`);
    if (warnings.length > 0) log.warn(`INSECURE DEVELOPMENT DEFAULTS (fine on a laptop, not in production): ${warnings.join('; ')}`);
    if (await ensureActiveKey(ctx)) log.info('created the first SAML signing key (RSA 3072)');
    return ctx;
  } catch (e) {
    await ctx.store.close();
    throw e;
  }
}

/**
 * Once the node listens: records the IdP's identity on the first start, and prints the first-run link (firstRun.ts)
 * on stdout while the first admin has not finished setting up. Not before: a start that fails (a port in use, say)
 * records no identity and shows no link, so the operator may still change the port or the base URL.
 */
export async function finishStart(ctx: AppContext, log: Log): Promise<void> {
  await checkIdentity(ctx);
  await firstRun(ctx, (line) => { writeToLog(log, line + '\n'); }, log); // after the "listening" line, in its stream
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
