/**
 * What the console's forms share: which errors a form shows on its own page (with the refused fields next to
 * their controls) instead of the error page, the `?done=` notices, and path segments for names.
 */
import { isGatehouseError, type GatehouseError } from '../../../errors.js';
import { fieldErrorsOf, formError } from '../../signIn.js';

/**
 * The error a console form shows above itself, or undefined (the error page answers). `notFound`: a `not_found`
 * is about something the form named (a username to add, an account to map), not about the page.
 */
export function consoleFormError(e: unknown, opts: { notFound?: boolean } = {}): GatehouseError | undefined {
  return formError(e) ?? (opts.notFound && isGatehouseError(e, 'not_found') ? e : undefined);
}

/** The refused fields by form field name (`source_ips.0` is the `source_ips` field). */
export function consoleFieldErrors(e: GatehouseError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [field, message] of Object.entries(fieldErrorsOf(e))) out[field.split('.')[0]!] ??= message;
  return out;
}

/** The notice for `?done=…`: only the page's own keys. */
export function doneNotice(notices: Readonly<Record<string, string>>, done: unknown): string | null {
  return typeof done === 'string' && Object.hasOwn(notices, done) ? notices[done] ?? null : null;
}

/** A name as one path segment. */
export const seg = (s: string): string => encodeURIComponent(s);

/** A form's optional text: empty or blank is absent. */
export const optional = (s: string | undefined): string | undefined => (s === undefined || s.trim() === '' ? undefined : s.trim());
