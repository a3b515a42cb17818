import { GatehouseError } from '../errors.js';

/**
 * True when `e` is the database refusing a write that would break a UNIQUE or primary-key constraint (PostgreSQL
 * 23505, SQLite SQLITE_CONSTRAINT_UNIQUE / _PRIMARYKEY): a change function turns it into `conflict`, so two
 * admins creating the same name at once get a clear answer on both databases instead of a 500.
 */
export function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** Runs `fn`; a unique constraint it breaks (e.g. a concurrent change took the name) becomes `conflict` with `message`. */
export async function orConflict<T>(message: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isUniqueViolation(e)) throw new GatehouseError('conflict', message, { cause: e });
    throw e;
  }
}
