import type { FastifyReply } from 'fastify';
import { defaultCsp } from './plugins/securityHeaders.js';
import { renderView } from './views.js';

/**
 * Sends the one auto-POST page of the HTTP-POST binding (STYLE.md §12) to a VALIDATED ACS URL. The CSP's
 * form-action is widened to that URL's origin and to https: (browsers apply form-action to the redirects
 * that follow the POST, and AWS's ACS redirects to the console).
 */
export function sendAutoPost(reply: FastifyReply, p: { action: string; samlResponse: string; relayState?: string | undefined; spName: string }): FastifyReply {
  const origin = new URL(p.action).origin;
  reply.header('content-security-policy', defaultCsp.replace("form-action 'self'", `form-action 'self' ${origin} https:`));
  reply.header('cache-control', 'no-store');
  return reply.type('text/html; charset=utf-8').send(renderView('autopost', { title: 'Signing in', ...p }));
}
