/**
 * A person's effective access, for admins: the roles and tags they would receive, with why — which group gives
 * each role, which rule blocks which mapping and what would unblock it — and a preview of the AWS attributes an
 * assertion would carry, linted but never signed or audited as an assertion.
 *
 * Both come from the functions sign-in uses: `explainEntitlements` (entitlementsFor is that function without the
 * reasons) and `planAwsAssertion` (what issueAwsResponse signs), so the answer cannot drift from what Gatehouse does.
 */
import type { AppContext } from '../context.js';
import { GatehouseError, isGatehouseError } from '../errors.js';
import { deviceFactors, factorFacts, meetsRequirement, type DeviceFactor, type RequiredFactor, type SecondFactor } from '../auth/factors.js';
import { lintAwsAssertion } from '../aws/lintAwsAssertion.js';
import { acsForAccounts, partitions, type Partition } from '../aws/partitions.js';
import { planAwsAssertion } from '../aws/planAwsAssertion.js';
import type { SamlAttribute } from '../aws/buildAwsAttributes.js';
import type { AwsLintViolation } from '../aws/violation.js';
import { roleKey, type DenyReason, type EntitlementsExplained, type ExplainedRole, type MappingVerdict } from '../directory/entitlementsFor.js';
import { loadExplainedEntitlements } from '../directory/loadEntitlements.js';
import type { User } from '../store/repositories/users.js';
import { requireAccount, requirePerson } from './find.js';

/** The sign-in to judge: a factor (default: every kind of device the person has) and a client address (default: unknown). */
export interface AccessAsk {
  factor?: SecondFactor | undefined;
  sourceIp?: string | undefined;
}

/** One rule that blocks a mapping, said for an admin. */
export interface BlockView {
  rule: DenyReason;
  why: string;
  unblock: string;
}

export interface MappingAccessView {
  group: string;
  sessionDuration: number | null;
  requireFactor: RequiredFactor | null;
  sourceIps: string[];
  /** The mapping whose conditions are sent (or whose reason is shown). */
  chosen: boolean;
  blockedBy: BlockView[];
}

export interface RoleAccessView {
  key: string;
  accountId: string;
  account: string;
  partition: Partition;
  role: string;
  allowedNow: boolean;
  reason: DenyReason | null;
  sessionDuration: number | null;
  requireFactor: RequiredFactor | null;
  groups: string[];
  mappings: MappingAccessView[];
}

export interface AccessView {
  username: string;
  displayName: string | null;
  status: string;
  groups: string[];
  /** The kinds of the person's confirmed devices. */
  deviceKinds: DeviceFactor[];
  /** What was judged: the factors, where they came from, and the address (null: unknown). */
  judged: { factors: SecondFactor[]; factorsFrom: 'asked' | 'devices'; sourceIp: string | null };
  blocked: 'disabled' | null;
  roles: RoleAccessView[];
  tags: { key: string; value: string; group: string | null }[];
  transitiveTagKeys: string[];
  tagConflicts: EntitlementsExplained['tagConflicts'];
}

const noun = (f: RequiredFactor): string => factorFacts[f].label.noun;
const factorList = (fs: readonly SecondFactor[]): string => (fs.length === 0 ? 'no second factor' : fs.map((f) => factorFacts[f].label.name.toLowerCase()).join(' or '));

/** Why a rule blocks mapping `v`, and what would unblock it. */
function blockView(rule: DenyReason, v: MappingVerdict, ask: AccessView['judged'], kinds: readonly DeviceFactor[]): BlockView {
  const m = v.mapping;
  switch (rule) {
    case 'disabled':
      return { rule, why: 'The person\'s account is disabled: Gatehouse sends a disabled person nothing.', unblock: 'Enable the account.' };
    case 'source_ip': {
      const ranges = m.sourceIps.join(', ');
      return {
        rule, why: `${v.group} allows this role only from ${ranges}; ${ask.sourceIp ? `${ask.sourceIp} is outside those ranges` : 'no client address was given'}.`,
        unblock: `Sign in from an address in ${ranges}, or remove the source IP ranges from ${v.group}'s mapping.`,
      };
    }
    case 'factor_required': {
      const req = m.requireFactor;
      if (req === null) {
        return kinds.length > 0
          ? { rule, why: 'No second factor was used.', unblock: 'Sign in with a second factor.' }
          : { rule, why: 'The person has no second factor.', unblock: 'The person must set up a device first (an enrollment link).' };
      }
      const has = kinds.some((k) => meetsRequirement(k, req));
      return {
        rule, why: `${v.group} requires a ${noun(req)} (require: ${req}); ${factorList(ask.factors)} does not meet it.`,
        unblock: has ? `Sign in, or step up, with the ${noun(req)}.` : `The person has no ${noun(req)}: they must add one (an enrollment link, or their account page), or ${v.group}'s mapping must require less.`,
      };
    }
  }
}

function roleView(r: ExplainedRole, ask: AccessView['judged'], kinds: readonly DeviceFactor[]): RoleAccessView {
  return {
    key: roleKey(r), accountId: r.account.id, account: r.account.alias, partition: r.account.partition, role: r.roleName,
    allowedNow: r.allowedNow, reason: r.reason ?? null, sessionDuration: r.sessionDuration, requireFactor: r.requireFactor, groups: r.groups,
    mappings: r.mappings.map((v) => ({
      group: v.group, sessionDuration: v.mapping.sessionDuration, requireFactor: v.mapping.requireFactor, sourceIps: v.mapping.sourceIps, chosen: v.chosen,
      blockedBy: v.blockedBy.map((rule) => blockView(rule, v, ask, kinds)),
    })),
  };
}

