/**
 * What a person may receive now: the AWS roles of their groups (each with whether its policy allows it
 * at this moment) and the session tags. Pure: every input, including the clock, the client address and
 * the factors used at sign-in, comes in as an argument. loadEntitlements.ts reads the inputs from the store.
 *
 * Rules (the same everywhere Gatehouse decides what goes into an AWS assertion):
 * - A disabled person gets nothing: no roles, no tags.
 * - Factors: no factor used → no role is allowed now (`factor_required`): MFA is enforced at the IdP.
 *   A requirement is met by the factors whose facts say so (auth/factors.ts `meets`): `require: totp` by
 *   TOTP or WebAuthn (WebAuthn is the stronger factor), `require: webauthn` only by WebAuthn. A recovery
 *   code counts as a factor for mappings without a requirement, and meets no requirement.
 * - Source IPs: a mapping with `source_ips` allows the role only from an address inside one of the ranges
 *   (IPv4 and IPv6; an IPv4-mapped IPv6 address matches IPv4 ranges). Unknown address → `source_ip`.
 * - One role (account + role name) mapped by several groups is listed once. If some mappings allow it
 *   now, the one with the longest session duration wins (none = AWS's default 3600 s), then the first
 *   group by name. Otherwise the reason shown prefers `factor_required` (a step-up can fix it) over
 *   `source_ip`.
 * - Tags: person attributes named in `session_tags`, plus every group tag. Keys are compared
 *   case-insensitively (AWS does). A person attribute wins over a group tag. When groups disagree on a
 *   tag, the group whose name sorts first (by code unit) wins; the disagreement is listed in
 *   `tagConflicts` so that an admin can see it.
 * - TransitiveTagKeys: the `transitive_tags` that are actually among the tags sent.
 */
import { BlockList, isIP } from 'node:net';
import { meetsRequirement, type RequiredFactor, type SecondFactor } from '../auth/factors.js';
import { normaliseRoleName } from '../aws/roleName.js';
import { foldTagKey } from '../aws/tags.js';
import type { AwsAccount, RoleMapping } from '../store/repositories/accounts.js';
import type { Group } from '../store/repositories/groups.js';
import type { User } from '../store/repositories/users.js';
import type { DirectorySettings } from './directorySettings.js';

/** The moment of the decision. */
export interface EntitlementsContext {
  /** ms since the epoch (not used by today's rules; part of the contract for time-bound policies). */
  now: number;
  /** Client address as seen by the IdP (after trusted-proxy handling); undefined when unknown. */
  sourceIp?: string | null | undefined;
  /** The second factors completed at sign-in. */
  factorsUsed: readonly SecondFactor[];
}

/** Everything about the person that the rules read. */
export interface EntitlementsInput {
  person: Pick<User, 'id' | 'username' | 'status' | 'attributes'>;
  /** The person's groups. */
  groups: readonly Pick<Group, 'id' | 'name' | 'tags'>[];
  /** Role mappings of those groups (mappings of other groups are ignored). */
  mappings: readonly RoleMapping[];
  /** The accounts the mappings point into (mappings to an unknown account are ignored). */
  accounts: readonly AwsAccount[];
  settings: DirectorySettings;
}

/** Why a mapping does not give its role now. `disabled` only appears in {@link explainEntitlements}. */
export type DenyReason = 'factor_required' | 'source_ip' | 'disabled';

/** One role the person is mapped to. */
export interface EntitledRole {
  account: AwsAccount;
  roleName: string;
  /** Seconds; null = not set (AWS default, 1 h). */
  sessionDuration: number | null;
  requireFactor: RequiredFactor | null;
  allowedNow: boolean;
  /** Set when allowedNow is false. */
  reason?: DenyReason;
  /** Names of the groups that map this role, sorted. */
  groups: string[];
}

/** A tag that two groups set to different values. */
export interface TagConflict {
  key: string;
  chosen: { group: string; value: string };
  ignored: { group: string; value: string }[];
}

export interface Entitlements {
  /** Sorted by account alias, then role name. */
  roles: EntitledRole[];
  tags: Record<string, string>;
  transitiveTagKeys: string[];
  tagConflicts: TagConflict[];
}

