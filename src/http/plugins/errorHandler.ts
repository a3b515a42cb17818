import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatehouseError, isGatehouseError, publicDetailCodes, type ErrorCode, type PublicFieldError } from '../../errors.js';
import type { AppContext } from '../../context.js';
import { renderView } from '../views.js';
import { errorPageExtras, type ErrorPageExtras } from '../errorPage.js';

/** Whether the client wants JSON: API paths, or an Accept header that prefers JSON over HTML. */
export function wantsJson(req: FastifyRequest): boolean {
  if (req.url.startsWith('/api/')) return true;
  const accept = req.headers.accept ?? '';
  return accept.includes('application/json') && !accept.includes('text/html');
}

/** fastify's schema errors (ajv) as the fields a client may see. */
function fieldErrors(validation: FastifyError['validation']): PublicFieldError[] | undefined {
  if (!validation || validation.length === 0) return undefined;
  return validation.map((v) => {
    const missing = (v.params as { missingProperty?: unknown } | undefined)?.missingProperty;
    const path = [v.instancePath.replace(/^\//, '').replace(/\//g, '.'), typeof missing === 'string' ? missing : ''].filter(Boolean).join('.');
    return { field: path || 'body', message: v.message ?? 'is not valid' };
  });
}

/** Converts anything thrown into a GatehouseError (fastify's own 4xx errors keep their status). */
export function toGatehouseError(e: unknown): GatehouseError {
  if (isGatehouseError(e)) return e;
  const fe = e as FastifyError;
  if (typeof fe?.statusCode === 'number' && fe.statusCode < 500) {
    if (fe.code === 'FST_ERR_VALIDATION') {
      return new GatehouseError('validation_failed', fe.message, { status: fe.statusCode, cause: e, publicDetail: fieldErrors(fe.validation) });
    }
    const code = fe.statusCode === 413 ? 'payload_too_large' : fe.statusCode === 404 ? 'not_found' : 'bad_request';
    return new GatehouseError(code, fe.message, { status: fe.statusCode, cause: e });
  }
  return new GatehouseError('internal', 'internal error', { cause: e });
}

/**
 * What of `err` a client may see besides code and message: its `publicDetail`, when it is exposed and its
 * code is one of the public-detail codes. `detail` is never part of it.
 */
export function publicDetailOf(err: GatehouseError): unknown {
  if (!err.expose || err.publicDetail === undefined) return undefined;
  return (publicDetailCodes as readonly ErrorCode[]).includes(err.code) ? err.publicDetail : undefined;
}

/** The error page's list under the message: broken AWS rules or refused fields (`name: message`). */
function detailLines(err: GatehouseError): { name: string; message: string }[] {
  if (publicDetailOf(err) === undefined) return [];
  if (isGatehouseError(err, 'aws_lint_failed')) return (err.publicDetail ?? []).map((v) => ({ name: v.rule, message: v.message }));
  if (isGatehouseError(err, 'validation_failed')) return (err.publicDetail ?? []).map((f) => ({ name: f.field, message: f.message }));
  return [];
}

/** The HTML error page's title for an error of `status`. */
function errorTitle(err: GatehouseError): string {
  if (err.status >= 500) return 'Something went wrong';
  return err.code === 'flow_expired' ? 'Sign-in timed out' : err.code === 'not_found' ? 'Page not found' : 'Request refused';
}

/**
 * Sends an error as JSON or as the HTML error page. Clients see the code, the message (or, unexposed, a
 * generic text), the request id and the public detail (`publicDetailOf`); never `detail`. The page also gets
 * `extras` (errorPage.ts: the menu, the next steps); without them it offers the portal only.
 */
export function sendError(req: FastifyRequest, reply: FastifyReply, err: GatehouseError, extras?: ErrorPageExtras): FastifyReply {
  const message = err.expose ? err.message : `Something went wrong on our side. Quote request id ${req.id} to your administrator.`;
  const publicDetail = publicDetailOf(err);
  reply.status(err.status);
  if (wantsJson(req)) {
    return reply.send({ error: { code: err.code, message, requestId: req.id, ...(publicDetail !== undefined ? { detail: publicDetail } : {}) } });
  }
  return reply.type('text/html; charset=utf-8').send(renderView('error', {
    title: errorTitle(err), code: err.code, message, requestId: req.id, details: detailLines(err),
    steps: [{ href: '/', label: 'Back to the portal' }], note: null, ...extras,
  }));
}

/** One error handler for the whole app (STYLE.md §6): `detail` and the cause go to the log only. */
export function registerErrorHandler(app: FastifyInstance, ctx: AppContext): void {
  const send = async (req: FastifyRequest, reply: FastifyReply, err: GatehouseError) =>
    sendError(req, reply, err, wantsJson(req) ? undefined : await errorPageExtras(ctx, req, err.code));
  app.setErrorHandler(async (e, req, reply) => {
    const err = toGatehouseError(e);
    if (err.status >= 500) req.log.error({ err: e, code: err.code, detail: err.detail }, 'request failed');
    else req.log.info({ code: err.code, detail: err.detail, publicDetail: err.publicDetail }, err.message);
    return send(req, reply, err);
  });
  app.setNotFoundHandler(async (req, reply) => send(req, reply, new GatehouseError('not_found', `No page at ${req.url.split('?')[0]}`)));
}
