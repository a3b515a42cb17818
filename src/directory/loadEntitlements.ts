/**
 * Reads what entitlementsFor needs for one person from the store and applies the rules. The only I/O
 * around the pure function; callers (portal, SAML SSO, CLI API) use this.
 */
import { GatehouseError } from '../errors.js';
import type { Store } from '../store/store.js';
import { readDirectorySettings } from './directorySettings.js';
import { entitlementsFor, type Entitlements, type EntitlementsContext } from './entitlementsFor.js';

/** The entitlements of user `userId` in `context`. Throws `not_found` when there is no such user. Nothing to store. */
export async function loadEntitlements(store: Store, userId: string, context: EntitlementsContext): Promise<Entitlements> {
  const person = await store.users.findById(userId);
  if (!person) throw new GatehouseError('not_found', `no user with id ${userId}`);
  const [groups, mappings, accounts, settings] = await Promise.all([
    store.groups.groupsOf(userId), store.accounts.mappingsForUser(userId), store.accounts.list(), readDirectorySettings(store),
  ]);
  return entitlementsFor({ person, groups, mappings, accounts, settings }, context);
}
