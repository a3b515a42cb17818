/**
 * Which of a person's roles a command means: `--role` as a role ARN, `accountId/RoleName`,
 * `alias/RoleName` or a bare role name, optionally narrowed by `--account` (alias or id). Pure: the caller
 * passes the roles the API listed and gets the matches or a GatehouseError that says what exists.
 */
import { GatehouseError } from '../../errors.js';
import type { CliRole } from './apiSchemas.js';

/** `alias/RoleName` (or `accountId/RoleName` for an account without alias): how roles are shown. */
export function roleLabel(r: Pick<CliRole, 'alias' | 'accountId' | 'roleName'>): string {
  return `${r.alias || r.accountId}/${r.roleName}`;
}

/** A name usable as an AWS profile name for a role: `alias-RoleName` (path separators become `-`). */
export function profileNameFor(r: Pick<CliRole, 'alias' | 'accountId' | 'roleName'>): string {
  return `${r.alias || r.accountId}-${r.roleName}`.replace(/[^\w.@+=,-]+/g, '-');
}

const list = (roles: readonly CliRole[]): string => roles.map(roleLabel).join(', ') || '(none)';
const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

function inAccount(r: CliRole, account: string): boolean {
  return r.accountId === account || (!!r.alias && same(r.alias, account));
}

/** Roles in `account` (alias or id); throws when the person has none there. */
export function rolesInAccount(roles: readonly CliRole[], account: string): CliRole[] {
  const found = roles.filter((r) => inAccount(r, account));
  if (found.length === 0) throw new GatehouseError('not_found', `you have no role in account ${account}; your roles: ${list(roles)}`);
  return found;
}

/**
 * The one role `spec` names (with `account` to narrow it). Exact matches win over case-insensitive ones;
 * a name found in several accounts is an error that lists them.
 */
export function findRole(roles: readonly CliRole[], spec: string, account?: string): CliRole {
  const pool = account ? rolesInAccount(roles, account) : roles;
  let found: CliRole[];
  if (spec.startsWith('arn:')) {
    found = pool.filter((r) => r.roleArn === spec);
  } else {
    const exact = pool.filter((r) => r.key === spec || roleLabel(r) === spec || r.roleName === spec
      || (spec.includes('/') && inAccount(r, spec.slice(0, spec.indexOf('/'))) && r.roleName === spec.slice(spec.indexOf('/') + 1)));
    found = exact.length > 0 ? exact : pool.filter((r) => same(r.key, spec) || same(roleLabel(r), spec) || same(r.roleName, spec));
  }
  if (found.length === 1) return found[0]!;
  if (found.length > 1) throw new GatehouseError('conflict', `${spec} is in several accounts (${list(found)}): say which, e.g. --role ${roleLabel(found[0]!)}`);
  throw new GatehouseError('not_found', `you have no role ${spec}${account ? ` in ${account}` : ''}; your roles: ${list(pool)}`);
}

/** Why a role cannot be used now, for a person (undefined when it can, or when a step-up can fix it). */
export function blockedReason(r: CliRole): string | undefined {
  if (r.allowedNow || r.reason === 'factor_required') return undefined;
  if (r.reason === 'source_ip') return `${roleLabel(r)} cannot be used from your network address (ask your administrator)`;
  return `${roleLabel(r)} cannot be used now${r.reason ? ` (${r.reason})` : ''}`;
}
