import { userInfo } from 'node:os';
import { loadConfig } from '../config/loadConfig.js';
import { createContext, type AppContext } from '../context.js';
import { GatehouseError } from '../errors.js';
import { checkEntry } from '../directory/directoryFile.js';

/** Each command: loadConfig() → createContext() (migrates) → `fn` → store.close(), also on error. */
export async function withContext<T>(fn: (ctx: AppContext) => Promise<T>, opts: { migrate?: boolean } = {}): Promise<T> {
  const config = loadConfig();
  const ctx = await createContext(config, opts);
  try {
    return await fn(ctx);
  } finally {
    await ctx.store.close();
  }
}

/** Who runs the CLI, for audit events: `cli:<os user>`. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli';
  }
}

/** Collects a repeatable option into a list. */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/** `["a=1", "b=2"]` → `{a: "1", b: "2"}`; throws validation_failed on an item without `=`. */
export function parseKeyValues(items: readonly string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new GatehouseError('validation_failed', `${what} "${item}": expected KEY=VALUE`);
    out[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return out;
}

/** Validates CLI input with a directory-file schema, so the CLI and the file accept the same values. */
export const validate = checkEntry;

/** A positive integer option. */
export function parseIntOption(value: string): number {
  if (!/^\d+$/.test(value)) throw new GatehouseError('validation_failed', `"${value}" is not a whole number`);
  return Number(value);
}