/** One group's mapping of a role, judged on its own: every rule it fails now (none = it would give the role). */
export interface MappingVerdict {
  group: string;
  mapping: RoleMapping;
  /** Every rule that blocks this mapping now, most fixable last: `disabled`, `source_ip`, `factor_required`. */
  blockedBy: DenyReason[];
  /** True for the mapping whose conditions the role is sent with (or, when none allows it, whose reason is shown). */
  chosen: boolean;
}

/** A role with every mapping that gives it, for an admin asking "why". */
export interface ExplainedRole extends EntitledRole {
  mappings: MappingVerdict[];
}

/** Where a tag comes from: the person's attribute (`source` null) or a group. */
export interface ExplainedTag {
  key: string;
  value: string;
  /** The group that sets it, or null for the person's own attribute (named in `session_tags`). */
  group: string | null;
}

/**
 * The whole decision, for the admin's "effective access": every role with every mapping and the rules each one
 * fails, the tags with where each comes from. A disabled person's roles are all blocked (`disabled`) and their
 * tags are what they would get once enabled; {@link entitlementsFor} sends a disabled person nothing.
 */
export interface EntitlementsExplained {
  /** `disabled` when the person may receive nothing at all. */
  blocked: 'disabled' | null;
  roles: ExplainedRole[];
  tags: ExplainedTag[];
  transitiveTagKeys: string[];
  tagConflicts: TagConflict[];
}

/** The key of a role in pages, forms and the CLI API: `<account id>/<role name>`. */
export const roleKey = (r: Pick<EntitledRole, 'account' | 'roleName'>): string => `${r.account.id}/${r.roleName}`;

const factorMeets = (required: RequiredFactor | null, used: readonly SecondFactor[]): boolean => {
  if (used.length === 0) return false;
  if (required === null) return true;
  return used.some((f) => meetsRequirement(f, required));
};

const blockLists = new Map<string, BlockList>();

/** A BlockList for a set of CIDR ranges (cached: the same mappings are checked at every sign-in). */
function blockListFor(ranges: readonly string[]): BlockList {
  const key = ranges.join(',');
  let bl = blockLists.get(key);
  if (bl) return bl;
  bl = new BlockList();
  for (const r of ranges) {
    const [addr = '', prefix] = r.split('/');
    const family = isIP(addr) === 6 ? 'ipv6' : 'ipv4';
    if (isIP(addr) === 0) continue;
    bl.addSubnet(addr, prefix === undefined ? (family === 'ipv6' ? 128 : 32) : Number(prefix), family);
  }
  if (blockLists.size > 1000) blockLists.clear();
  blockLists.set(key, bl);
  return bl;
}

/** True when `ip` is inside one of `ranges` (IPv4 or IPv6 CIDR, or bare addresses). Empty ranges = any address. */
export function ipInRanges(ip: string | null | undefined, ranges: readonly string[]): boolean {
  if (ranges.length === 0) return true;
  if (!ip) return false;
  const v = isIP(ip);
  if (v === 0) return false;
  return blockListFor(ranges).check(ip, v === 6 ? 'ipv6' : 'ipv4');
}

interface Evaluated { mapping: RoleMapping; group: string; blockedBy: DenyReason[] }

const effectiveDuration = (m: RoleMapping): number => m.sessionDuration ?? 3600;
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** The reason shown for a mapping: the first rule it fails. */
const reasonOf = (c: Evaluated): DenyReason | undefined => c.blockedBy[0];

/** Every rule `m` fails now, in the order they are shown: disabled, source address, factor. */
function evaluate(m: RoleMapping, group: string, ctx: EntitlementsContext, active: boolean): Evaluated {
  const blockedBy: DenyReason[] = [];
  if (!active) blockedBy.push('disabled');
  if (!ipInRanges(ctx.sourceIp, m.sourceIps)) blockedBy.push('source_ip');
  if (!factorMeets(m.requireFactor, ctx.factorsUsed)) blockedBy.push('factor_required');
  return { mapping: m, group, blockedBy };
}

function pick(candidates: Evaluated[]): Evaluated {
  const allowed = candidates.filter((c) => c.blockedBy.length === 0);
  if (allowed.length > 0) {
    return allowed.sort((a, b) => effectiveDuration(b.mapping) - effectiveDuration(a.mapping) || byCodeUnit(a.group, b.group))[0]!;
  }
  const rank = (c: Evaluated): number => (reasonOf(c) === 'factor_required' ? 0 : 1);
  return [...candidates].sort((a, b) => rank(a) - rank(b) || byCodeUnit(a.group, b.group))[0]!;
}

