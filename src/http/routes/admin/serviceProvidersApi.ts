/**
 * Admin API for SAML service providers: register from metadata, list, remove.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { withTransaction, type AppContext } from '../../../context.js';
import { recordAudit } from '../../../audit/recordAudit.js';
import { GatehouseError } from '../../../errors.js';
import { registerServiceProvider } from '../../../directory/registerServiceProvider.js';
import type { ServiceProvider } from '../../../store/repositories/serviceProviders.js';
import { choiceField, textField } from '../../readInput.js';
import { adminRoute } from '../../api/adminRoute.js';

const registerBody = z.strictObject({
  metadata: textField(256 * 1024, { allowControls: true }).min(1, { error: 'must not be empty' }).describe('The SP\'s SAML metadata XML.'),
  name: textField(200).min(1, { error: 'must not be empty' }).optional(),
  kind: choiceField(['generic', 'identity-center']).optional(),
});

const spParams = z.strictObject({ id: textField(100) });

const spView = z.object({
  id: z.string(), name: z.string(), entityId: z.string(), kind: z.string(), acs: z.array(z.unknown()), createdAt: z.number().optional(),
}).loose();

const view = ({ metadataXml: _m, ...sp }: ServiceProvider) => sp;

export async function registerServiceProvidersApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/service-providers', tag: 'Service providers', access: 'write',
    summary: 'Register a service provider from its metadata',
    description: 'Refused with validation_failed naming the fields, or what is wrong with the metadata.',
    body: registerBody, response: spView,
  }, async ({ body, actor }) => view(await registerServiceProvider(ctx, { metadataXml: body.metadata, name: body.name, kind: body.kind, actor: actor.by })));

  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/service-providers', tag: 'Service providers', access: 'read',
    summary: 'List service providers', response: z.array(spView),
  }, async () => (await ctx.store.serviceProviders.list()).map(view));

  adminRoute(app, ctx, {
    method: 'DELETE', url: '/api/v1/admin/service-providers/:id', tag: 'Service providers', access: 'write', status: 204,
    summary: 'Remove a service provider', params: spParams,
  }, async ({ params, actor }) => {
    const sp = await ctx.store.serviceProviders.findById(params.id);
    if (!sp) throw new GatehouseError('not_found', `No service provider with id ${params.id}.`);
    await withTransaction(ctx, async (tx) => {
      await tx.store.serviceProviders.delete(sp.id);
      await recordAudit(tx, { type: 'sp.removed', outcome: 'success', detail: { entityId: sp.entityId, by: actor.by } }, { req: actor.req });
    });
  });
}
