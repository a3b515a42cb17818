import { createRequire } from 'node:module';
import type { FastifyRequest } from 'fastify';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type pretty from 'pino-pretty';

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

/** pino options with the stream to write to (fastify's `logger` option takes this shape). */
export type LogOptions = LoggerOptions & { stream?: DestinationStream };

/** Options of {@link logOptions}. */
export interface LogFormat {
  /** Human-readable lines (pino-pretty). Default: when stdout is a terminal. */
  pretty?: boolean;
  /** Where the lines go (default stdout). For tests. */
  destination?: NodeJS.WritableStream;
}

/**
 * Gatehouse's log options at `level`: secrets redacted (`redactPaths`), requests as `serializeRequest`, and
 * JSON lines, or pino-pretty's coloured lines when stdout is a terminal. Redaction happens before either.
 */
export function logOptions(level: string, format: LogFormat = {}): LogOptions {
  const base: LogOptions = { level, redact: { paths: redactPaths, censor: '[redacted]' }, serializers: { req: serializeRequest } };
  if (!(format.pretty ?? process.stdout.isTTY === true)) return format.destination ? { ...base, stream: format.destination } : base;
  // Required here, not imported at the top: a node logging JSON (any deployment) need not hold pino-pretty (issue 12).
  const prettyStream = createRequire(import.meta.url)('pino-pretty') as typeof pretty;
  const stream = prettyStream({ sync: true, colorize: format.destination === undefined, translateTime: 'SYS:HH:MM:ss.l', ignore: 'hostname', destination: format.destination ?? 1 });
  return { ...base, stream };
}

/** A logger outside an app (the cluster primary), with the same options as the apps'. */
export function createLogger(level: string, format: LogFormat = {}): Logger {
  const { stream, ...options } = logOptions(level, format);
  return stream ? pino(options, stream) : pino(options);
}

/**
 * Writes `text` as it is (not as a log line) to the stream the logger `log` writes to, so that it comes after every
 * line logged before it: pino writes stdout asynchronously, and text written to process.stdout directly can overtake
 * lines logged earlier. For what an operator must read as it is: the first-run link after the listening line.
 */
export function writeToLog(log: object, text: string): void {
  const stream = (log as Record<symbol, { write?: (s: string) => unknown } | undefined>)[pino.symbols.streamSym];
  if (typeof stream?.write === 'function') stream.write(text);
  else process.stdout.write(text);
}
