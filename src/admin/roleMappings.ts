/**
 * Role mappings — which group may assume which AWS role, for how long, after which factor, from which addresses —
 * as admins change them in the console, the admin API and `gatehouse role map|unmap`. Values are checked by the
 * directory file's `roleSchema`, so every surface accepts what the file accepts. A mapping change is sensitive
 * (a recent second factor in the console and the API) and one audit event with before and after.
 *
 * A mapping's required factor is also what the role's IAM trust policy checks (accounts.ts `trustPolicyFor`):
 * after changing it, the policy must be pasted into IAM again; a weaker mapping than the pasted policy is refused
 * by AWS (docs/aws.md).
 */
import { randomUUID } from 'node:crypto';
import { withTransaction, type AppContext } from '../context.js';
import { GatehouseError } from '../errors.js';
import { recordAudit } from '../audit/recordAudit.js';
import type { RequiredFactor } from '../auth/factors.js';
import type { Partition } from '../aws/partitions.js';
import { normaliseRoleName } from '../aws/roleName.js';
import { checkEntry, roleSchema } from '../directory/directoryFile.js';
import type { RoleMapping } from '../store/repositories/accounts.js';
import { orConflict } from '../store/uniqueViolation.js';
import { changedBy, type ChangeActor } from './changeActor.js';
import { requireAccount, requireGroup } from './find.js';

/** A mapping as pages, the API and `gatehouse role list --json` show it. */
export interface MappingView {
  id: string;
  groupId: string;
  group: string;
  accountId: string;
  /** The account's alias. */
  account: string;
  partition: Partition;
  role: string;
  /** Seconds; null: AWS's default (1 h). */
  sessionDuration: number | null;
  requireFactor: RequiredFactor | null;
  sourceIps: string[];
}

/** What an admin gives for a new mapping (`account`: id or alias). */
export interface MappingInput {
  account: string;
  role: string;
  sessionDuration?: number | null | undefined;
  requireFactor?: string | null | undefined;
  sourceIps?: string[] | undefined;
}

/** The conditions of a mapping that may change (absent: keep; null: none). */
export type MappingPatch = Partial<{ sessionDuration: number | null; requireFactor: string | null; sourceIps: string[] }>;

/** Every mapping (or those `filter` keeps) with its group's name and its account's alias; sorted by group, account, role. */
export async function describeMappings(ctx: Pick<AppContext, 'store'>, filter: (m: RoleMapping) => boolean = () => true): Promise<MappingView[]> {
  const [mappings, groups, accounts] = await Promise.all([ctx.store.accounts.listMappings(), ctx.store.groups.list(), ctx.store.accounts.list()]);
  const groupName = new Map(groups.map((g) => [g.id, g.name]));
  const account = new Map(accounts.map((a) => [a.id, a]));
  return mappings.filter(filter).map((m) => ({
    id: m.id, groupId: m.groupId, group: groupName.get(m.groupId) ?? m.groupId, accountId: m.accountId, account: account.get(m.accountId)?.alias ?? m.accountId,
    partition: account.get(m.accountId)?.partition ?? 'aws', role: m.roleName, sessionDuration: m.sessionDuration, requireFactor: m.requireFactor, sourceIps: m.sourceIps,
  })).sort((a, b) => `${a.group}\u0000${a.account}\u0000${a.role}`.localeCompare(`${b.group}\u0000${b.account}\u0000${b.role}`));
}

/** What an audit event keeps of a mapping. */
const snapshot = (m: Pick<RoleMapping, 'roleName' | 'sessionDuration' | 'requireFactor' | 'sourceIps'> & { account: string }) =>
  ({ account: m.account, role: m.roleName, sessionDuration: m.sessionDuration, requireFactor: m.requireFactor, sourceIps: m.sourceIps });

/** Checks the values with the directory file's rules; → the stored form. */
function checked(accountId: string, role: string, v: MappingPatch) {
  const r = checkEntry(roleSchema, {
    account: accountId, role, session_duration: v.sessionDuration ?? undefined, require: v.requireFactor ?? undefined, source_ips: v.sourceIps ?? [],
  });
  return { roleName: normaliseRoleName(r.role), sessionDuration: r.session_duration ?? null, requireFactor: r.require ?? null, sourceIps: r.source_ips };
}

/** The mapping `id` of the group `groupName`, or not_found. */
export async function requireMapping(ctx: Pick<AppContext, 'store'>, groupName: string, id: string): Promise<MappingView> {
  const g = await requireGroup(ctx, groupName);
  const m = (await describeMappings(ctx, (x) => x.id === id && x.groupId === g.id))[0];
  if (!m) throw new GatehouseError('not_found', `Group ${g.name} has no role mapping with id ${id}.`);
  return m;
}

