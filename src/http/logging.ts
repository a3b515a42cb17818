import type { FastifyRequest } from 'fastify';

/** Paths that pino removes from every log line: secrets are never logged. */
export const redactPaths = [
  'req.headers.cookie', 'req.headers.authorization', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]',
  'body.password', 'body.newPassword', 'body.code', 'body.code1', 'body.code2', 'body.recoveryCode', 'body._csrf',
  'body.SAMLResponse', '*.password', '*.passwordHash', '*.secret', '*.privateKey', '*.token', '*.SAMLResponse',
  // the CLI API (docs/cli-api.md)
  'body.flowToken', 'body.code_verifier', 'body.device_code', '*.accessToken', '*.flowToken', '*.samlResponse',
];

const secretParams = /([?&](?:token|code|user_code|SAMLRequest|SAMLResponse|Signature|RelayState)=)[^&]*/gi;

/** The URL as logged: values of token-like query parameters are replaced by [redacted]. */
export function redactUrl(url: string): string {
  return url.replace(secretParams, '$1[redacted]');
}

/** pino serializer for requests: method, redacted URL, remote address, request id. */
export function serializeRequest(req: FastifyRequest): Record<string, unknown> {
  return { method: req.method, url: redactUrl(req.url), remoteAddress: req.ip, id: req.id };
}