function tagsFor(input: EntitlementsInput): { tags: ExplainedTag[]; conflicts: TagConflict[] } {
  // Keyed by the exact tag key: two keys that differ only in case are both kept, so the AWS lint names the
  // collision (tag.key.case_collision) instead of one being dropped silently.
  const chosen = new Map<string, ExplainedTag>();
  const conflicts = new Map<string, TagConflict>();
  for (const key of input.settings.sessionTags) {
    const v = input.person.attributes[key];
    if (v !== undefined && !chosen.has(key)) chosen.set(key, { key, value: v, group: null });
  }
  const groups = [...input.groups].sort((a, b) => byCodeUnit(a.name, b.name));
  for (const g of groups) {
    for (const [key, value] of Object.entries(g.tags)) {
      const prev = chosen.get(key);
      if (prev === undefined) { chosen.set(key, { key, value, group: g.name }); continue; }
      if (prev.group === null || prev.value === value) continue; // the person's attribute wins; same value is no conflict
      const c = conflicts.get(key) ?? { key: prev.key, chosen: { group: prev.group, value: prev.value }, ignored: [] };
      c.ignored.push({ group: g.name, value });
      conflicts.set(key, c);
    }
  }
  return { tags: [...chosen.values()], conflicts: [...conflicts.values()] };
}

/**
 * The whole decision about `input.person` in `context`, with its reasons: what {@link entitlementsFor} returns
 * (it is this function, without the reasons), plus every mapping of every role and the rules each one fails, and
 * where each tag comes from. Nothing to store.
 */
export function explainEntitlements(input: EntitlementsInput, context: EntitlementsContext): EntitlementsExplained {
  const active = input.person.status === 'active';
  const groupNames = new Map(input.groups.map((g) => [g.id, g.name]));
  const accounts = new Map(input.accounts.map((a) => [a.id, a]));
  const byRole = new Map<string, Evaluated[]>();
  for (const m of input.mappings) {
    const group = groupNames.get(m.groupId);
    if (group === undefined || !accounts.has(m.accountId)) continue;
    const key = `${m.accountId}\u0000${normaliseRoleName(m.roleName)}`;
    const list = byRole.get(key) ?? [];
    list.push(evaluate(m, group, context, active));
    byRole.set(key, list);
  }
  const roles: ExplainedRole[] = [];
  for (const candidates of byRole.values()) {
    const best = pick(candidates);
    const m = best.mapping;
    const reason = reasonOf(best);
    const role: ExplainedRole = {
      account: accounts.get(m.accountId)!, roleName: m.roleName, sessionDuration: m.sessionDuration, requireFactor: m.requireFactor,
      allowedNow: reason === undefined, groups: [...new Set(candidates.map((c) => c.group))].sort(byCodeUnit),
      mappings: candidates.map((c) => ({ group: c.group, mapping: c.mapping, blockedBy: c.blockedBy, chosen: c === best })).sort((a, b) => byCodeUnit(a.group, b.group)),
    };
    if (reason !== undefined) role.reason = reason;
    roles.push(role);
  }
  roles.sort((a, b) => byCodeUnit(a.account.alias, b.account.alias) || byCodeUnit(a.account.id, b.account.id) || byCodeUnit(a.roleName, b.roleName));

  const { tags, conflicts } = tagsFor(input);
  const present = new Map(tags.map((t) => [foldTagKey(t.key), t.key]));
  const transitiveTagKeys = [...new Set(input.settings.transitiveTags.map((t) => present.get(foldTagKey(t))).filter((k): k is string => k !== undefined))];
  return { blocked: active ? null : 'disabled', roles, tags, transitiveTagKeys, tagConflicts: conflicts };
}

/**
 * The roles and tags `input.person` may receive in `context`. Nothing to store; the caller puts the
 * allowed roles and the tags into the assertion and may show the others with their reason.
 */
export function entitlementsFor(input: EntitlementsInput, context: EntitlementsContext): Entitlements {
  if (input.person.status !== 'active') return { roles: [], tags: {}, transitiveTagKeys: [], tagConflicts: [] };
  const e = explainEntitlements(input, context);
  const tags: Record<string, string> = {};
  for (const { key, value } of e.tags) tags[key] = value;
  return { roles: e.roles.map(({ mappings: _m, ...role }) => role), tags, transitiveTagKeys: e.transitiveTagKeys, tagConflicts: e.tagConflicts };
}
