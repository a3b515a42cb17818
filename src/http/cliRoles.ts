/**
 * The AWS roles of a CLI session: the list `GET /api/v1/cli/roles` shows, and the choice of roles for
 * `POST /api/v1/cli/assertions` (by key, role ARN, or alias/RoleName). Pure: entitlements in, roles or errors out.
 */
import type { EntitledRole, Entitlements } from '../directory/entitlementsFor.js';
import { buildRoleArn, buildSamlProviderArn } from '../aws/arn.js';
import { GatehouseError } from '../errors.js';
import { roleKey } from './routes/portal.js';

/** A role as the CLI sees it (docs/cli-api.md). */
export interface CliRoleView {
  key: string;
  accountId: string;
  alias: string;
  partition: string;
  roleName: string;
  roleArn: string | null;
  principalArn: string | null;
  description: string | null;
  sessionDuration: number | null;
  requireFactor: string | null;
  allowedNow: boolean;
  reason: string | null;
}

/** The role's ARN, or null when the mapping cannot make one (the AWS lint names the fault when it is used). */
function arnOr(f: () => string): string | null {
  try {
    return f();
  } catch {
    return null;
  }
}

/** One entitled role for the CLI's list. `description` names the groups that grant it. */
export function cliRoleView(r: EntitledRole): CliRoleView {
  const { account } = r;
  return {
    key: roleKey(r), accountId: account.id, alias: account.alias, partition: account.partition, roleName: r.roleName,
    roleArn: arnOr(() => buildRoleArn(account.partition, account.id, r.roleName)),
    principalArn: arnOr(() => buildSamlProviderArn(account.partition, account.id, account.providerName)),
    description: r.groups.length > 0 ? `via ${r.groups.join(', ')}` : null,
    sessionDuration: r.sessionDuration, requireFactor: r.requireFactor, allowedNow: r.allowedNow, reason: r.allowedNow ? null : (r.reason ?? null),
  };
}

/** True when `ref` names `r`: its key `<account id>/<role>`, `<alias>/<role>`, or its role ARN. */
function names(r: EntitledRole, ref: string): boolean {
  return ref === roleKey(r) || ref === `${r.account.alias}/${r.roleName}` || ref === arnOr(() => buildRoleArn(r.account.partition, r.account.id, r.roleName));
}

/**
 * The roles `refs` name, each once, in the order asked. Refusals: `role_not_allowed` (a reference names no role of
 * the person, or the role is not allowed from this address), `mfa_required` with public detail `{requireFactor}`
 * (a role needs a factor this CLI session has not proved: the CLI starts a browser step-up), `bad_request` (roles
 * in more than one partition cannot share one Response).
 */
export function pickCliRoles(ent: Entitlements, refs: readonly string[]): EntitledRole[] {
  const picked: EntitledRole[] = [];
  for (const ref of refs) {
    const r = ent.roles.find((x) => names(x, ref));
    if (!r) throw new GatehouseError('role_not_allowed', `You are not mapped to the role ${ref}. Run gatehouse login and pick one of your roles.`, { detail: { role: ref } });
    if (!picked.includes(r)) picked.push(r);
  }
  const needs = picked.filter((r) => !r.allowedNow && r.reason === 'factor_required').map((r) => r.requireFactor);
  if (needs.length > 0) {
    const requireFactor = needs.includes('webauthn') ? 'webauthn' : 'totp';
    throw new GatehouseError('mfa_required', `This role needs ${requireFactor === 'webauthn' ? 'a security key or passkey' : 'an authenticator app'}: confirm with it in the browser.`, { detail: { requireFactor } });
  }
  const blocked = picked.find((r) => !r.allowedNow);
  if (blocked) throw new GatehouseError('role_not_allowed', `The role ${roleKey(blocked)} cannot be used from your current network address.`, { detail: { role: roleKey(blocked) } });
  if (new Set(picked.map((r) => r.account.partition)).size > 1) {
    throw new GatehouseError('bad_request', 'Roles in different AWS partitions (aws, aws-us-gov, aws-cn) need one request each.');
  }
  return picked;
}
