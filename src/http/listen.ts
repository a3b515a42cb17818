import type { FastifyInstance } from 'fastify';
import { envNames } from '../config/schema.js';
import { GatehouseError } from '../errors.js';

/** The two listeners of `gatehouse serve`: the public one (`server.*`) and the management one (`management.*`). */
export type Listener = 'server' | 'management';

/** `server.port (GATEHOUSE_PORT)`: the setting and its variable, for a message. */
const setting = (key: string): string => `${key} (${envNames[key]})`;

/** What each listen error means for the operator, by node's error code. */
const explanations: Record<string, (what: string, listener: Listener, host: string, port: number) => string> = {
  EADDRINUSE: (what, l, _h, port) => `${what} ${port} is in use by another program; stop it or set ${setting(`${l}.port`)}`,
  EACCES: (what, l, _h, port) => `${what} ${port} needs privileges this user does not have; use a port from 1024 (behind a proxy for 443) or set ${setting(`${l}.port`)}`,
  EADDRNOTAVAIL: (_w, l, host) => `${host} is not an address of this machine; set ${setting(`${l}.host`)} to one of its addresses, or 0.0.0.0 for all`,
  ENOTFOUND: (_w, l, host) => `the host name ${host} cannot be resolved; set ${setting(`${l}.host`)} to an address of this machine`,
};

/**
 * The listen_failed error for an error `e` of listening on host:port: a port in use, a port that needs privileges,
 * an address that is not this machine's or a name that does not resolve. One line naming the setting to change;
 * undefined for other errors.
 */
export function listenError(e: unknown, listener: Listener, host: string, port: number): GatehouseError | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  const explain = typeof code === 'string' ? explanations[code === 'EAI_AGAIN' ? 'ENOTFOUND' : code] : undefined;
  if (!explain) return undefined;
  return new GatehouseError('listen_failed', explain(listener === 'server' ? 'port' : 'management port', listener, host, port), { cause: e });
}

/** `app.listen` on host:port, with the errors an operator can fix turned into one-line listen_failed errors. */
export async function listenOn(app: FastifyInstance, listener: Listener, host: string, port: number): Promise<void> {
  try {
    await app.listen({ host, port });
  } catch (e) {
    throw listenError(e, listener, host, port) ?? e;
  }
}
