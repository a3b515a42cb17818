/**
 * AWS accounts as admins change them — add, edit, delete — for the console, the admin API and
 * `gatehouse account …`, checked by the directory file's `accountSchema`; and what to paste into IAM for each
 * mapped role: its trust policy, the one `gatehouse aws trust-policy` prints (`trustPolicyFor`).
 */
import { withTransaction, type AppContext } from '../context.js';
import { GatehouseError } from '../errors.js';
import { recordAudit } from '../audit/recordAudit.js';
import type { RequiredFactor } from '../auth/factors.js';
import { acsUrlFor } from '../aws/partitions.js';
import { normaliseRoleName } from '../aws/roleName.js';
import { acceptedAuthMethods, buildTrustPolicy, type TrustPolicy } from '../aws/trustPolicy.js';
import { accountSchema, checkEntry } from '../directory/directoryFile.js';
import type { AwsAccount } from '../store/repositories/accounts.js';
import { orConflict } from '../store/uniqueViolation.js';
import { changedBy, type ChangeActor } from './changeActor.js';
import { requireAccount } from './find.js';
import { describeMappings, type MappingView } from './roleMappings.js';

/** An account as admins see it, with the roles mapped into it. */
export interface AccountView extends AwsAccount {
  /** The roles groups map into this account, each once, sorted. */
  roles: string[];
  mappings: number;
}

/** The fields an admin gives for an account (`provider`: the IAM SAML provider's name; `region`: none = global). */
export interface AccountInput {
  id: string;
  alias: string;
  provider: string;
  partition?: string | undefined;
  region?: string | null | undefined;
}

/** What may change of an account (absent: keep; `region` null: the global endpoint). */
export type AccountPatch = Partial<{ alias: string; provider: string; partition: string; region: string | null }>;

const view = (a: AwsAccount, mappings: readonly MappingView[]): AccountView => {
  const own = mappings.filter((m) => m.accountId === a.id);
  return { ...a, roles: [...new Set(own.map((m) => m.role))].sort(), mappings: own.length };
};

/** What an audit event keeps of an account. */
const snapshot = (a: AwsAccount) => ({ id: a.id, alias: a.alias, partition: a.partition, provider: a.providerName, region: a.region });

/** Every account, with its roles. */
export async function listAccounts(ctx: Pick<AppContext, 'store'>): Promise<AccountView[]> {
  const [accounts, mappings] = await Promise.all([ctx.store.accounts.list(), describeMappings(ctx)]);
  return accounts.map((a) => view(a, mappings));
}

/** One account by id or alias, with its roles; not_found when there is none. */
export async function describeAccount(ctx: Pick<AppContext, 'store'>, ref: string): Promise<AccountView> {
  const a = await requireAccount(ctx, ref);
  return view(a, await describeMappings(ctx, (m) => m.accountId === a.id));
}

/** Checks the fields with the directory file's rules; → the stored account. */
function checked(input: AccountInput): AwsAccount {
  const v = checkEntry(accountSchema, { id: input.id, alias: input.alias, provider: input.provider, partition: input.partition ?? 'aws', region: input.region ?? undefined });
  return { id: v.id, alias: v.alias, partition: v.partition, providerName: v.provider, region: v.region ?? null };
}

async function checkAliasFree(ctx: Pick<AppContext, 'store'>, a: AwsAccount): Promise<void> {
  const owner = await ctx.store.accounts.find(a.alias);
  if (owner && owner.id !== a.id) throw new GatehouseError('conflict', `The alias ${a.alias} already belongs to account ${owner.id}.`);
}

/** Adds an account; `conflict` when the id is known or the alias taken. */
export async function createAccount(ctx: AppContext, input: AccountInput, actor: ChangeActor): Promise<AccountView> {
  const a = checked(input);
  if (await ctx.store.accounts.find(a.id)) throw new GatehouseError('conflict', `Account ${a.id} is already known: change it instead.`);
  await checkAliasFree(ctx, a);
  await orConflict(`Account ${a.id} or the alias ${a.alias} exists already.`, () => withTransaction(ctx, async (tx) => {
    await tx.store.accounts.insert(a);
    await recordAudit(tx, { type: 'account.created', outcome: 'success', detail: { ...changedBy(actor), account: a.id, alias: a.alias, after: snapshot(a) } }, { req: actor.req });
  }));
  return describeAccount(ctx, a.id);
}

