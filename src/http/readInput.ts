/**
 * Request input (form body, JSON body, query string, path parameters) read through a zod schema at the edge of
 * each route: a field sent twice, too long, of the wrong type or missing is a 400 `validation_failed` whose
 * message names the field, never a 500 (STYLE.md "Stop doing these": no throwing parse of request input).
 */
import { z } from 'zod';
import { GatehouseError, type PublicFieldError } from '../errors.js';

/** C0 control characters and DEL: never part of a name, key or identifier typed into a form. */
// eslint-disable-next-line no-control-regex
const controlCharacters = /[\u0000-\u001f\u007f]/;

/** The reason a value is not one text field: missing, sent more than once (a form field repeated), or not text. */
function notText(input: unknown): string {
  if (input === undefined) return 'is required';
  if (Array.isArray(input)) return 'must be given once';
  return 'must be text';
}

/**
 * One text field of at most `max` characters (UTF-16 units). Names, keys and identifiers refuse control
 * characters (PostgreSQL cannot even store NUL); `allowControls` is for secrets such as passwords, which are
 * only ever hashed or compared.
 */
export function textField(max: number, opts: { allowControls?: boolean } = {}) {
  const s = z.string({ error: (issue) => notText(issue.input) }).max(max, { error: `must be at most ${max} characters` });
  return opts.allowControls ? s : s.refine((v) => !controlCharacters.test(v), { error: 'must not contain control characters' });
}

/** One of `values`, named in the message when something else comes. */
export function choiceField<const T extends string>(values: readonly T[]) {
  return z.enum(values as readonly [T, ...T[]], { error: (issue) => (typeof issue.input === 'string' ? `must be one of ${values.join(', ')}` : notText(issue.input)) });
}

/** A JSON object (a WebAuthn response, say): its inside is checked by whoever reads it. */
export const objectField = z.record(z.string(), z.unknown(), { error: (issue) => (issue.input === undefined ? 'is required' : 'must be an object') });

/**
 * Reads `value` (req.body, req.query or req.params) with `schema` (STYLE.md §10: never a throwing parse of request input).
 * Throws GatehouseError('validation_failed') naming each bad field ("role: must be given once; relay_state: must be
 * at most 2048 characters"), with the same list as public detail, so a client can correct exactly those fields.
 * A body that is not an object at all is read as an empty one, so its fields are reported missing; an error about
 * the whole input (an unknown key, say) names it by `what`.
 */
export function readInput<S extends z.ZodType>(schema: S, value: unknown, what: 'body' | 'query' | 'path' = 'body'): z.output<S> {
  const input = value !== null && typeof value === 'object' && !Array.isArray(value) ? value : {};
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const fields: PublicFieldError[] = r.error.issues.map((i) => ({ field: i.path.map(String).join('.') || what, message: i.message }));
  throw new GatehouseError('validation_failed', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { publicDetail: fields });
}
