/**
 * Reads what entitlementsFor needs for one person from the store and applies the rules. The only I/O
 * around the pure function; callers (portal, SAML SSO, CLI API) use this.
 */
import { GatehouseError } from '../errors.js';
import type { Store } from '../store/store.js';
import type { User } from '../store/repositories/users.js';
import { directorySettingKeys, parseDirectorySettings } from './directorySettings.js';
import { entitlementsFor, type Entitlements, type EntitlementsContext } from './entitlementsFor.js';

/**
 * The entitlements of a user (by id, or the already loaded user, which saves a query on the SSO path) in
 * `context`: one statement reads the groups, mappings, accounts and directory settings. Throws `not_found`
 * when there is no such user. Nothing to store.
 */
export async function loadEntitlements(store: Store, user: string | User, context: EntitlementsContext): Promise<Entitlements> {
  const person = typeof user === 'string' ? await store.users.findById(user) : user;
  if (!person) throw new GatehouseError('not_found', `no user with id ${String(user)}`);
  const { groups, mappings, accounts, settings } = await store.entitlementInputs.forUser(person.id, directorySettingKeys);
  return entitlementsFor({ person, groups, mappings, accounts, settings: parseDirectorySettings(settings) }, context);
}
