import { z } from 'zod';

/** Parses a JSON column read from the database with a zod schema (STYLE.md §10: validate rows at the edge). */
export function parseJsonColumn<T extends z.ZodType>(schema: T, text: string | null | undefined, fallback: z.output<T>): z.output<T> {
  if (text === null || text === undefined || text === '') return fallback;
  return schema.parse(JSON.parse(text));
}

export const stringRecord = z.record(z.string(), z.string());
export const stringArray = z.array(z.string());
