/**
 * `multipart/form-data` for the few console forms that take a file without JavaScript (SP metadata). The body is
 * bounded by the route's `bodyLimit` before anything is parsed; Node's own form-data reader (undici's
 * `Response.formData`, built into Node 20+) splits it. The result is a plain object like the url-encoded forms
 * give: text fields as strings, each file as its text (UTF-8), a repeated field as an array (which `readInput`
 * refuses as "must be given once"). An empty file input (nothing chosen) is left out. Register it on a scope
 * (`app.register(async (scope) => { acceptMultipartForms(scope, limit); scope.post(…) })`) so other routes keep
 * refusing multipart bodies.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { GatehouseError } from '../errors.js';

async function parseMultipart(contentType: string, body: Buffer): Promise<Record<string, string | string[]>> {
  let form: FormData;
  try {
    form = await new Response(new Blob([new Uint8Array(body)]), { headers: { 'content-type': contentType } }).formData();
  } catch (cause) {
    throw new GatehouseError('bad_request', 'The form could not be read (malformed multipart body).', { cause });
  }
  const out: Record<string, string | string[]> = {};
  const fields: [string, FormDataEntryValue][] = [];
  form.forEach((value, name) => { fields.push([name, value]); });
  for (const [name, value] of fields) {
    if (typeof value !== 'string' && value.size === 0 && value.name === '') continue;
    const text = typeof value === 'string' ? value : await value.text();
    const prev = out[name];
    out[name] = prev === undefined ? text : [...(Array.isArray(prev) ? prev : [prev]), text];
  }
  return out;
}

/** Lets the routes of `scope` take `multipart/form-data` bodies of at most `bodyLimit` bytes. */
export function acceptMultipartForms(scope: FastifyInstance, bodyLimit: number): void {
  scope.addContentTypeParser('multipart/form-data', { parseAs: 'buffer', bodyLimit }, async (req: FastifyRequest, body: Buffer) => parseMultipart(String(req.headers['content-type']), body));
}
