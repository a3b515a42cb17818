import type { z } from 'zod';
import { GatehouseError, type PublicFieldError } from '../errors.js';

/**
 * Checks a request body or query against its zod schema (STYLE.md §10, never `schema.parse(req.body)`):
 * the parsed value, or `validation_failed` (400) whose public detail names each refused field, so a client
 * can correct exactly those. `what` names the whole input in the message (`body`, `query`). Nothing to store.
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what = 'body'): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const fields: PublicFieldError[] = parsed.error.issues.map((i) => ({ field: i.path.map(String).join('.') || what, message: i.message }));
  throw new GatehouseError('validation_failed', `The ${what} is not valid: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`, { publicDetail: fields });
}
