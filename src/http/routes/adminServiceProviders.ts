/**
 * Admin API for SAML service providers: register from metadata, list, remove.
 * Same auth as the other admin routes: a full MFA session of an admin plus `x-csrf-token`.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { withTransaction, type AppContext } from '../../context.js';
import { recordAudit } from '../../audit/recordAudit.js';
import { GatehouseError } from '../../errors.js';
import { registerServiceProvider } from '../../directory/registerServiceProvider.js';
import type { ServiceProvider } from '../../store/repositories/serviceProviders.js';
import { requireAdmin } from '../guards.js';
import { choiceField, readInput, textField } from '../readInput.js';

const registerBody = z.strictObject({
  metadata: textField(256 * 1024, { allowControls: true }).min(1, { error: 'must not be empty' }),
  name: textField(200).min(1, { error: 'must not be empty' }).optional(),
  kind: choiceField(['generic', 'identity-center']).optional(),
});

const spParams = z.object({ id: textField(100) });

const view = ({ metadataXml: _m, ...sp }: ServiceProvider) => sp;

export async function registerAdminServiceProviderRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  /** → the registered SP (201), or validation_failed naming the refused fields or what is wrong with the metadata. */
  app.post('/api/v1/admin/service-providers', async (req, reply) => {
    const admin = await requireAdmin(ctx, req);
    const body = readInput(registerBody, req.body);
    const sp = await registerServiceProvider(ctx, { metadataXml: body.metadata, name: body.name, kind: body.kind, actor: admin.user.username });
    return reply.status(201).send(view(sp));
  });

  app.get('/api/v1/admin/service-providers', async (req) => {
    await requireAdmin(ctx, req);
    return (await ctx.store.serviceProviders.list()).map(view);
  });

  app.delete<{ Params: { id: string } }>('/api/v1/admin/service-providers/:id', async (req, reply) => {
    const admin = await requireAdmin(ctx, req);
    const { id } = readInput(spParams, req.params, 'path');
    const sp = await ctx.store.serviceProviders.findById(id);
    if (!sp) throw new GatehouseError('not_found', `No service provider with id ${id}.`);
    await withTransaction(ctx, async (tx) => {
      await tx.store.serviceProviders.delete(sp.id);
      await recordAudit(tx, { type: 'sp.removed', outcome: 'success', detail: { entityId: sp.entityId, by: admin.user.username } }, { req });
    });
    return reply.status(204).send();
  });
}
