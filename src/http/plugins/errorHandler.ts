import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatehouseError, isGatehouseError } from '../../errors.js';
import { renderView } from '../views.js';

/** Whether the client wants JSON: API paths, or an Accept header that prefers JSON over HTML. */
export function wantsJson(req: FastifyRequest): boolean {
  if (req.url.startsWith('/api/')) return true;
  const accept = req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** Converts anything thrown into a GatehouseError (fastify's own 4xx errors keep their status). */
export function toGatehouseError(e: unknown): GatehouseError {
  if (isGatehouseError(e)) return e;
  const fe = e as FastifyError;
  if (typeof fe?.statusCode === 'number' && fe.statusCode < 500) {
    const code = fe.statusCode === 413 ? 'payload_too_large' : fe.statusCode === 404 ? 'not_found' : fe.code === 'FST_ERR_VALIDATION' ? 'validation_failed' : 'bad_request';
    return new GatehouseError(code, fe.message, { status: fe.statusCode, cause: e });
  }
  return new GatehouseError('internal', 'internal error', { cause: e });
}

/** Sends an error as JSON or as the HTML error page; unexposed errors show only a generic text and the request id. */
export function sendError(req: FastifyRequest, reply: FastifyReply, err: GatehouseError): FastifyReply {
  const message = err.expose ? err.message : `Something went wrong on our side. Quote request id ${req.id} to your administrator.`;
  reply.status(err.status);
  if (wantsJson(req)) {
    return reply.send({ error: { code: err.code, message, requestId: req.id, ...(err.expose && err.detail !== undefined ? { detail: err.detail } : {}) } });
  }
  const restart = err.code === 'flow_expired' || err.code === 'flow_invalid' || err.code === 'csrf_invalid' || err.code === 'session_required';
  return reply.type('text/html; charset=utf-8').send(renderView('error', {
    title: err.status >= 500 ? 'Something went wrong' : 'Request refused', code: err.code, message, requestId: req.id, restart,
    violations: err.expose && err.code === 'aws_lint_failed' && Array.isArray(err.detail) ? err.detail : [],
  }));
}

/** One error handler for the whole app (STYLE.md §6): details go to the log only. */
export function registerErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((e, req, reply) => {
    const err = toGatehouseError(e);
    if (err.status >= 500) req.log.error({ err: e, code: err.code }, 'request failed');
    else req.log.info({ code: err.code, detail: err.detail }, err.message);
    return sendError(req, reply, err);
  });
  app.setNotFoundHandler((req, reply) => sendError(req, reply, new GatehouseError('not_found', `No page at ${req.url.split('?')[0]}`)));
}
