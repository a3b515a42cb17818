import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WebSession } from './session.js';

/** A local path (starts with one '/', no scheme, no backslash tricks): safe to redirect to after sign-in. */
export function isLocalPath(p: string): boolean {
  return p.startsWith('/') && !p.startsWith('//') && !p.startsWith('/\\') && !/[\r\n]/.test(p);
}

/** The sign-in URL that comes back to `returnTo` (a local path) afterwards. */
export function loginUrl(returnTo: string, opts: { force?: boolean } = {}): string {
  return `/login?return_to=${encodeURIComponent(isLocalPath(returnTo) ? returnTo : '/')}${opts.force ? '&force=1' : ''}`;
}

/**
 * Returns the signed-in session, or sends the browser to sign in (and back to `returnTo`) and returns
 * null. A session exists only after the MFA step, so a password-only person never gets past this.
 */
export function requireSession(req: FastifyRequest, reply: FastifyReply, returnTo = req.url): WebSession | null {
  if (req.session) return req.session;
  void reply.redirect(loginUrl(req.method === 'GET' ? returnTo : '/'), 303);
  return null;
}
