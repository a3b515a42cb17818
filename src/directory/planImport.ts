/**
 * What importing a directory file would change: a pure comparison of the parsed file with a snapshot of
 * the database (loadDirectorySnapshot.ts). applyImport.ts carries the plan out.
 *
 * Two modes:
 * - `import` (`gatehouse import FILE`) is additive. Everything the file names is created or made equal to
 *   the file (a named user's email, display name, status and attributes; a group's description and tags;
 *   a mapping's session duration, factor and source IPs; an account's alias, provider, partition, region;
 *   session_tags and transitive_tags when the file has them). Nothing the file does not name is touched:
 *   no membership, mapping, group, account or user is removed.
 * - `apply` (`gatehouse apply FILE`) makes the database match the file: on top of `import`, memberships,
 *   role mappings, groups and accounts that the file does not list are removed, missing session_tags /
 *   transitive_tags become empty, and users the file does not list are disabled (never deleted: their
 *   devices and audit trail stay) and lose their memberships.
 *
 * In both modes: a user without `password` / `password_hash` keeps their password (import never removes
 * one); a plaintext `password` that already verifies against the stored hash is no change (so importing
 * twice changes nothing); MFA devices are never removed, and a `totp` entry adds the device of that name or
 * replaces its seed when it differs. Users are matched case-insensitively, groups by exact name, accounts
 * by id.
 */
import type { RequiredFactor } from '../auth/factors.js';
import { normaliseRoleName } from '../aws/roleName.js';
import type { AwsAccount, Partition, RoleMapping } from '../store/repositories/accounts.js';
import type { Group } from '../store/repositories/groups.js';
import type { User } from '../store/repositories/users.js';
import { directoryInvalid, type DirectoryFileError, type ParsedDirectory } from './directoryFile.js';
import type { DirectorySettings } from './directorySettings.js';

/** The database side of the comparison. */
export interface DirectorySnapshot {
  settings: DirectorySettings;
  users: User[];
  groups: Group[];
  memberships: { userId: string; groupId: string }[];
  accounts: AwsAccount[];
  mappings: RoleMapping[];
  /** TOTP devices of the users whose seeds were opened (base32 `secret`, null when not opened). */
  totpDevices: { id: string; userId: string; name: string; confirmed: boolean; secret: string | null }[];
}

export type ImportMode = 'import' | 'apply';

/** A password to set: plaintext from the file (hashed by applyImport) or an argon2id hash taken as-is. */
export type PasswordSpec = { plain: string } | { hash: string };

export interface UserFields {
  email: string | null;
  displayName: string | null;
  status: 'active' | 'disabled';
  attributes: Record<string, string>;
}

export interface RoleFields {
  sessionDuration: number | null;
  requireFactor: RequiredFactor | null;
  sourceIps: string[];
}

/** One change. `text` is the line shown by `--dry-run` / `--plan` (`+ user alice`, `~ group ops tags`, …). */
export type Change = { text: string } & (
  | { kind: 'settings'; op: '~'; sessionTags?: string[]; transitiveTags?: string[] }
  | { kind: 'account'; op: '+' | '~'; account: AwsAccount; fields: string[] }
  | { kind: 'account'; op: '-'; account: AwsAccount }
  | { kind: 'group'; op: '+' | '~'; name: string; description: string | null; tags: Record<string, string>; fields: string[] }
  | { kind: 'group'; op: '-'; name: string }
  | { kind: 'user'; op: '+' | '~'; username: string; fields: string[]; values: UserFields; password?: PasswordSpec }
  | { kind: 'user-disable'; op: '~'; username: string }
  | { kind: 'member'; op: '+' | '-'; username: string; group: string }
  | { kind: 'role'; op: '+' | '~'; group: string; accountId: string; roleName: string; values: RoleFields; fields: string[] }
  | { kind: 'role'; op: '-'; group: string; accountId: string; roleName: string }
  | { kind: 'totp'; op: '+' | '~'; username: string; name: string; secret: string }
);

export interface ImportPlan {
  mode: ImportMode;
  fileName: string;
  /** In the order applyImport carries them out: settings, removals, accounts, groups, users, memberships, roles, TOTP. */
  changes: Change[];
}