/** Changes an account's alias, IAM provider name, partition or region. */
export async function updateAccount(ctx: AppContext, ref: string, patch: AccountPatch, actor: ChangeActor): Promise<AccountView> {
  const before = await requireAccount(ctx, ref);
  const a = checked({
    id: before.id, alias: patch.alias ?? before.alias, provider: patch.provider ?? before.providerName, partition: patch.partition ?? before.partition,
    region: patch.region === undefined ? before.region : patch.region,
  });
  if (JSON.stringify(snapshot(a)) === JSON.stringify(snapshot(before))) return describeAccount(ctx, a.id);
  await checkAliasFree(ctx, a);
  await orConflict(`The alias ${a.alias} exists already.`, () => withTransaction(ctx, async (tx) => {
    await tx.store.accounts.upsert(a);
    await recordAudit(tx, { type: 'account.updated', outcome: 'success', detail: { ...changedBy(actor), account: a.id, alias: a.alias, before: snapshot(before), after: snapshot(a) } }, { req: actor.req });
  }));
  return describeAccount(ctx, a.id);
}

/** Deletes an account and every role mapping into it; returns what it was. */
export async function deleteAccount(ctx: AppContext, ref: string, actor: ChangeActor): Promise<AccountView> {
  const a = await requireAccount(ctx, ref);
  const mappings = await describeMappings(ctx, (m) => m.accountId === a.id);
  await withTransaction(ctx, async (tx) => {
    await tx.store.accounts.delete(a.id);
    await recordAudit(tx, {
      type: 'account.deleted', outcome: 'success',
      detail: {
        ...changedBy(actor), account: a.id, alias: a.alias, mappings: mappings.length,
        before: { ...snapshot(a), mappings: mappings.map((m) => ({ group: m.group, role: m.role, sessionDuration: m.sessionDuration, requireFactor: m.requireFactor, sourceIps: m.sourceIps })) },
      },
    }, { req: actor.req });
  });
  return view(a, mappings);
}

/** A role's trust policy with what it is made from. */
export interface RoleTrustPolicy {
  account: AwsAccount;
  role: string;
  policy: TrustPolicy;
  /** The ACS URLs (SAML:aud) the policy accepts: the partition's global endpoint and the account's regional one. */
  acsUrls: string[];
  /** The AuthMethod values IAM checks, or null when the policy does not check the factor. */
  authMethods: string[] | null;
  /** The groups that map the role and what each requires. */
  mappedBy: { group: string; requireFactor: RequiredFactor | null }[];
}

/**
 * The trust policy to paste into IAM for `role` in the account `ref` (id or alias): the console, the API and
 * `gatehouse aws trust-policy` all show this one. It accepts the global sign-in endpoint and the account's
 * regional one (SAML:aud is the Recipient), and, when every group that maps the role requires a factor, checks
 * the AuthMethod tag against the factors meeting those requirements. A role no group maps gets the policy
 * without a factor check (`mappedBy` empty).
 */
export async function trustPolicyFor(ctx: Pick<AppContext, 'store'>, ref: string, role: string): Promise<RoleTrustPolicy> {
  const account = await requireAccount(ctx, ref);
  const roleName = normaliseRoleName(role);
  const mappings = await describeMappings(ctx, (m) => m.accountId === account.id && m.roleName === roleName);
  const acsUrls = [...new Set([acsUrlFor(account.partition), ...(account.region ? [acsUrlFor(account.partition, account.region)] : [])])];
  const authMethods = acceptedAuthMethods(mappings.map((m) => m.requireFactor));
  const policy = buildTrustPolicy({ partition: account.partition, accountId: account.id, providerName: account.providerName, acsUrls, ...(authMethods ? { authMethods } : {}) });
  return { account, role: roleName, policy, acsUrls, authMethods: authMethods ?? null, mappedBy: mappings.map((m) => ({ group: m.group, requireFactor: m.requireFactor })) };
}

/** The trust policy of every role mapped into the account, sorted by role. */
export async function trustPoliciesOf(ctx: Pick<AppContext, 'store'>, ref: string): Promise<RoleTrustPolicy[]> {
  const a = await describeAccount(ctx, ref);
  return Promise.all(a.roles.map((r) => trustPolicyFor(ctx, a.id, r)));
}
