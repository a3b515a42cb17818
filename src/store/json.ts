import { z } from 'zod';
import { deviceFactors, factors, requiredFactors } from '../auth/factors.js';

/** Parses a JSON column read from the database with a zod schema (STYLE.md §10: validate rows at the edge). */
export function parseJsonColumn<T extends z.ZodType>(schema: T, text: string | null | undefined, fallback: z.output<T>): z.output<T> {
  if (text === null || text === undefined || text === '') return fallback;
  return schema.parse(JSON.parse(text));
}

export const stringRecord = z.record(z.string(), z.string());
export const stringArray = z.array(z.string());

/** Factor columns (auth/factors.ts is the one list): a factor name or null. */
export const factorColumn = z.enum(factors).nullable();
/** A JSON list of factors done (sessions.factors, login_flows.factors_done). */
export const factorList = z.array(z.enum(factors));
/** users.last_factor is only a hint for the MFA page: a name that is no factor (any more) reads as null. */
export const lastFactorColumn = factorColumn.catch(null);
/** mfa_devices.kind: the device factor the device proves. */
export const deviceKindColumn = z.enum(deviceFactors);
/** role_mappings.require_factor: what the role requires, or null. */
export const requiredFactorColumn = z.enum(requiredFactors).nullable();