/** The group's mapping of `role` in `account` (id or alias), or not_found. */
export async function findMapping(ctx: Pick<AppContext, 'store'>, groupName: string, account: string, role: string): Promise<MappingView> {
  const g = await requireGroup(ctx, groupName);
  const a = await requireAccount(ctx, account);
  const roleName = normaliseRoleName(role);
  const m = (await describeMappings(ctx, (x) => x.groupId === g.id && x.accountId === a.id && x.roleName === roleName))[0];
  if (!m) throw new GatehouseError('not_found', `${a.alias}/${roleName} is not mapped for ${g.name}.`);
  return m;
}

/**
 * Maps a role to a group. When the group already maps that role: `conflict`, or with `replace` (the CLI's
 * `role map`) its conditions are replaced. → the mapping, and whether it is new.
 */
export async function addMapping(ctx: AppContext, groupName: string, input: MappingInput, actor: ChangeActor, opts: { replace?: boolean } = {}): Promise<{ mapping: MappingView; created: boolean }> {
  const g = await requireGroup(ctx, groupName);
  const a = await requireAccount(ctx, input.account);
  const v = checked(a.id, input.role, input);
  const existing = (await ctx.store.accounts.listMappings()).find((m) => m.groupId === g.id && m.accountId === a.id && m.roleName === v.roleName);
  if (existing && !opts.replace) throw new GatehouseError('conflict', `${g.name} already maps ${a.alias}/${v.roleName}: change that mapping instead.`);
  const id = existing?.id ?? randomUUID();
  await orConflict(`${g.name} already maps ${a.alias}/${v.roleName}.`, () => withTransaction(ctx, async (tx) => {
    const values = { sessionDuration: v.sessionDuration, requireFactor: v.requireFactor, sourceIps: v.sourceIps };
    if (existing) await tx.store.accounts.updateMapping(existing.id, values);
    else await tx.store.accounts.addMapping({ id, groupId: g.id, accountId: a.id, roleName: v.roleName, ...values });
    await recordAudit(tx, {
      type: 'role.mapped', outcome: 'success',
      detail: {
        ...changedBy(actor), group: g.name, account: a.id, role: v.roleName, ...values,
        ...(existing ? { before: snapshot({ ...existing, account: a.alias }) } : {}), after: snapshot({ ...v, account: a.alias }),
      },
    }, { req: actor.req });
  }));
  return { mapping: await requireMapping(ctx, g.name, id), created: !existing };
}

/** Changes a mapping's conditions (session duration, required factor, source IP ranges). */
export async function updateMapping(ctx: AppContext, groupName: string, id: string, patch: MappingPatch, actor: ChangeActor): Promise<MappingView> {
  const before = await requireMapping(ctx, groupName, id);
  const v = checked(before.accountId, before.role, {
    sessionDuration: patch.sessionDuration === undefined ? before.sessionDuration : patch.sessionDuration,
    requireFactor: patch.requireFactor === undefined ? before.requireFactor : patch.requireFactor,
    sourceIps: patch.sourceIps ?? before.sourceIps,
  });
  const values = { sessionDuration: v.sessionDuration, requireFactor: v.requireFactor, sourceIps: v.sourceIps };
  const was = snapshot({ ...before, roleName: before.role });
  const now = snapshot({ ...before, ...values, roleName: before.role });
  if (JSON.stringify(was) === JSON.stringify(now)) return before;
  await withTransaction(ctx, async (tx) => {
    await tx.store.accounts.updateMapping(id, values);
    await recordAudit(tx, {
      type: 'role.mapped', outcome: 'success',
      detail: { ...changedBy(actor), group: before.group, account: before.accountId, role: before.role, ...values, before: was, after: now },
    }, { req: actor.req });
  });
  return requireMapping(ctx, groupName, id);
}

/** Removes a mapping; returns what it was. */
export async function removeMapping(ctx: AppContext, groupName: string, id: string, actor: ChangeActor): Promise<MappingView> {
  const before = await requireMapping(ctx, groupName, id);
  await withTransaction(ctx, async (tx) => {
    await tx.store.accounts.removeMapping(id);
    await recordAudit(tx, {
      type: 'role.unmapped', outcome: 'success',
      detail: { ...changedBy(actor), group: before.group, account: before.accountId, role: before.role, before: snapshot({ ...before, roleName: before.role }) },
    }, { req: actor.req });
  });
  return before;
}
