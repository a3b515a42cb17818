/**
 * The IdP's identity: its entity ID and base URL. AWS and every service provider know the IdP by them (the
 * uploaded metadata, the issuer of each assertion, the SSO URL), so they are recorded in the database at the first
 * start and a later start with other values stops instead of signing for a name nobody trusts. Changing them is
 * an explicit, audited step (`gatehouse identity set`, `gatehouse serve --force-identity`).
 */
import { z } from 'zod';
import { recordAudit } from '../audit/recordAudit.js';
import type { Config } from '../config/loadConfig.js';
import { envNames } from '../config/schema.js';
import { withTransaction, type AppContext } from '../context.js';
import { GatehouseError } from '../errors.js';
import type { Store } from '../store/store.js';

export interface IdpIdentity {
  entityId: string;
  baseUrl: string;
}

type IdentityContext = Pick<AppContext, 'config' | 'store' | 'now'>;

/** The settings key of the recorded identity (one row: recording it is one atomic insert). */
const settingKey = 'idp_identity';
const storedIdentity = z.object({ entityId: z.string().min(1), baseUrl: z.string().min(1) });

/** The identity the configuration gives. */
export function configuredIdentity(config: Config): IdpIdentity {
  return { entityId: config.saml.entityId, baseUrl: config.server.baseUrl };
}

/** The stored value, parsed; undefined when it is not a valid identity. */
function parseIdentity(raw: string): IdpIdentity | undefined {
  try {
    const r = storedIdentity.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

/** The identity recorded in the database, or undefined before the first start. */
export async function recordedIdentity(store: Store): Promise<IdpIdentity | undefined> {
  const raw = await store.settings.get(settingKey);
  if (raw === undefined) return undefined;
  const identity = parseIdentity(raw);
  if (!identity) throw new GatehouseError('internal', `the recorded IdP identity (settings ${settingKey}) is malformed; run gatehouse identity set to record the configured one`);
  return identity;
}

/** True when both name the IdP the same way. */
export const sameIdentity = (a: IdpIdentity, b: IdpIdentity): boolean => a.entityId === b.entityId && a.baseUrl === b.baseUrl;
const derivedEntityId = (i: IdpIdentity): boolean => i.entityId === `${i.baseUrl}/saml/metadata`;
const setting = (key: string): string => `${key} (${envNames[key]})`;

/**
 * The one-line identity_changed error for a configuration whose identity differs from the recorded one: both
 * values, and the two ways out. An entity ID derived from the base URL on both sides is not named separately.
 */
function identityChanged(recorded: IdpIdentity, configured: IdpIdentity): GatehouseError {
  const baseUrl = recorded.baseUrl !== configured.baseUrl;
  const entityId = recorded.entityId !== configured.entityId && !(baseUrl && derivedEntityId(recorded) && derivedEntityId(configured));
  const diffs: { what: string; now: string; was: string; key: string }[] = [];
  if (baseUrl) diffs.push({ what: 'base URL', now: configured.baseUrl, was: recorded.baseUrl, key: 'server.baseUrl' });
  if (entityId) diffs.push({ what: 'entity ID', now: configured.entityId, was: recorded.entityId, key: 'saml.entityId' });
  const list = (f: (d: (typeof diffs)[number]) => string): string => diffs.map(f).join(' and ');
  return new GatehouseError('identity_changed',
    `the ${list((d) => `${d.what} is ${d.now}`)}, but this IdP was set up with ${list((d) => `${d.what} ${d.was}`)} (AWS and the service providers know it by that); `
    + `set ${list((d) => setting(d.key))} back, or change the identity on purpose with gatehouse identity set (or gatehouse serve --force-identity)`,
    { detail: { recorded, configured } });
}

/**
 * Checks that the configured identity is the recorded one; throws identity_changed when they differ. When none is
 * recorded yet (before the first start) and `record` is true (the default), records it, audited as
 * `identity.recorded`. Safe on several nodes starting at once: the first recording wins, the others compare with it.
 */
export async function checkIdentity(ctx: IdentityContext, opts: { record?: boolean } = {}): Promise<void> {
  const configured = configuredIdentity(ctx.config);
  const recorded = await recordedIdentity(ctx.store);
  if (recorded === undefined) {
    if (opts.record === false) return;
    const won = await withTransaction(ctx, async (tx) => {
      if (!(await tx.store.settings.insertIfAbsent(settingKey, JSON.stringify(configured)))) return false;
      await recordAudit(tx, { type: 'identity.recorded', outcome: 'success', detail: configured });
      return true;
    });
    if (won) return;
    return checkIdentity(ctx, opts);
  }
  if (!sameIdentity(recorded, configured)) throw identityChanged(recorded, configured);
}

/**
 * Makes the configured identity the recorded one, on purpose: audited as `identity.changed` with before and after
 * (`identity.recorded` when none was recorded). Returns both; nothing is written when they are the same.
 */
export async function setIdentity(ctx: IdentityContext, by: string): Promise<{ before: IdpIdentity | undefined; after: IdpIdentity; changed: boolean }> {
  const after = configuredIdentity(ctx.config);
  return withTransaction(ctx, async (tx) => {
    const raw = await tx.store.settings.get(settingKey);
    const before = raw === undefined ? undefined : parseIdentity(raw); // a malformed record is replaced
    if (before && sameIdentity(before, after)) return { before, after, changed: false };
    await tx.store.settings.set(settingKey, JSON.stringify(after));
    if (before) await recordAudit(tx, { type: 'identity.changed', outcome: 'success', detail: { by, before, after } });
    else await recordAudit(tx, { type: 'identity.recorded', outcome: 'success', detail: { ...after, by } });
    return { before, after, changed: true };
  });
}
