/**
 * The things admin changes name, looked up by what people type: a group by its exact name, an AWS account by
 * its 12-digit id or its alias, a person by username. Each is `not_found` with a sentence when missing.
 */
import type { AppContext } from '../context.js';
import { GatehouseError } from '../errors.js';
import type { AwsAccount } from '../store/repositories/accounts.js';
import type { Group } from '../store/repositories/groups.js';
import type { User } from '../store/repositories/users.js';

type Reader = Pick<AppContext, 'store'>;

/** The group named exactly `name`. */
export async function requireGroup(ctx: Reader, name: string): Promise<Group> {
  const g = await ctx.store.groups.findByName(name);
  if (!g) throw new GatehouseError('not_found', `No group named "${name}".`);
  return g;
}

/** The AWS account whose id or alias is `ref`. */
export async function requireAccount(ctx: Reader, ref: string): Promise<AwsAccount> {
  const a = await ctx.store.accounts.find(ref);
  if (!a) throw new GatehouseError('not_found', `No AWS account with id or alias "${ref}".`);
  return a;
}

/** The person whose username is `username` (as sign-in compares it: any case). */
export async function requirePerson(ctx: Reader, username: string): Promise<User> {
  const u = await ctx.store.users.findByUsername(username);
  if (!u) throw new GatehouseError('not_found', `No user named "${username}".`);
  return u;
}
