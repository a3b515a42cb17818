/**
 * The seam between Kysely and node-postgres for a database that goes away. Wraps a `pg.Pool` so that
 * - a failure to reach PostgreSQL (refused, reset, timed out, shut down, statement_timeout) is thrown as a
 *   `database_unavailable` GatehouseError (503), with the driver's error as its cause (for the log);
 * - a client whose connection failed is never reused: its later queries fail at once (so a rollback does not
 *   wait out a second timeout behind the stuck query) and it is destroyed when released, not pooled again.
 * - a login PostgreSQL refuses, or a database it does not have, is `database_login_refused` or
 *   `database_not_found`: a configuration error, with a message that says what to fix.
 * Other errors PostgreSQL answers with (a constraint, a syntax error) pass through unchanged: those are ours.
 */
import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import { GatehouseError } from '../errors.js';

/** SQLSTATE classes that mean "the database cannot serve us now": connection exception, insufficient resources, operator intervention. */
const unavailableStateClasses = ['08', '53', '57'];
/** Single SQLSTATEs with the same meaning: idle_in_transaction_session_timeout ended the session. */
const unavailableStates = new Set(['25P03']);
/** Socket errors (node's `code`) on the way to the server. */
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** node-postgres's own messages for a connection that died, never came, or did not answer in time. */
const driverMessages = /^(Connection terminated|Query read timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed)/;

/** True when `e`, thrown by node-postgres, says the server is out of reach rather than that it refused the statement. */
export function isConnectionFailure(e: unknown): boolean {
  if (!(e instanceof Error)) return false;
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (/^[0-9A-Z]{5}$/.test(code)) return unavailableStates.has(code) || unavailableStateClasses.includes(code.slice(0, 2));
    if (socketCodes.has(code)) return true;
  }
  return driverMessages.test(e.message);
}

/**
 * The error for a database out of reach. Its message names the driver's error, for the log and the CLI; HTTP
 * clients never see it (a 503 is not exposed).
 */
function unavailable(cause: unknown): GatehouseError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new GatehouseError('database_unavailable', `The database is not answering (${why}): check that PostgreSQL is running and reachable at GATEHOUSE_DATABASE_URL (database.url).`, { cause });
}

const setting = 'database.url (GATEHOUSE_DATABASE_URL)';

/**
 * The error for a connection PostgreSQL answered but refused: a login refused (28P01 wrong password, 28000 unknown
 * role or no pg_hba.conf entry, or no password given where one is asked) or a database that does not exist
 * (3D000). Undefined for anything else. PostgreSQL's message names the user or database; never the password.
 */
function refusedConnection(e: unknown): GatehouseError | undefined {
  if (!(e instanceof Error)) return undefined;
  const code = (e as { code?: unknown }).code;
  if (code === '28P01' || code === '28000') {
    return new GatehouseError('database_login_refused', `PostgreSQL refused the login: ${e.message}; check the user and password in ${setting} and the server's pg_hba.conf`, { cause: e });
  }
  if (code === '3D000') {
    return new GatehouseError('database_not_found', `${e.message} on the PostgreSQL server; create it (createdb, or CREATE DATABASE) or fix the database name in ${setting}`, { cause: e });
  }
  // node-postgres, when the server asks for a password (SCRAM) and the URL has none.
  if (/client password must be a string/.test(e.message)) {
    return new GatehouseError('database_login_refused', `PostgreSQL asks for a password and ${setting} has none: postgres://user:password@host:port/database`, { cause: e });
  }
  return undefined;
}

function guardClient(client: pg.PoolClient): PostgresPoolClient {
  let failure: GatehouseError | undefined;
  const query = ((sqlOrCursor: unknown, parameters?: readonly unknown[]) => {
    if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor as pg.Submittable);
    if (failure) return Promise.reject(unavailable(failure.cause));
    return client.query(sqlOrCursor, parameters as unknown[]).catch((e: unknown) => {
      if (!isConnectionFailure(e)) throw e;
      failure = unavailable(e);
      throw failure;
    });
  }) as PostgresPoolClient['query'];
  return {
    query,
    release: (destroy?: boolean) => {
      if (failure) {
        client.connection?.stream?.destroy();
        client.release(failure);
      } else {
        client.release(destroy === true);
      }
    },
  };
}

/**
 * The Kysely `PostgresPool` over `pool`: connection failures become `database_unavailable`, broken clients are
 * discarded. The caller still owns `pool` (its options and its 'error' listener).
 */
export function guardPgPool(pool: pg.Pool): PostgresPool {
  // Kysely keeps one connection object per client object: hand out the same wrapper for the same client.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  return {
    connect: async () => {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (e) {
        // A wrong password or database name is a configuration error, not an outage.
        throw isConnectionFailure(e) ? unavailable(e) : refusedConnection(e) ?? e;
      }
      let w = wrappers.get(client);
      if (!w) {
        w = guardClient(client);
        wrappers.set(client, w);
      }
      return w;
    },
    end: () => pool.end(),
  };
}
