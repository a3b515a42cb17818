/**
 * One planner per kind of change for planImport.ts: settings, accounts, groups, role mappings, users (with their
 * memberships and TOTP seeds), and the removals of `apply`. Each compares its part of the parsed file with the
 * snapshot and returns changes; problems that only the database reveals go to `fail` with the file path.
 * Pure: nothing is read or written here.
 */
import { normaliseRoleName } from '../aws/roleName.js';
import type { AwsAccount, Partition, RoleMapping } from '../store/repositories/accounts.js';
import type { DirectoryUser, ParsedDirectory } from './directoryFile.js';
import type { Change, DirectorySnapshot, PasswordSpec, PlanOptions, RoleFields, UserFields } from './importPlan.js';

/** What every planner reads. */
export interface PlanContext {
  file: ParsedDirectory['data'];
  snap: DirectorySnapshot;
  /** `apply` mode: the file is the whole truth, so what it does not list goes. */
  apply: boolean;
  /** Records a problem at `path` of the file (e.g. `['users', 0, 'email']`). */
  fail(path: PropertyKey[], message: string): void;
}

/** How the file names accounts: alias or id → id, and each account's alias after the import. */
export interface AccountNames {
  idOf(ref: string): string;
  aliasOf(id: string): string;
}

const sameRecord = (a: Record<string, string>, b: Record<string, string>): boolean => {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
};
const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((v, i) => v === b[i]);
const list = (fields: string[]): string => (fields.length > 0 ? ` ${fields.join(', ')}` : '');
const mappingKey = (group: string, accountId: string, roleName: string): string => `${group}\u0000${accountId}\u0000${roleName}`;

/** session_tags and transitive_tags: one `~ settings` change when either differs (apply: missing = empty). */
export function planSettings({ file, snap, apply }: PlanContext): Change[] {
  const sessionTags = file.session_tags ?? (apply ? [] : undefined);
  const transitiveTags = file.transitive_tags ?? (apply ? [] : undefined);
  const st = sessionTags !== undefined && !sameList(sessionTags, snap.settings.sessionTags) ? sessionTags : undefined;
  const tt = transitiveTags !== undefined && !sameList(transitiveTags, snap.settings.transitiveTags) ? transitiveTags : undefined;
  if (!st && !tt) return [];
  const c: Change = { kind: 'settings', op: '~', text: `~ settings${list([...(st ? ['session_tags'] : []), ...(tt ? ['transitive_tags'] : [])])}` };
  if (st) c.sessionTags = st;
  if (tt) c.transitiveTags = tt;
  return [c];
}

/** The account names of the file on top of the database's. */
export function accountNames({ file, snap }: PlanContext): AccountNames {
  const ids = new Map<string, string>();
  const aliases = new Map<string, string>(snap.accounts.map((a) => [a.id, a.alias]));
  for (const fa of file.accounts) {
    ids.set(fa.id, fa.id);
    ids.set(fa.alias, fa.id);
    aliases.set(fa.id, fa.alias);
  }
  return { idOf: (ref) => ids.get(ref) ?? ref, aliasOf: (id) => aliases.get(id) ?? id };
}

/** Accounts to add or change; an alias that another account keeps is a file error. */
export function planAccounts({ file, snap, apply, fail }: PlanContext): Change[] {
  const changes: Change[] = [];
  const dbAccounts = new Map(snap.accounts.map((a) => [a.id, a]));
  const fileAccountIds = new Set(file.accounts.map((a) => a.id));
  file.accounts.forEach((fa, i) => {
    const want: AwsAccount = { id: fa.id, alias: fa.alias, partition: fa.partition as Partition, providerName: fa.provider, region: fa.region ?? null };
    const owner = snap.accounts.find((a) => a.alias === fa.alias && a.id !== fa.id);
    if (owner && (!apply || fileAccountIds.has(owner.id))) {
      fail(['accounts', i, 'alias'], `account alias "${fa.alias}" already belongs to account ${owner.id}${fileAccountIds.has(owner.id) ? ', which this file renames: rename it in a separate import first' : ', which is not in this file (apply would remove it)'}`);
      return;
    }
    const have = dbAccounts.get(fa.id);
    if (!have) {
      changes.push({ kind: 'account', op: '+', account: want, fields: [], text: `+ account ${fa.alias} (${fa.id})` });
      return;
    }
    const fields = [
      ...(have.alias !== want.alias ? ['alias'] : []), ...(have.providerName !== want.providerName ? ['provider'] : []),
      ...(have.partition !== want.partition ? ['partition'] : []), ...(have.region !== want.region ? ['region'] : []),
    ];
    if (fields.length > 0) changes.push({ kind: 'account', op: '~', account: want, fields, text: `~ account ${fa.alias} (${fa.id})${list(fields)}` });
  });
  return changes;
}

