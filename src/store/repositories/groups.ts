import type { Kysely, Selectable } from 'kysely';
import type { Database, GroupsTable } from '../tables.js';
import { parseJsonColumn, stringRecord } from '../json.js';

export interface Group {
  id: string;
  name: string;
  description: string | null;
  tags: Record<string, string>;
  createdAt: number;
}

/** A `groups` row as a Group. */
export function toGroup(r: Selectable<GroupsTable>): Group {
  return { id: r.id, name: r.name, description: r.description, tags: parseJsonColumn({ column: 'groups.tags', row: r.id }, stringRecord, r.tags, {}), createdAt: Number(r.created_at) };
}

/** Groups and their memberships. */
export class GroupsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(g: { id: string; name: string; description?: string | null; tags?: Record<string, string> }, now: number): Promise<Group> {
    const row = { id: g.id, name: g.name, description: g.description ?? null, tags: JSON.stringify(g.tags ?? {}), created_at: now };
    await this.db.insertInto('groups').values(row).execute();
    return toGroup(row);
  }

  async findByName(name: string): Promise<Group | undefined> {
    const r = await this.db.selectFrom('groups').selectAll().where('name', '=', name).executeTakeFirst();
    return r && toGroup(r);
  }

  async findById(id: string): Promise<Group | undefined> {
    const r = await this.db.selectFrom('groups').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toGroup(r);
  }

  async list(): Promise<Group[]> {
    return (await this.db.selectFrom('groups').selectAll().orderBy('name').execute()).map(toGroup);
  }

  async update(id: string, patch: { description?: string | null; tags?: Record<string, string> }): Promise<void> {
    const set: { description?: string | null; tags?: string } = {};
    if (patch.description !== undefined) set.description = patch.description;
    if (patch.tags !== undefined) set.tags = JSON.stringify(patch.tags);
    if (Object.keys(set).length > 0) await this.db.updateTable('groups').set(set).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('groups').where('id', '=', id).execute();
  }

  /** Adds a membership; adding an existing one changes nothing. True when it was added (atomic: one statement). */
  async addMember(groupId: string, userId: string): Promise<boolean> {
    const r = await this.db.insertInto('memberships').values({ group_id: groupId, user_id: userId })
      .onConflict((oc) => oc.columns(['user_id', 'group_id']).doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Removes a membership; true when there was one to remove. */
  async removeMember(groupId: string, userId: string): Promise<boolean> {
    const r = await this.db.deleteFrom('memberships').where('group_id', '=', groupId).where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** The groups a user belongs to, by name. */
  async groupsOf(userId: string): Promise<Group[]> {
    const rows = await this.db.selectFrom('groups').innerJoin('memberships', 'memberships.group_id', 'groups.id')
      .selectAll('groups').where('memberships.user_id', '=', userId).orderBy('groups.name').execute();
    return rows.map(toGroup);
  }

  /** Every membership as (userId, groupId) pairs. */
  async memberships(): Promise<{ userId: string; groupId: string }[]> {
    const rows = await this.db.selectFrom('memberships').selectAll().execute();
    return rows.map((r) => ({ userId: r.user_id, groupId: r.group_id }));
  }
}
