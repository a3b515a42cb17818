/** Return-URL helpers: where a flow may send the browser when it is done, and the login page that leads there. */

/** Longest return path kept: a /saml/resume link carries the sealed pending AuthnRequest (see samlSso.ts). */
export const MAX_RETURN_TO_LENGTH = 8192;

/**
 * A local path safe to redirect to after sign-in, and safe to put in a Location header: starts with one '/',
 * never '//' or '/\'; no control characters; everything outside printable ASCII percent-encoded as UTF-8
 * ('/€' → '/%E2%82%AC'), so the value is ASCII and the redirect cannot fail after the factors were used up.
 * Text that cannot be encoded (a lone surrogate) or that is longer than MAX_RETURN_TO_LENGTH gives '/'.
 * The result is its own fixed point: safeReturnTo(safeReturnTo(x)) === safeReturnTo(x).
 */
export function safeReturnTo(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_RETURN_TO_LENGTH) return '/';
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(raw) || /\p{Cs}/u.test(raw)) return '/';
  const ascii = raw.replace(/[^\x21-\x7e]+/g, (s) => encodeURIComponent(s));
  return ascii.length > MAX_RETURN_TO_LENGTH ? '/' : ascii;
}

/** The path of the login page that comes back to `returnTo` (what other surfaces redirect to). */
export function loginUrl(returnTo: string, opts: { force?: boolean } = {}): string {
  const q = new URLSearchParams({ return_to: safeReturnTo(returnTo) });
  if (opts.force) q.set('force', '1');
  return `/login?${q.toString()}`;
}