/** Groups to add, or whose description or tags change. */
export function planGroups({ file, snap }: PlanContext): Change[] {
  const changes: Change[] = [];
  const dbGroups = new Map(snap.groups.map((g) => [g.name, g]));
  for (const fg of file.groups) {
    const description = fg.description ?? null;
    const have = dbGroups.get(fg.name);
    if (!have) {
      changes.push({ kind: 'group', op: '+', name: fg.name, description, tags: fg.tags, fields: [], text: `+ group ${fg.name}` });
      continue;
    }
    const fields = [...(have.description !== description ? ['description'] : []), ...(!sameRecord(have.tags, fg.tags) ? ['tags'] : [])];
    if (fields.length > 0) changes.push({ kind: 'group', op: '~', name: fg.name, description, tags: fg.tags, fields, text: `~ group ${fg.name}${list(fields)}` });
  }
  return changes;
}

/** The database's role mappings by (group name, account id, role name). */
function dbMappingsByKey(snap: DirectorySnapshot): Map<string, RoleMapping> {
  const groupNameById = new Map(snap.groups.map((g) => [g.id, g.name]));
  const out = new Map<string, RoleMapping>();
  for (const m of snap.mappings) {
    const g = groupNameById.get(m.groupId);
    if (g !== undefined) out.set(mappingKey(g, m.accountId, m.roleName), m);
  }
  return out;
}

const roleText = (names: AccountNames, group: string, accountId: string, roleName: string): string => `${names.aliasOf(accountId)}/${roleName} for ${group}`;

/** Role mappings to add, or whose session duration, required factor or source IPs change. */
export function planRoles({ file, snap }: PlanContext, names: AccountNames): Change[] {
  const changes: Change[] = [];
  const dbMappings = dbMappingsByKey(snap);
  for (const fg of file.groups) {
    for (const fr of fg.roles) {
      const accountId = names.idOf(fr.account);
      const roleName = normaliseRoleName(fr.role);
      const values: RoleFields = { sessionDuration: fr.session_duration ?? null, requireFactor: fr.require ?? null, sourceIps: fr.source_ips };
      const have = dbMappings.get(mappingKey(fg.name, accountId, roleName));
      if (!have) {
        changes.push({ kind: 'role', op: '+', group: fg.name, accountId, roleName, values, fields: [], text: `+ role ${roleText(names, fg.name, accountId, roleName)}` });
        continue;
      }
      const fields = [
        ...(have.sessionDuration !== values.sessionDuration ? ['session_duration'] : []),
        ...(have.requireFactor !== values.requireFactor ? ['require'] : []),
        ...(!sameList(have.sourceIps, values.sourceIps) ? ['source_ips'] : []),
      ];
      if (fields.length > 0) changes.push({ kind: 'role', op: '~', group: fg.name, accountId, roleName, values, fields, text: `~ role ${roleText(names, fg.name, accountId, roleName)}${list(fields)}` });
    }
  }
  return changes;
}

type DbUser = DirectorySnapshot['users'][number];

/** The password a file user names (plaintext or hash), or undefined; and whether the stored hash is that password. */
async function filePassword(fu: DirectoryUser, have: DbUser | undefined, passwordMatches: PlanOptions['passwordMatches']): Promise<{ spec: { plain: string } | { hash: string }; same: boolean } | undefined> {
  if (fu.password_hash !== undefined) return { spec: { hash: fu.password_hash }, same: have?.passwordHash === fu.password_hash };
  if (fu.password === undefined) return undefined;
  return { spec: { plain: fu.password }, same: !!have?.passwordHash && await passwordMatches(have.passwordHash, fu.password) };
}

