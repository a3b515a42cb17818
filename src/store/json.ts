/**
 * Validated reads of stored columns (STYLE.md §10: rows read from the database are checked at the edge). Every
 * repository reads its JSON columns through `parseJsonColumn`, and its enum-like text columns through
 * `parseColumn`, with one of the schemas below: a malformed value (bad JSON, or JSON of the wrong shape) is an
 * `internal` error that names the column and the row, thrown where the row is read, never a TypeError deep in a route.
 */
import { z } from 'zod';
import { GatehouseError } from '../errors.js';
import { deviceFactors, factors, requiredFactors, secondFactors } from '../auth/factors.js';

/** Where a value was read: `table.column`, and the row's key when there is one (for the error message). */
export interface ColumnRef { column: string; row?: string | undefined }

function malformed(at: ColumnRef, why: string, cause: unknown): GatehouseError {
  return new GatehouseError('internal', `the database holds a malformed value in ${at.column}${at.row === undefined ? '' : ` (row ${at.row})`}: ${why}`, { cause });
}

/** What is wrong with a value, without the value itself (a column may hold personal data). */
function describeIssues(e: z.ZodError): string {
  return e.issues.slice(0, 3).map((i) => `${i.path.length > 0 ? i.path.join('.') + ': ' : ''}${i.message}`).join('; ');
}

/** Checks a stored (non-JSON) value with `schema`; a value that does not fit is a clear `internal` error. */
export function parseColumn<T extends z.ZodType>(at: ColumnRef, schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw malformed(at, describeIssues(r.error), r.error);
  return r.data;
}

/**
 * Parses a JSON column and checks it with `schema`. NULL or '' gives `fallback` when one is given (columns that
 * may be empty), and is malformed otherwise. Bad JSON or the wrong shape is a clear `internal` error.
 */
export function parseJsonColumn<T extends z.ZodType>(at: ColumnRef, schema: T, text: string | null | undefined, fallback?: z.output<T>): z.output<T> {
  if (text === null || text === undefined || text === '') {
    if (fallback !== undefined) return fallback;
    throw malformed(at, 'empty', undefined);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw malformed(at, 'not JSON', e);
  }
  return parseColumn(at, schema, value);
}

export const stringRecord = z.record(z.string(), z.string());
export const stringArray = z.array(z.string());
/** A JSON object whose fields the caller interprets (login flows' `pending` and `data`, audit `detail`). */
export const jsonObject = z.record(z.string(), z.unknown());

/** Factor columns (auth/factors.ts is the one list): a factor name or null. */
export const factorColumn = z.enum(factors).nullable();
/** A factor column that always names a second factor (CLI sessions and codes). */
export const secondFactorColumn = z.enum(secondFactors);
/** A JSON list of factors done (sessions.factors, login_flows.factors_done). */
export const factorList = z.array(z.enum(factors));
/** users.last_factor is only a hint for the MFA page: a name that is no factor (any more) reads as null. */
export const lastFactorColumn = factorColumn.catch(null);
/** mfa_devices.kind: the device factor the device proves. */
export const deviceKindColumn = z.enum(deviceFactors);
/** role_mappings.require_factor: what the role requires, or null. */
export const requiredFactorColumn = z.enum(requiredFactors).nullable();
/** service_providers.acs: the SP's ACS endpoints as registered. */
export const acsEndpoints = z.array(z.object({ url: z.string(), index: z.number().int().nullable(), binding: z.string(), isDefault: z.boolean() }));
