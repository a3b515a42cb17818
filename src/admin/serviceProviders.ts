/**
 * SAML service providers as admins manage them, from the console, the API and `gatehouse sp`: register from
 * metadata (registerServiceProvider.ts), look up, enable and disable, remove. Each change is one audit event,
 * written in the change's transaction, with the SP `before` and `after` (spAuditView: never the metadata XML).
 * A disabled SP keeps its registration; its AuthnRequests are refused (`saml_sp_disabled`) and the portal hides it.
 */
import { withTransaction, type AppContext } from '../context.js';
import { recordAudit } from '../audit/recordAudit.js';
import { GatehouseError } from '../errors.js';
import { registerServiceProvider, spAuditView, type RegisterSpInput } from '../directory/registerServiceProvider.js';
import type { ServiceProvider } from '../store/repositories/serviceProviders.js';
import { changedBy, type ChangeActor } from './changeActor.js';

/** An SP as admins see it: everything but the metadata XML. */
export type ServiceProviderView = Omit<ServiceProvider, 'metadataXml'>;

/** The SP without its metadata XML. */
export function spView({ metadataXml: _m, ...sp }: ServiceProvider): ServiceProviderView {
  return sp;
}

/** The SP with this id (or, for the CLI, this entityID); `not_found` when there is none. */
export async function findServiceProvider(ctx: Pick<AppContext, 'store'>, idOrEntityId: string): Promise<ServiceProvider> {
  const sp = (await ctx.store.serviceProviders.findById(idOrEntityId)) ?? (await ctx.store.serviceProviders.findByEntityId(idOrEntityId));
  if (!sp) throw new GatehouseError('not_found', `No service provider with id or entity ID ${idOrEntityId}.`);
  return sp;
}

/** Registers an SP from its metadata, or replaces the metadata of the one with the same entityID. */
export async function addServiceProvider(ctx: AppContext, input: Omit<RegisterSpInput, 'actor'>, actor: ChangeActor): Promise<ServiceProvider> {
  return registerServiceProvider(ctx, { ...input, actor });
}

/**
 * Enables or disables an SP (`sp.enabled` / `sp.disabled`). Setting what is already set changes nothing and
 * records nothing. Returns the SP as it now is.
 */
export async function setServiceProviderEnabled(ctx: AppContext, idOrEntityId: string, enabled: boolean, actor: ChangeActor): Promise<ServiceProvider> {
  const sp = await findServiceProvider(ctx, idOrEntityId);
  if (sp.enabled === enabled) return sp;
  const after = { ...sp, enabled };
  await withTransaction(ctx, async (tx) => {
    await tx.store.serviceProviders.setEnabled(sp.id, enabled);
    await recordAudit(tx, {
      type: enabled ? 'sp.enabled' : 'sp.disabled', outcome: 'success',
      detail: { entityId: sp.entityId, ...changedBy(actor), before: spAuditView(sp), after: spAuditView(after) },
    }, { req: actor.req });
  });
  return after;
}

/** Removes an SP (`sp.removed`, with what it was). */
export async function removeServiceProvider(ctx: AppContext, idOrEntityId: string, actor: ChangeActor): Promise<ServiceProvider> {
  const sp = await findServiceProvider(ctx, idOrEntityId);
  await withTransaction(ctx, async (tx) => {
    await tx.store.serviceProviders.delete(sp.id);
    await recordAudit(tx, { type: 'sp.removed', outcome: 'success', detail: { entityId: sp.entityId, ...changedBy(actor), before: spAuditView(sp) } }, { req: actor.req });
  });
  return sp;
}