async function deviceKindsOf(ctx: AppContext, user: User): Promise<DeviceFactor[]> {
  const kinds = new Set((await ctx.store.devices.listForUser(user.id, { confirmedOnly: true })).map((d) => d.kind));
  return deviceFactors.filter((k) => kinds.has(k));
}

/** The person's effective access for the sign-in `ask` describes; not_found for an unknown username. */
export async function effectiveAccess(ctx: AppContext, username: string, ask: AccessAsk = {}): Promise<AccessView> {
  const user = await requirePerson(ctx, username);
  const [kinds, groups] = await Promise.all([deviceKindsOf(ctx, user), ctx.store.groups.groupsOf(user.id)]);
  const judged = { factors: ask.factor ? [ask.factor] : [...kinds], factorsFrom: ask.factor ? 'asked' as const : 'devices' as const, sourceIp: ask.sourceIp ?? null };
  const e = await loadExplainedEntitlements(ctx.store, user, { now: ctx.now().getTime(), sourceIp: judged.sourceIp, factorsUsed: judged.factors });
  return {
    username: user.username, displayName: user.displayName, status: user.status, groups: groups.map((g) => g.name), deviceKinds: kinds, judged,
    blocked: e.blocked, roles: e.roles.map((r) => roleView(r, judged, kinds)), tags: e.tags, transitiveTagKeys: e.transitiveTagKeys, tagConflicts: e.tagConflicts,
  };
}

/** What the preview shows: the attributes that would be signed and the AWS lint's verdict. Nothing is signed. */
export interface AssertionPreview {
  username: string;
  factor: SecondFactor;
  authMethod: string;
  sourceIp: string | null;
  /** Why Gatehouse would refuse to issue (no role allowed), or null. */
  refusal: string | null;
  partition: Partition | null;
  audience: string | null;
  acsUrl: string | null;
  /** The roles the assertion would carry (`<account id>/<role>`). */
  roles: string[];
  /** Roles of the person that would not be in it, and why. */
  left: { key: string; why: string }[];
  attributes: SamlAttribute[];
  violations: AwsLintViolation[];
  /** True when Gatehouse would sign this: roles to send and no lint violation. */
  wouldSign: boolean;
}

/** The strongest factor among the person's devices (phishing-resistant first), or undefined. */
const strongest = (kinds: readonly DeviceFactor[]): DeviceFactor | undefined => [...kinds].sort((a, b) => Number(factorFacts[b].phishingResistant) - Number(factorFacts[a].phishingResistant))[0];

/**
 * The AWS attributes a sign-in of `username` with `ask.factor` (default: their strongest device) from
 * `ask.sourceIp` would carry for every role allowed then — in `ask.account` (id or alias) when given, else in the
 * first partition (aws, aws-us-gov, aws-cn) with an allowed role, as the portal's "choose at AWS" sends them — and the AWS lint of that
 * assertion. Nothing is signed and nothing is audited.
 */
export async function previewAssertion(ctx: AppContext, username: string, ask: AccessAsk & { account?: string | undefined }): Promise<AssertionPreview> {
  const user = await requirePerson(ctx, username);
  const factor = ask.factor ?? strongest(await deviceKindsOf(ctx, user));
  if (!factor) {
    throw new GatehouseError('validation_failed', 'factor: the person has no device; say which factor to preview', { publicDetail: [{ field: 'factor', message: 'the person has no device; say which factor to preview' }] });
  }
  const account = ask.account ? await requireAccount(ctx, ask.account) : undefined;
  const e = await loadExplainedEntitlements(ctx.store, user, { now: ctx.now().getTime(), sourceIp: ask.sourceIp ?? null, factorsUsed: [factor] });
  const allowed = e.roles.filter((r) => r.allowedNow && (!account || r.account.id === account.id));
  const partition = partitions.find((p) => allowed.some((r) => r.account.partition === p));
  const sent = allowed.filter((r) => r.account.partition === partition);
  const left = e.roles.filter((r) => !sent.includes(r)).map((r) => ({
    key: roleKey(r),
    why: !r.allowedNow ? `blocked: ${r.reason ?? 'not allowed'}` : account && r.account.id !== account.id ? `not in ${account.alias}` : `in partition ${r.account.partition}, not ${partition ?? ''} (one assertion per partition)`,
  }));
  const base = { username: user.username, factor, authMethod: factorFacts[factor].authMethod, sourceIp: ask.sourceIp ?? null, left };
  if (sent.length === 0 || partition === undefined) {
    const refusal = e.blocked === 'disabled' ? 'The person is disabled: Gatehouse would sign nothing.' : `No role is allowed for this sign-in${account ? ` in ${account.alias}` : ''}: Gatehouse would refuse (no_roles).`;
    return { ...base, refusal, partition: null, audience: null, acsUrl: null, roles: [], attributes: [], violations: [], wouldSign: false };
  }
  const { acsUrl } = acsForAccounts(sent.map((r) => r.account));
  const tags: Record<string, string> = {};
  for (const t of e.tags) tags[t.key] = t.value;
  const out = { ...base, refusal: null, partition, acsUrl, roles: sent.map(roleKey) };
  try {
    const plan = planAwsAssertion({
      issuer: ctx.config.saml.entityId, nameId: user.id, username: user.username, roles: sent, tags, transitiveTagKeys: e.transitiveTagKeys,
      authMethod: factorFacts[factor].authMethod, partition, acsUrl, lifetimeSeconds: ctx.config.saml.assertionLifetimeSeconds,
    });
    const violations = lintAwsAssertion(plan.model);
    return { ...out, audience: plan.model.audience, attributes: plan.attributes, violations, wouldSign: violations.length === 0 };
  } catch (err) {
    if (!isGatehouseError(err, 'aws_lint_failed')) throw err;
    return { ...out, audience: null, attributes: [], violations: err.publicDetail ?? [], wouldSign: false };
  }
}
