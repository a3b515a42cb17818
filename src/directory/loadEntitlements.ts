/**
 * Reads what entitlementsFor needs for one person from the store and applies the rules. The only I/O
 * around the pure function; callers (portal, SAML SSO, CLI API, the admin's effective access) use this.
 */
import { GatehouseError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { User } from '../store/repositories/users.js';
import { directorySettingKeys, parseDirectorySettings } from './directorySettings.js';
import { entitlementsFor, explainEntitlements, type Entitlements, type EntitlementsContext, type EntitlementsExplained, type EntitlementsInput } from './entitlementsFor.js';

/**
 * The rules' input for a user (by id, or the already loaded user, which saves a query on the SSO path): one
 * statement reads the groups, mappings, accounts and directory settings. Throws `not_found` when there is no
 * such user.
 */
export async function loadEntitlementInputs(store: Store, user: string | User): Promise<EntitlementsInput> {
  const person = typeof user === 'string' ? await store.users.findById(user) : user;
  if (!person) throw new GatehouseError('not_found', `no user with id ${String(user)}`);
  const { groups, mappings, accounts, settings } = await store.entitlementInputs.forUser(person.id, directorySettingKeys);
  return { person, groups, mappings, accounts, settings: parseDirectorySettings(settings) };
}

/** The entitlements of a user in `context` (see {@link loadEntitlementInputs}). Nothing to store. */
export async function loadEntitlements(store: Store, user: string | User, context: EntitlementsContext): Promise<Entitlements> {
  return entitlementsFor(await loadEntitlementInputs(store, user), context);
}

/** The same decision with its reasons, for an admin (see `explainEntitlements`). Nothing to store. */
export async function loadExplainedEntitlements(store: Store, user: string | User, context: EntitlementsContext): Promise<EntitlementsExplained> {
  return explainEntitlements(await loadEntitlementInputs(store, user), context);
}
