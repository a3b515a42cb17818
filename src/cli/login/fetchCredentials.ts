/**
 * From a Gatehouse session to AWS credentials: which roles (--role, --account, --all-roles, the only
 * role, or the picker), a browser step-up when a role needs a security key, one signed SAML Response per
 * partition, and one AssumeRoleWithSAML per role.
 */
import { GatehouseError, isGatehouseError } from '../../errors.js';
import type { CliAssertion, CliRole } from './apiSchemas.js';
import { assumeRoleWithSaml } from './assumeRoleWithSaml.js';
import type { AwsCredentials } from './awsFiles.js';
import type { CliSession } from './cliSession.js';
import { say } from './progress.js';
import type { VerboseLog } from './httpLog.js';
import { pickRole } from './rolePicker.js';
import { blockedReason, findRole, roleLabel, rolesInAccount } from './selectRoles.js';
import type { Settings } from './settings.js';
import { stsTargetFor, type StsTarget } from './stsTarget.js';

/** AWS's default DurationSeconds, used when neither --duration nor the mapping says. */
export const defaultDurationSeconds = 3600;

/** Credentials for one role and where they came from. */
export interface RoleCredentials {
  role: CliRole;
  credentials: AwsCredentials;
  durationSeconds: number;
  target: StsTarget;
}

const needsStepUp = (r: CliRole): boolean => !r.allowedNow && r.reason === 'factor_required';

/**
 * The roles a command means. `interactive`: a picker may be shown on this terminal when several roles
 * fit and none was named.
 */
export async function chooseRoles(session: CliSession, s: Pick<Settings, 'role' | 'account'>, o: { allRoles?: boolean; interactive: boolean }): Promise<CliRole[]> {
  const roles = await session.call((t) => session.api.roles(t));
  if (roles.length === 0) throw new GatehouseError('no_roles', 'you have no AWS role in Gatehouse yet: ask your administrator to map one to your group');
  if (s.role) return [findRole(roles, s.role, s.account)];
  const pool = s.account ? rolesInAccount(roles, s.account) : roles;
  if (o.allRoles) {
    const usable = pool.filter((r) => r.allowedNow);
    for (const r of pool.filter((x) => !x.allowedNow)) {
      say(`Skipped ${roleLabel(r)}: ${blockedReason(r) ?? `it needs your security key (get it with: gatehouse login --role ${roleLabel(r)})`}.`);
    }
    if (usable.length === 0) throw new GatehouseError('no_roles', 'none of your roles can be used with this sign-in');
    return usable;
  }
  if (pool.length === 1) return pool;
  if (!o.interactive) {
    throw new GatehouseError('bad_request', `you have ${pool.length} roles; pick one with --role (${pool.map(roleLabel).join(', ')}), or use --all-roles`);
  }
  return [await pickRole(pool)];
}

/** One signed SAML Response for `roles` (one partition), stepping up first when a role needs a security key. */
export async function assertionFor(session: CliSession, roles: readonly CliRole[]): Promise<CliAssertion> {
  for (const r of roles) {
    const blocked = blockedReason(r);
    if (blocked) throw new GatehouseError('role_not_allowed', blocked);
  }
  let steppedUp = false;
  const stepUpFor = roles.find(needsStepUp);
  if (stepUpFor && (await session.get()).factor !== 'webauthn') {
    await session.stepUp(`${roleLabel(stepUpFor)} needs your security key`);
    steppedUp = true;
  }
  const keys = roles.map((r) => r.key);
  try {
    return await session.call((t) => session.api.assertion(t, keys));
  } catch (e) {
    const detail = isGatehouseError(e, 'mfa_required') ? e.detail as { requireFactor?: string } | undefined : undefined;
    if (steppedUp || detail?.requireFactor !== 'webauthn') throw e;
    await session.stepUp(`${roles.map(roleLabel).join(', ')} needs your security key`);
    return session.call((t) => session.api.assertion(t, keys));
  }
}

/**
 * Groups roles by account: one SAML Response per account. A Response cannot span partitions, and its
 * Recipient (the trust policies' SAML:aud) is regional only when every account in it names the same region,
 * so a Response per account gives each role the sign-in endpoint its trust policy names.
 */
function byAccount(roles: readonly CliRole[]): CliRole[][] {
  const groups = new Map<string, CliRole[]>();
  for (const r of roles) groups.set(r.accountId, [...(groups.get(r.accountId) ?? []), r]);
  return [...groups.values()];
}

/** AWS credentials for every role in `roles`, from one SAML Response per account. */
export async function credentialsFor(session: CliSession, roles: readonly CliRole[], s: Pick<Settings, 'duration' | 'durationFromFlag' | 'flagRegion' | 'profileRegion'>, log: VerboseLog): Promise<RoleCredentials[]> {
  const targets = new Map(roles.map((r) => [r.key, stsTargetFor(r.partition, { flagRegion: s.flagRegion, profileRegion: s.profileRegion })]));
  const out: RoleCredentials[] = [];
  for (const group of byAccount(roles)) {
    const assertion = await assertionFor(session, group);
    for (const role of group) {
      const issued = assertion.roles.find((x) => x.key === role.key);
      const durationSeconds = s.duration ?? role.sessionDuration ?? defaultDurationSeconds;
      const target = targets.get(role.key)!;
      const roleArn = issued?.roleArn ?? role.roleArn;
      const principalArn = issued?.principalArn ?? role.principalArn;
      if (!roleArn || !principalArn) throw new GatehouseError('aws_lint_failed', `${roleLabel(role)}: Gatehouse cannot name this role's ARN; ask your administrator to check its mapping`);
      const credentials = await assumeRoleWithSaml({
        roleArn, principalArn, samlResponse: assertion.samlResponse,
        durationSeconds, target, label: roleLabel(role), accountRef: role.alias || role.accountId, roleName: role.roleName, durationFromFlag: s.durationFromFlag,
      }, log);
      out.push({ role, credentials, durationSeconds, target });
    }
  }
  return out;
}
