/**
 * Groups as admins change them — create, describe, delete, members, session tags — for the console, the admin API
 * and `gatehouse group …` alike. Names, descriptions and tags are checked by the directory file's rules
 * (directoryFile.ts `groupSchema`, aws/tags.ts), so each surface accepts what the file accepts. Every change is one
 * audit event in the same transaction, with the thing as it was (`before`) and as it is (`after`).
 * Role mappings of a group are in roleMappings.ts.
 */
import { randomUUID } from 'node:crypto';
import { withTransaction, type AppContext } from '../context.js';
import { GatehouseError } from '../errors.js';
import { recordAudit } from '../audit/recordAudit.js';
import { configurableTagKeyProblem, foldTagKey, isValidTagValue, tagValueRule } from '../aws/tags.js';
import { checkEntry, groupSchema } from '../directory/directoryFile.js';
import type { Group } from '../store/repositories/groups.js';
import { orConflict } from '../store/uniqueViolation.js';
import { setMembership } from './memberships.js';
import { changedBy, type ChangeActor } from './changeActor.js';
import { requireGroup, requirePerson } from './find.js';
import { describeMappings, type MappingView } from './roleMappings.js';

/** A group as the console, the API and `gatehouse group show --json` show it. */
export interface GroupView {
  id: string;
  name: string;
  description: string | null;
  tags: Record<string, string>;
  /** Usernames, sorted. */
  members: string[];
  mappings: MappingView[];
  createdAt: string;
}

/** Describes `groups` (default: all) with members and mappings, reading each table once. */
export async function describeGroups(ctx: Pick<AppContext, 'store'>, groups?: readonly Group[]): Promise<GroupView[]> {
  const [all, users, memberships, mappings] = await Promise.all([
    groups ? Promise.resolve(groups) : ctx.store.groups.list(), ctx.store.users.list(), ctx.store.groups.memberships(), describeMappings(ctx),
  ]);
  const usernames = new Map(users.map((u) => [u.id, u.username]));
  return all.map((g) => ({
    id: g.id, name: g.name, description: g.description, tags: g.tags,
    members: memberships.filter((m) => m.groupId === g.id).map((m) => usernames.get(m.userId) ?? m.userId).sort(),
    mappings: mappings.filter((m) => m.groupId === g.id), createdAt: new Date(g.createdAt).toISOString(),
  }));
}

/** One group by name, described; not_found when there is none. */
export async function describeGroup(ctx: Pick<AppContext, 'store'>, name: string): Promise<GroupView> {
  return (await describeGroups(ctx, [await requireGroup(ctx, name)]))[0]!;
}

/** What an audit event keeps of a group. */
const snapshot = (g: Pick<Group, 'name' | 'description' | 'tags'>) => ({ name: g.name, description: g.description, tags: g.tags });

/** True when both hold the same keys with the same values (in any order). */
const sameTags = (a: Record<string, string>, b: Record<string, string>): boolean =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(a).every(([k, v]) => Object.hasOwn(b, k) && b[k] === v);

/** Creates a group; `conflict` when the name is taken. */
export async function createGroup(ctx: AppContext, input: { name: string; description?: string | null | undefined; tags?: Record<string, string> | undefined }, actor: ChangeActor): Promise<GroupView> {
  const v = checkEntry(groupSchema, { name: input.name, description: input.description ?? undefined, tags: input.tags ?? {} });
  const taken = `A group named ${v.name} exists already.`;
  if (await ctx.store.groups.findByName(v.name)) throw new GatehouseError('conflict', taken);
  await orConflict(taken, () => withTransaction(ctx, async (tx) => {
    const g = await tx.store.groups.create({ id: randomUUID(), name: v.name, description: v.description ?? null, tags: v.tags }, ctx.now().getTime());
    await recordAudit(tx, { type: 'group.created', outcome: 'success', detail: { ...changedBy(actor), group: g.name, after: snapshot(g) } }, { req: actor.req });
  }));
  return describeGroup(ctx, v.name);
}

/** Changes a group's description (null or empty: none). */
export async function updateGroup(ctx: AppContext, name: string, patch: { description: string | null }, actor: ChangeActor): Promise<GroupView> {
  const g = await requireGroup(ctx, name);
  const description = patch.description === null || patch.description.trim() === '' ? null : patch.description;
  if (description !== g.description) {
    await withTransaction(ctx, async (tx) => {
      await tx.store.groups.update(g.id, { description });
      await recordAudit(tx, { type: 'group.updated', outcome: 'success', detail: { ...changedBy(actor), group: g.name, before: snapshot(g), after: snapshot({ ...g, description }) } }, { req: actor.req });
    });
  }
  return describeGroup(ctx, g.name);
}

/** Deletes a group with its memberships and role mappings; returns what it was. */
export async function deleteGroup(ctx: AppContext, name: string, actor: ChangeActor): Promise<GroupView> {
  const before = await describeGroup(ctx, name);
  await withTransaction(ctx, async (tx) => {
    await tx.store.groups.delete(before.id);
    await recordAudit(tx, {
      type: 'group.deleted', outcome: 'success',
      detail: {
        ...changedBy(actor), group: before.name, members: before.members.length, roles: before.mappings.length,
        before: { ...snapshot(before), members: before.members, mappings: before.mappings.map(({ id: _i, groupId: _g, ...m }) => m) },
      },
    }, { req: actor.req });
  });
  return before;
}

/**
 * Adds (`add` true) or removes a person named by username, to or from a group named by name: `setMembership`
 * (src/admin/memberships.ts) with the lookups; returns false when there was nothing to change (no event then).
 */
export async function setMembershipByName(ctx: AppContext, name: string, username: string, add: boolean, actor: ChangeActor): Promise<boolean> {
  const g = await requireGroup(ctx, name);
  const u = await requirePerson(ctx, username);
  return setMembership(ctx, u, g, add, actor);
}

/**
 * Sets a group's session tag (`value` null: removes it). A key that differs only in case replaces the old
 * spelling (AWS tag keys are case-insensitive). Refused with `validation_failed` naming `key` or `value`.
 * Returns false when nothing changed (no event then).
 */
export async function setGroupTag(ctx: AppContext, name: string, key: string, value: string | null, actor: ChangeActor): Promise<boolean> {
  const g = await requireGroup(ctx, name);
  const keyProblem = configurableTagKeyProblem(key);
  if (keyProblem !== undefined) throw new GatehouseError('validation_failed', `key: ${keyProblem}`, { publicDetail: [{ field: 'key', message: keyProblem }] });
  if (value !== null && !isValidTagValue(value)) {
    throw new GatehouseError('validation_failed', `value: must be ${tagValueRule}`, { publicDetail: [{ field: 'value', message: `must be ${tagValueRule}` }] });
  }
  const tags = Object.fromEntries(Object.entries(g.tags).filter(([k]) => foldTagKey(k) !== foldTagKey(key)));
  if (value !== null) tags[key] = value;
  if (sameTags(tags, g.tags)) return false;
  await withTransaction(ctx, async (tx) => {
    await tx.store.groups.update(g.id, { tags });
    await recordAudit(tx, {
      type: 'group.tags_changed', outcome: 'success',
      detail: { ...changedBy(actor), group: g.name, key, value, before: { tags: g.tags }, after: { tags } },
    }, { req: actor.req });
  });
  return true;
}
