/**
 * The database as a directory file (the shape of DESIGN.md's example), so that importing an export changes
 * nothing. What an export never contains: plaintext passwords (a user's argon2id hash is exported as
 * `password_hash`) and TOTP seeds (`totp` is omitted; devices stay in the database and import never removes
 * them). Defaults are left out (partition aws, status active, empty tags/roles/groups/attributes).
 * Accounts are sorted by alias, groups by name, users by username; roles name their account by alias.
 */
import { Document, isMap, isSeq, type Node } from 'yaml';
import type { Store } from '../store/store.js';
import type { DirectoryFileInput } from './directoryFile.js';
import { loadDirectorySnapshot } from './loadDirectorySnapshot.js';
import type { DirectorySnapshot } from './importPlan.js';

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const nonEmpty = (r: Record<string, string>): boolean => Object.keys(r).length > 0;

/** Builds the file content from a snapshot. Pure. */
export function snapshotToDirectory(snap: DirectorySnapshot): DirectoryFileInput {
  const aliasOf = new Map(snap.accounts.map((a) => [a.id, a.alias]));
  const groupName = new Map(snap.groups.map((g) => [g.id, g.name]));
  const accounts: NonNullable<DirectoryFileInput['accounts']> = [...snap.accounts].sort((a, b) => byCodeUnit(a.alias, b.alias)).map((a) => ({
    id: a.id, alias: a.alias, provider: a.providerName,
    ...(a.partition !== 'aws' ? { partition: a.partition } : {}), ...(a.region !== null ? { region: a.region } : {}),
  }));
  const groups: NonNullable<DirectoryFileInput['groups']> = [...snap.groups].sort((a, b) => byCodeUnit(a.name, b.name)).map((g) => {
    const roles = snap.mappings.filter((m) => m.groupId === g.id)
      .map((m) => ({ m, alias: aliasOf.get(m.accountId) ?? m.accountId }))
      .sort((a, b) => byCodeUnit(a.alias, b.alias) || byCodeUnit(a.m.roleName, b.m.roleName))
      .map(({ m, alias }) => ({
        account: alias, role: m.roleName,
        ...(m.sessionDuration !== null ? { session_duration: m.sessionDuration } : {}),
        ...(m.requireFactor !== null ? { require: m.requireFactor } : {}),
        ...(m.sourceIps.length > 0 ? { source_ips: m.sourceIps } : {}),
      }));
    return {
      name: g.name, ...(g.description !== null ? { description: g.description } : {}),
      ...(nonEmpty(g.tags) ? { tags: g.tags } : {}), ...(roles.length > 0 ? { roles } : {}),
    };
  });
  const users: NonNullable<DirectoryFileInput['users']> = [...snap.users].sort((a, b) => byCodeUnit(a.username.toLowerCase(), b.username.toLowerCase())).map((u) => {
    const memberOf = snap.memberships.filter((m) => m.userId === u.id).map((m) => groupName.get(m.groupId)).filter((n): n is string => n !== undefined).sort(byCodeUnit);
    return {
      username: u.username,
      ...(u.email !== null ? { email: u.email } : {}),
      ...(u.displayName !== null ? { display_name: u.displayName } : {}),
      ...(u.timeZone !== null ? { time_zone: u.timeZone } : {}),
      ...(u.passwordHash !== null ? { password_hash: u.passwordHash, ...(u.passwordTemporary ? { password_temporary: true } : {}) } : {}),
      ...(nonEmpty(u.attributes) ? { attributes: u.attributes } : {}),
      ...(memberOf.length > 0 ? { groups: memberOf } : {}),
      ...(u.status !== 'active' ? { status: u.status } : {}),
    };
  });
  return { session_tags: snap.settings.sessionTags, transitive_tags: snap.settings.transitiveTags, accounts, groups, users };
}

/** Renders directory content as YAML in the style of the DESIGN.md example (flow style for short items). */
export function renderDirectoryYaml(dir: DirectoryFileInput): string {
  const doc = new Document(dir);
  const flow = (n: unknown): void => { if (isMap(n) || isSeq(n)) (n as Node & { flow?: boolean }).flow = true; };
  const seqItems = (key: string): unknown[] => { const s = doc.get(key, true); return isSeq(s) ? s.items : []; };
  flow(doc.get('session_tags', true));
  flow(doc.get('transitive_tags', true));
  for (const a of seqItems('accounts')) flow(a);
  for (const g of seqItems('groups')) {
    if (!isMap(g)) continue;
    flow(g.get('tags', true));
    const roles = g.get('roles', true);
    if (isSeq(roles)) for (const r of roles.items) flow(r);
  }
  for (const u of seqItems('users')) {
    if (!isMap(u)) continue;
    flow(u.get('attributes', true));
    flow(u.get('groups', true));
  }
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** The whole directory as stored, as directory file content (see the file comment for what is left out). */
export async function exportDirectory(store: Store): Promise<DirectoryFileInput> {
  return snapshotToDirectory(await loadDirectorySnapshot(store));
}