/**
 * The password each file user should get, in file order: undefined when none is given or the stored one is
 * the same (a hash equal to the stored hash, or a plaintext that verifies against it) with the same `temporary`.
 * A temporary password (`password_temporary: true`) is for a first sign-in: it is not set again for someone who
 * has chosen a password of their own (a stored password that is not temporary), so `apply` can run again and
 * again. Checked concurrently.
 */
function plannedPasswords(c: PlanContext, dbUsers: Map<string, DbUser>, passwordMatches: PlanOptions['passwordMatches']): Promise<(PasswordSpec | undefined)[]> {
  return Promise.all(c.file.users.map(async (fu): Promise<PasswordSpec | undefined> => {
    const have = dbUsers.get(fu.username.toLowerCase());
    const given = await filePassword(fu, have, passwordMatches);
    if (!given) return undefined;
    const temporary = fu.password_temporary === true;
    if (temporary && have?.passwordHash && !have.passwordTemporary) return undefined;
    if (!given.same) return { ...given.spec, temporary };
    return have!.passwordTemporary === temporary ? undefined : { hash: have!.passwordHash!, temporary };
  }));
}

/** The `+ user` or `~ user` change of one file user, or undefined when nothing differs. */
function userChange(fu: DirectoryUser, have: DbUser | undefined, values: UserFields, password: PasswordSpec | undefined): Change | undefined {
  if (!have) {
    const c: Change = { kind: 'user', op: '+', username: fu.username, values, fields: [], text: `+ user ${fu.username}` };
    if (password) c.password = password;
    return c;
  }
  const fields = [
    ...(have.email !== values.email ? ['email'] : []), ...(have.displayName !== values.displayName ? ['display_name'] : []),
    ...(values.timeZone !== undefined && have.timeZone !== values.timeZone ? ['time_zone'] : []),
    ...(have.status !== values.status ? ['status'] : []), ...(!sameRecord(have.attributes, values.attributes) ? ['attributes'] : []),
    ...(password ? [('hash' in password && password.hash === have.passwordHash) ? 'password_temporary' : 'password'] : []),
  ];
  if (fields.length === 0) return undefined;
  const c: Change = { kind: 'user', op: '~', username: have.username, values, fields, text: `~ user ${have.username}${list(fields)}` };
  if (password) c.password = password;
  return c;
}

/** The `+ totp` / `~ totp` change of one file user's seed, or undefined when the device already has it confirmed. */
function totpChange(snap: DirectorySnapshot, fu: DirectoryUser, have: DbUser | undefined, name: string): Change | undefined {
  if (!fu.totp) return undefined;
  const existing = have ? snap.totpDevices.find((d) => d.userId === have.id && d.name === fu.totp!.name) : undefined;
  if (!existing) return { kind: 'totp', op: '+', username: name, name: fu.totp.name, secret: fu.totp.secret, text: `+ totp ${fu.totp.name} for ${name}` };
  if (existing.secret !== fu.totp.secret || !existing.confirmed) {
    return { kind: 'totp', op: '~', username: name, name: fu.totp.name, secret: fu.totp.secret, text: `~ totp ${fu.totp.name} for ${name} secret` };
  }
  return undefined;
}

/**
 * Users to add or change, the memberships to add and the TOTP seeds to add or replace. An email that another
 * user already has is a file error. Users are matched case-insensitively and keep their stored spelling.
 */
