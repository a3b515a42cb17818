/**
 * Group membership as admins change it (a person's page in the console, the admin API, `gatehouse group
 * add-member|remove-member`): one `group.member_added` / `group.member_removed` event per change, with the
 * person's groups before and after, in the transaction that makes it.
 */
import { withTransaction, type AppContext } from '../context.js';
import { GatehouseError } from '../errors.js';
import { recordAudit } from '../audit/recordAudit.js';
import type { Group } from '../store/repositories/groups.js';
import type { User } from '../store/repositories/users.js';
import { changedBy, type ChangeActor } from './changeActor.js';

/**
 * Adds `user` to `group` (`add`) or removes them from it. Returns false, and records nothing, when that was so
 * already (the insert or delete itself says so: two admins making the same change at once record it once). Removing oneself from `admin.group` is refused from the console and the API (`conflict`): the
 * session would lose the console in the middle of the change.
 */
export async function setMembership(ctx: AppContext, user: User, group: Group, add: boolean, actor: ChangeActor): Promise<boolean> {
  if (!add && group.name === ctx.config.admin.group && actor.via !== 'cli' && actor.by === user.username) {
    throw new GatehouseError('conflict', `You cannot remove yourself from ${group.name}: ask another administrator.`);
  }
  return withTransaction(ctx, async (tx) => {
    const before = (await tx.store.groups.groupsOf(user.id)).map((g) => g.name).sort();
    const changed = add ? await tx.store.groups.addMember(group.id, user.id) : await tx.store.groups.removeMember(group.id, user.id);
    if (!changed) return false;
    const after = add ? [...before, group.name].sort() : before.filter((n) => n !== group.name);
    await recordAudit(tx, {
      type: add ? 'group.member_added' : 'group.member_removed', outcome: 'success', userId: user.id, username: user.username,
      detail: { ...changedBy(actor), group: group.name, before: { groups: before }, after: { groups: after } },
    }, { req: actor.req });
    return true;
  });
}
