import { randomUUID } from 'node:crypto';
import { withTransaction, type AppContext } from '../context.js';
import { recordAudit } from '../audit/recordAudit.js';
import { parseSpMetadata } from '../saml/parseSpMetadata.js';
import type { RegisteredSp } from '../saml/checkAuthnRequest.js';
import type { ServiceProvider } from '../store/repositories/serviceProviders.js';
import { saml } from '../saml/samlConstants.js';
import { changedBy, type ChangeActor } from '../admin/changeActor.js';

export interface RegisterSpInput {
  metadataXml: string;
  name?: string | undefined;
  kind?: 'generic' | 'identity-center' | undefined;
  /** Who registers it (an admin change), or just their name (older callers). */
  actor?: ChangeActor | string | undefined;
}

/** What an SP's audit events record as `before` / `after`: what an admin sees of it (no metadata XML). */
export function spAuditView(sp: Pick<ServiceProvider, 'name' | 'kind' | 'acs' | 'wantRequestsSigned' | 'enabled'>): Record<string, unknown> {
  return { name: sp.name, kind: sp.kind, acs: sp.acs.map((a) => a.url), wantRequestsSigned: sp.wantRequestsSigned, enabled: sp.enabled };
}

/** The NameID format Gatehouse sends to an SP: Identity Center wants emailAddress; others their first listed format. */
function pickNameIdFormat(kind: ServiceProvider['kind'], formats: readonly string[]): string {
  if (kind === 'identity-center') return saml.nameIdFormat.emailAddress;
  const known: string[] = Object.values(saml.nameIdFormat);
  return formats.find((f) => known.includes(f)) ?? saml.nameIdFormat.persistent;
}

/**
 * Registers (or updates, by entityID) a service provider from its metadata XML. The metadata is parsed
 * with our safe parser (no DOCTYPE, bounded); ACS endpoints are kept exactly as published. The SP and its
 * `sp.registered` / `sp.updated` audit event (`by`, `via` from `input.actor`; `before` / `after`) are written in
 * one transaction. New metadata does not change whether the SP is enabled; a new SP starts enabled.
 */
export async function registerServiceProvider(ctx: AppContext, input: RegisterSpInput): Promise<ServiceProvider> {
  const md = parseSpMetadata(input.metadataXml);
  const existing = await ctx.store.serviceProviders.findByEntityId(md.entityId);
  const kind = input.kind ?? existing?.kind ?? 'generic';
  const sp: ServiceProvider = {
    id: existing?.id ?? randomUUID(), entityId: md.entityId, name: input.name ?? existing?.name ?? md.entityId, kind,
    metadataXml: input.metadataXml,
    acs: md.acs.map((a) => ({ url: a.url, index: a.index ?? null, binding: a.binding, isDefault: a.isDefault ?? false })),
    wantRequestsSigned: md.wantRequestsSigned, signingCerts: md.signingCertificates,
    nameIdFormat: pickNameIdFormat(kind, md.nameIdFormats), createdAt: existing?.createdAt ?? ctx.now().getTime(),
    enabled: existing?.enabled ?? true,
  };
  const actor: Partial<ChangeActor> & { by: string } | undefined = typeof input.actor === 'string' ? { by: input.actor } : input.actor;
  await withTransaction(ctx, async (tx) => {
    await tx.store.serviceProviders.upsert(sp);
    await recordAudit(tx, {
      type: existing ? 'sp.updated' : 'sp.registered', outcome: 'success',
      detail: {
        entityId: sp.entityId, kind, acs: sp.acs.map((a) => a.url), ...(actor ? changedBy(actor) : {}),
        ...(existing ? { before: spAuditView(existing) } : {}), after: spAuditView(sp),
      },
    }, { req: actor?.req });
  });
  return sp;
}

/** The stored SP in the shape the AuthnRequest checks take. */
export function toRegisteredSp(sp: ServiceProvider): RegisteredSp {
  return {
    entityId: sp.entityId, wantRequestsSigned: sp.wantRequestsSigned, signingCertificates: sp.signingCerts,
    acs: sp.acs.map((a) => ({ url: a.url, binding: a.binding, ...(a.index !== null ? { index: a.index } : {}), isDefault: a.isDefault })),
  };
}