export async function planUsers(c: PlanContext, passwordMatches: PlanOptions['passwordMatches']): Promise<{ users: Change[]; members: Change[]; totps: Change[] }> {
  const { file, snap, fail } = c;
  const out = { users: [] as Change[], members: [] as Change[], totps: [] as Change[] };
  const dbUsers = new Map(snap.users.map((u) => [u.username.toLowerCase(), u]));
  const fileUsers = new Set(file.users.map((u) => u.username.toLowerCase()));
  const dbMembers = new Set(snap.memberships.map((m) => `${m.userId}\u0000${m.groupId}`));
  const groupIdByName = new Map(snap.groups.map((g) => [g.name, g.id]));
  const passwords = await plannedPasswords(c, dbUsers, passwordMatches);

  file.users.forEach((fu, i) => {
    const lower = fu.username.toLowerCase();
    const have = dbUsers.get(lower);
    const values: UserFields = { email: fu.email ?? null, displayName: fu.display_name ?? null, status: fu.status, attributes: fu.attributes, ...(fu.time_zone !== undefined ? { timeZone: fu.time_zone } : {}) };
    if (values.email !== null) {
      const owner = snap.users.find((u) => u.email?.toLowerCase() === values.email!.toLowerCase() && u.username.toLowerCase() !== lower);
      if (owner) fail(['users', i, 'email'], `email ${values.email} is already the email of user "${owner.username}"${fileUsers.has(owner.username.toLowerCase()) ? ' (change theirs in a separate import first)' : ', who is not in this file'}`);
    }
    const name = have?.username ?? fu.username;
    const user = userChange(fu, have, values, passwords[i]);
    if (user) out.users.push(user);
    for (const g of fu.groups) {
      const gid = groupIdByName.get(g);
      if (!have || gid === undefined || !dbMembers.has(`${have.id}\u0000${gid}`)) out.members.push({ kind: 'member', op: '+', username: name, group: g, text: `+ member ${name} in ${g}` });
    }
    const totp = totpChange(snap, fu, have, name);
    if (totp) out.totps.push(totp);
  });
  return out;
}

/**
 * `apply` only: the role mappings, memberships, groups and accounts that the file does not list (`removals`),
 * and the active users it does not list, to disable (`disables`; never deleted).
 */
export function planRemovals({ file, snap }: PlanContext, names: AccountNames): { removals: Change[]; disables: Change[] } {
  const removals: Change[] = [];
  const groupNameById = new Map(snap.groups.map((g) => [g.id, g.name]));
  const fileMappings = new Set(file.groups.flatMap((fg) => fg.roles.map((fr) => mappingKey(fg.name, names.idOf(fr.account), normaliseRoleName(fr.role)))));
  for (const [key, m] of dbMappingsByKey(snap)) {
    const group = groupNameById.get(m.groupId)!;
    if (!fileMappings.has(key)) removals.push({ kind: 'role', op: '-', group, accountId: m.accountId, roleName: m.roleName, text: `- role ${roleText(names, group, m.accountId, m.roleName)}` });
  }
  const usernameById = new Map(snap.users.map((u) => [u.id, u.username]));
  const wanted = new Set(file.users.flatMap((fu) => fu.groups.map((g) => `${fu.username.toLowerCase()}\u0000${g}`)));
  for (const m of snap.memberships) {
    const username = usernameById.get(m.userId);
    const group = groupNameById.get(m.groupId);
    if (username === undefined || group === undefined) continue;
    if (!wanted.has(`${username.toLowerCase()}\u0000${group}`)) removals.push({ kind: 'member', op: '-', username, group, text: `- member ${username} in ${group}` });
  }
  const fileGroups = new Set(file.groups.map((g) => g.name));
  for (const g of snap.groups) if (!fileGroups.has(g.name)) removals.push({ kind: 'group', op: '-', name: g.name, text: `- group ${g.name}` });
  const fileAccountIds = new Set(file.accounts.map((a) => a.id));
  for (const a of snap.accounts) if (!fileAccountIds.has(a.id)) removals.push({ kind: 'account', op: '-', account: a, text: `- account ${a.alias} (${a.id})` });
  const fileUsers = new Set(file.users.map((u) => u.username.toLowerCase()));
  const disables: Change[] = snap.users
    .filter((u) => !fileUsers.has(u.username.toLowerCase()) && u.status === 'active')
    .map((u) => ({ kind: 'user-disable', op: '~', username: u.username, text: `~ user ${u.username} status: disabled (not in the file)` }));
  return { removals, disables };
}