export interface PlanOptions {
  mode: ImportMode;
  /** True when `password` matches the stored argon2 `hash` (auth/password.ts verifyPassword). */
  passwordMatches: (hash: string, password: string) => Promise<boolean>;
}

/** Counts per kind and operation, e.g. `{ user: { '+': 1 }, role: { '+': 2, '-': 1 } }`: for the audit event and the CLI summary. */
export function summarizePlan(plan: ImportPlan): { total: number; byKind: Record<string, Record<string, number>> } {
  const byKind: Record<string, Record<string, number>> = {};
  for (const c of plan.changes) {
    const k = (byKind[c.kind] ??= {});
    k[c.op] = (k[c.op] ?? 0) + 1;
  }
  return { total: plan.changes.length, byKind };
}

const sameRecord = (a: Record<string, string>, b: Record<string, string>): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
};
const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
const list = (fields: string[]): string => (fields.length > 0 ? ` ${fields.join(', ')}` : '');

/**
 * Compares the file with the snapshot and returns the changes (empty when the database already matches).
 * Throws `directory_invalid` (with file lines) when the file cannot be applied to this database, e.g. an
 * account alias or an email that another account or user not in the file already has.
 */
export async function planImport(parsed: ParsedDirectory, snap: DirectorySnapshot, opts: PlanOptions): Promise<ImportPlan> {
  const file = parsed.data;
  const apply = opts.mode === 'apply';
  const errors: DirectoryFileError[] = [];
  const fail = (path: PropertyKey[], message: string): void => { errors.push({ file: parsed.fileName, line: parsed.lineOf(path), message }); };

  const settings: Change[] = [];
  const removals: Change[] = [];
  const accounts: Change[] = [];
  const groups: Change[] = [];
  const users: Change[] = [];
  const members: Change[] = [];
  const roles: Change[] = [];
  const totps: Change[] = [];

  // settings
  const sessionTags = file.session_tags ?? (apply ? [] : undefined);
  const transitiveTags = file.transitive_tags ?? (apply ? [] : undefined);
  const st = sessionTags !== undefined && !sameList(sessionTags, snap.settings.sessionTags) ? sessionTags : undefined;
  const tt = transitiveTags !== undefined && !sameList(transitiveTags, snap.settings.transitiveTags) ? transitiveTags : undefined;
  if (st || tt) {
    const c: Change = { kind: 'settings', op: '~', text: `~ settings${list([...(st ? ['session_tags'] : []), ...(tt ? ['transitive_tags'] : [])])}` };
    if (st) c.sessionTags = st;
    if (tt) c.transitiveTags = tt;
    settings.push(c);
  }

  // accounts
  const dbAccounts = new Map(snap.accounts.map((a) => [a.id, a]));
  const fileAccountIds = new Set(file.accounts.map((a) => a.id));
  const accountRef = new Map<string, string>(); // alias or id in the file → id
  const aliasOf = new Map<string, string>(); // id → alias after the import
  for (const a of snap.accounts) aliasOf.set(a.id, a.alias);
  file.accounts.forEach((fa, i) => {
    accountRef.set(fa.id, fa.id);
    accountRef.set(fa.alias, fa.id);
    aliasOf.set(fa.id, fa.alias);
    const want: AwsAccount = { id: fa.id, alias: fa.alias, partition: fa.partition as Partition, providerName: fa.provider, region: fa.region ?? null };
    const owner = snap.accounts.find((a) => a.alias === fa.alias && a.id !== fa.id);
    if (owner && (!apply || fileAccountIds.has(owner.id))) {
      fail(['accounts', i, 'alias'], `account alias "${fa.alias}" already belongs to account ${owner.id}${fileAccountIds.has(owner.id) ? ', which this file renames: rename it in a separate import first' : ', which is not in this file (apply would remove it)'}`);
      return;
    }
    const have = dbAccounts.get(fa.id);
    if (!have) {
      accounts.push({ kind: 'account', op: '+', account: want, fields: [], text: `+ account ${fa.alias} (${fa.id})` });
      return;
    }
    const fields = [
      ...(have.alias !== want.alias ? ['alias'] : []), ...(have.providerName !== want.providerName ? ['provider'] : []),
      ...(have.partition !== want.partition ? ['partition'] : []), ...(have.region !== want.region ? ['region'] : []),
    ];
    if (fields.length > 0) accounts.push({ kind: 'account', op: '~', account: want, fields, text: `~ account ${fa.alias} (${fa.id})${list(fields)}` });
  });

  // groups
  const dbGroups = new Map(snap.groups.map((g) => [g.name, g]));
  const groupNameById = new Map(snap.groups.map((g) => [g.id, g.name]));
  const fileGroups = new Set(file.groups.map((g) => g.name));
  for (const fg of file.groups) {
    const description = fg.description ?? null;
    const have = dbGroups.get(fg.name);
    if (!have) {
      groups.push({ kind: 'group', op: '+', name: fg.name, description, tags: fg.tags, fields: [], text: `+ group ${fg.name}` });
      continue;
    }
    const fields = [...(have.description !== description ? ['description'] : []), ...(!sameRecord(have.tags, fg.tags) ? ['tags'] : [])];
    if (fields.length > 0) groups.push({ kind: 'group', op: '~', name: fg.name, description, tags: fg.tags, fields, text: `~ group ${fg.name}${list(fields)}` });
  }

  // role mappings
  const roleText = (group: string, accountId: string, roleName: string): string => `${aliasOf.get(accountId) ?? accountId}/${roleName} for ${group}`;
  const mappingKey = (group: string, accountId: string, roleName: string): string => `${group}\u0000${accountId}\u0000${roleName}`;
  const dbMappings = new Map<string, RoleMapping>();
  for (const m of snap.mappings) {
    const g = groupNameById.get(m.groupId);
    if (g !== undefined) dbMappings.set(mappingKey(g, m.accountId, m.roleName), m);
  }
  const fileMappings = new Set<string>();
  for (const fg of file.groups) {
    for (const fr of fg.roles) {
      const accountId = accountRef.get(fr.account) ?? fr.account;
      const roleName = normaliseRoleName(fr.role);
      const key = mappingKey(fg.name, accountId, roleName);
      fileMappings.add(key);
      const values: RoleFields = { sessionDuration: fr.session_duration ?? null, requireFactor: fr.require ?? null, sourceIps: fr.source_ips };
      const have = dbMappings.get(key);
      if (!have) {
        roles.push({ kind: 'role', op: '+', group: fg.name, accountId, roleName, values, fields: [], text: `+ role ${roleText(fg.name, accountId, roleName)}` });
        continue;
      }
      const fields = [
        ...(have.sessionDuration !== values.sessionDuration ? ['session_duration'] : []),
        ...(have.requireFactor !== values.requireFactor ? ['require'] : []),
        ...(!sameList(have.sourceIps, values.sourceIps) ? ['source_ips'] : []),
      ];
      if (fields.length > 0) roles.push({ kind: 'role', op: '~', group: fg.name, accountId, roleName, values, fields, text: `~ role ${roleText(fg.name, accountId, roleName)}${list(fields)}` });
    }
  }

  // users
  const dbUsers = new Map(snap.users.map((u) => [u.username.toLowerCase(), u]));
  const usernameById = new Map(snap.users.map((u) => [u.id, u.username]));
  const fileUsers = new Map(file.users.map((u) => [u.username.toLowerCase(), u]));
  const dbMembers = new Set(snap.memberships.map((m) => `${m.userId}\u0000${m.groupId}`));
  const groupIdByName = new Map(snap.groups.map((g) => [g.name, g.id]));

  const passwordChecks = file.users.map(async (fu) => {
    const have = dbUsers.get(fu.username.toLowerCase());
    if (fu.password_hash !== undefined) return have?.passwordHash === fu.password_hash ? undefined : { hash: fu.password_hash };
    if (fu.password === undefined) return undefined;
    if (have?.passwordHash && await opts.passwordMatches(have.passwordHash, fu.password)) return undefined;
    return { plain: fu.password };
  });
  const passwords: (PasswordSpec | undefined)[] = await Promise.all(passwordChecks);

  file.users.forEach((fu, i) => {
    const lower = fu.username.toLowerCase();
    const have = dbUsers.get(lower);
    const values: UserFields = { email: fu.email ?? null, displayName: fu.display_name ?? null, status: fu.status, attributes: fu.attributes };
    if (values.email !== null) {
      const owner = snap.users.find((u) => u.email?.toLowerCase() === values.email!.toLowerCase() && u.username.toLowerCase() !== lower);
      if (owner) fail(['users', i, 'email'], `email ${values.email} is already the email of user "${owner.username}"${fileUsers.has(owner.username.toLowerCase()) ? ' (change theirs in a separate import first)' : ', who is not in this file'}`);
    }
    const password = passwords[i];
    const name = have?.username ?? fu.username;
    if (!have) {
      const c: Change = { kind: 'user', op: '+', username: fu.username, values, fields: [], text: `+ user ${fu.username}` };
      if (password) c.password = password;
      users.push(c);
    } else {
      const fields = [
        ...(have.email !== values.email ? ['email'] : []), ...(have.displayName !== values.displayName ? ['display_name'] : []),
        ...(have.status !== values.status ? ['status'] : []), ...(!sameRecord(have.attributes, values.attributes) ? ['attributes'] : []),
        ...(password ? ['password'] : []),
      ];
      if (fields.length > 0) {
        const c: Change = { kind: 'user', op: '~', username: name, values, fields, text: `~ user ${name}${list(fields)}` };
        if (password) c.password = password;
        users.push(c);
      }
    }
    for (const g of fu.groups) {
      const gid = groupIdByName.get(g);
      if (!have || gid === undefined || !dbMembers.has(`${have.id}\u0000${gid}`)) members.push({ kind: 'member', op: '+', username: name, group: g, text: `+ member ${name} in ${g}` });
    }
    if (fu.totp) {
      const existing = have ? snap.totpDevices.find((d) => d.userId === have.id && d.name === fu.totp!.name) : undefined;
      if (!existing) totps.push({ kind: 'totp', op: '+', username: name, name: fu.totp.name, secret: fu.totp.secret, text: `+ totp ${fu.totp.name} for ${name}` });
      else if (existing.secret !== fu.totp.secret || !existing.confirmed) {
        totps.push({ kind: 'totp', op: '~', username: name, name: fu.totp.name, secret: fu.totp.secret, text: `~ totp ${fu.totp.name} for ${name} secret` });
      }
    }
  });

  if (apply) {
    // mappings, memberships, groups, accounts and users the file does not list
    for (const [key, m] of dbMappings) {
      const group = groupNameById.get(m.groupId)!;
      if (!fileMappings.has(key)) removals.push({ kind: 'role', op: '-', group, accountId: m.accountId, roleName: m.roleName, text: `- role ${roleText(group, m.accountId, m.roleName)}` });
    }
    const wanted = new Set<string>();
    for (const fu of file.users) for (const g of fu.groups) wanted.add(`${fu.username.toLowerCase()}\u0000${g}`);
    for (const m of snap.memberships) {
      const username = usernameById.get(m.userId);
      const group = groupNameById.get(m.groupId);
      if (username === undefined || group === undefined) continue;
      if (!wanted.has(`${username.toLowerCase()}\u0000${group}`)) removals.push({ kind: 'member', op: '-', username, group, text: `- member ${username} in ${group}` });
    }
    for (const g of snap.groups) if (!fileGroups.has(g.name)) removals.push({ kind: 'group', op: '-', name: g.name, text: `- group ${g.name}` });
    for (const a of snap.accounts) if (!fileAccountIds.has(a.id)) removals.push({ kind: 'account', op: '-', account: a, text: `- account ${a.alias} (${a.id})` });
    for (const u of snap.users) {
      if (!fileUsers.has(u.username.toLowerCase()) && u.status === 'active') users.push({ kind: 'user-disable', op: '~', username: u.username, text: `~ user ${u.username} status: disabled (not in the file)` });
    }
  }

  if (errors.length > 0) throw directoryInvalid(errors);
  return { mode: opts.mode, fileName: parsed.fileName, changes: [...settings, ...removals, ...accounts, ...groups, ...users, ...members, ...roles, ...totps] };
}
