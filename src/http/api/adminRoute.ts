/**
 * One admin API route from one declaration: its zod schemas are both what the handler reads its input with
 * (`readInput`: a bad field is a 400 naming it) and, converted to JSON Schema, what the OpenAPI document at
 * /api/v1/openapi.json says (through @fastify/swagger). Authentication (`authenticateAdmin`) runs before any
 * input is read. test/integration/admin/openapi.test.ts checks that every /api/v1/admin route is declared
 * this way and that the document lists exactly the routes that exist.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { authenticateAdmin, type AdminActor, type AdminNeeds } from '../adminAuth.js';
import { readInput } from '../readInput.js';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Schema = z.ZodType;
type Out<S> = S extends Schema ? z.output<S> : undefined;

export interface AdminRouteSpec<P extends Schema | undefined, Q extends Schema | undefined, B extends Schema | undefined> extends AdminNeeds {
  method: Method;
  /** Fastify path, e.g. `/api/v1/admin/users/:username`. */
  url: string;
  /** OpenAPI tag: the resource (People, Groups, …). */
  tag: string;
  summary: string;
  description?: string;
  params?: P;
  query?: Q;
  body?: B;
  /** The success answer's body (none for 204). */
  response?: Schema;
  /** Success status: 200 by default, 201 for a creation, 204 for no body. */
  status?: 200 | 201 | 204;
  /** Largest request body in bytes, when it differs from the app's (512 KiB). */
  bodyLimit?: number;
}

export interface AdminRouteInput<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  actor: AdminActor;
  req: FastifyRequest;
  reply: FastifyReply;
}

/** A zod schema as JSON Schema (draft 2020-12, as OpenAPI 3.1 uses), describing what a client may send. */
export function jsonSchemaOf(schema: Schema, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  return rest;
}

const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), requestId: z.string(), detail: z.unknown().optional() }),
});

/** Registers one admin API route. */
export function adminRoute<P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined>(
  app: FastifyInstance, ctx: AppContext, spec: AdminRouteSpec<P, Q, B>,
  handler: (input: AdminRouteInput<Out<P>, Out<Q>, Out<B>>) => Promise<unknown>,
): void {
  const status = spec.status ?? (spec.method === 'POST' ? 201 : 200);
  const err = jsonSchemaOf(errorBody, 'output');
  const scope = spec.access === 'write' ? 'write' : 'read';
  const schema = {
    tags: [spec.tag],
    summary: spec.summary,
    description: [spec.description, `Needs: ${scope} access${spec.sensitive ? '; a sensitive change (a session must have confirmed its second factor within admin.reauthSeconds)' : ''}${spec.sessionOnly ? '; an admin session (API tokens are refused)' : ''}.`].filter(Boolean).join('\n\n'),
    security: (spec.sessionOnly ? [{ adminSession: [] }] : [{ bearerToken: [] }, { adminSession: [] }]) as { [label: string]: string[] }[],
    ...(spec.params ? { params: jsonSchemaOf(spec.params) } : {}),
    ...(spec.query ? { querystring: jsonSchemaOf(spec.query) } : {}),
    ...(spec.body ? { body: jsonSchemaOf(spec.body) } : {}),
    response: {
      [status]: status === 204 ? { type: 'null', description: 'Done; no body.' } : { description: 'Success.', ...jsonSchemaOf(spec.response ?? z.object({}), 'output') },
      '4XX': { description: 'Refused: the error code says why (docs/errors.md).', ...err },
    },
  };
  app.route({
    method: spec.method,
    url: spec.url,
    ...(spec.bodyLimit !== undefined ? { bodyLimit: spec.bodyLimit } : {}),
    schema,
    // The schema above documents the route; the handler validates with the same zod schemas, after authentication.
    validatorCompiler: () => (data: unknown) => ({ value: data }),
    serializerCompiler: () => (data: unknown) => JSON.stringify(data),
    handler: async (req, reply) => {
      const actor = await authenticateAdmin(ctx, req, spec);
      const input = {
        params: (spec.params ? readInput(spec.params, req.params, 'path') : undefined) as Out<P>,
        query: (spec.query ? readInput(spec.query, req.query, 'query') : undefined) as Out<Q>,
        body: (spec.body ? readInput(spec.body, req.body, 'body') : undefined) as Out<B>,
        actor, req, reply,
      };
      const result = await handler(input);
      if (status === 204) return reply.status(204).send();
      return reply.status(status).send(result);
    },
  });
}

// ---- lists ---------------------------------------------------------------------------------------------

/** `limit` and `offset` of a paginated list (query string). */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50).describe('How many items to return (1–500).'),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0).describe('How many items to skip.'),
};

/** A page of a list: the items, how many match in all, and the offset of the next page (null on the last). */
export function pageOf<T extends Schema>(item: T) {
  return z.object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), offset: z.number().int(), nextOffset: z.number().int().nullable() });
}

/** Cuts one page out of a whole (already filtered) list. */
export function paginate<T>(all: readonly T[], q: { limit: number; offset: number }): { items: T[]; total: number; limit: number; offset: number; nextOffset: number | null } {
  const items = all.slice(q.offset, q.offset + q.limit);
  const next = q.offset + items.length;
  return { items, total: all.length, limit: q.limit, offset: q.offset, nextOffset: next < all.length ? next : null };
}
