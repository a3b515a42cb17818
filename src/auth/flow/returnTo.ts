/** Return-URL helpers: where a flow may send the browser when it is done, and the login page that leads there. */

/** A local path safe to redirect to after sign-in: starts with one '/', never '//' or '/\'; '/' otherwise. */
export function safeReturnTo(raw: unknown): string {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 2048) return '/';
  if (!raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\]/.test(raw)) return '/';
  return raw;
}

/** The path of the login page that comes back to `returnTo` (what other surfaces redirect to). */
export function loginUrl(returnTo: string, opts: { force?: boolean } = {}): string {
  const q = new URLSearchParams({ return_to: safeReturnTo(returnTo) });
  if (opts.force) q.set('force', '1');
  return `/login?${q.toString()}`;
}
