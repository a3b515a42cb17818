/**
 * The AWS attribute list of an assertion for IAM federation, in a fixed order:
 * Role, RoleSessionName, SourceIdentity, SessionDuration (when set), PrincipalTag:<Key> (in the order
 * given, then AuthMethod), TransitiveTagKeys (when any).
 */
import { GatehouseError } from '../errors.js';
import type { AuthMethod } from '../auth/factors.js';
import type { SamlAttribute } from '../saml/buildAssertion.js';
import { buildRoleArn, buildSamlProviderArn } from './arn.js';
import type { Partition } from './partitions.js';
import { roleReferenceProblem } from './roleName.js';
import { toAwsSessionName } from './sessionName.js';
import { authMethodTagKey } from './tags.js';
import type { AwsLintViolation } from './violation.js';

export type { SamlAttribute };

/** Prefix of every AWS SAML attribute name. */
export const awsAttributePrefix = 'https://aws.amazon.com/SAML/Attributes/';

/** Full attribute names, as AWS spells them (case-sensitive). */
export const awsAttributeNames = {
  role: `${awsAttributePrefix}Role`,
  roleSessionName: `${awsAttributePrefix}RoleSessionName`,
  sourceIdentity: `${awsAttributePrefix}SourceIdentity`,
  sessionDuration: `${awsAttributePrefix}SessionDuration`,
  principalTagPrefix: `${awsAttributePrefix}PrincipalTag:`,
  transitiveTagKeys: `${awsAttributePrefix}TransitiveTagKeys`,
} as const;

/** An AWS account as Gatehouse knows it: id, partition and the IAM SAML provider name in that account. */
export interface AwsAccountRef {
  id: string;
  partition: Partition;
  providerName: string;
}

/** A role the person may assume now. `roleName` may carry an IAM path (`team/Admin`). */
export interface AwsRoleGrant {
  account: AwsAccountRef;
  roleName: string;
}

/** Input of {@link buildAwsAttributes}. */
export interface AwsAttributeInput {
  roles: AwsRoleGrant[];
  username: string;
  /** Seconds, 900–43200; omitted → AWS's default of 1 hour. */
  sessionDuration?: number;
  /** Session tags (PrincipalTag:<Key>), in the order to send them. */
  tags: Record<string, string>;
  /** Tag keys that survive role chaining; keys not present in `tags` are dropped. */
  transitiveTagKeys: string[];
  /** The second factor used for this login (its AuthMethod value, auth/factors.ts); sent as PrincipalTag:AuthMethod. */
  authMethod: AuthMethod;
}

/**
 * The `Role` attribute value for one grant, `<role-arn>,<provider-arn>`, built by the validated
 * buildRoleArn / buildSamlProviderArn. Returns the broken rules instead when a part is invalid:
 * `role.value.malformed` (a comma in the role reference), `role.arn.malformed`, `role.provider_arn.malformed`.
 */
function roleAttributeValue(grant: AwsRoleGrant): { value: string } | { violations: AwsLintViolation[] } {
  const { id, partition, providerName } = grant.account;
  const where = `${id}/${grant.roleName}`;
  const violations: AwsLintViolation[] = [];
  let role: string | undefined;
  let provider: string | undefined;
  try {
    role = buildRoleArn(partition, id, grant.roleName);
  } catch (e) {
    violations.push({ rule: 'role.arn.malformed', message: `cannot build the role ARN of ${where}: ${(e as Error).message}` });
  }
  try {
    provider = buildSamlProviderArn(partition, id, providerName);
  } catch (e) {
    violations.push({ rule: 'role.provider_arn.malformed', message: `cannot build the SAML provider ARN of ${where}: ${(e as Error).message}` });
  }
  const problem = roleReferenceProblem(grant.roleName);
  if (role !== undefined && problem !== undefined) violations.push({ rule: 'role.value.malformed', message: `role ${where} ${problem}` });
  if (role === undefined || provider === undefined || violations.length > 0) return { violations };
  return { value: `${role},${provider}` };
}

/**
 * Builds the ordered AWS attribute list. Role values are built by the validated ARN builders: a grant whose
 * ARNs cannot be built (bad account id, role reference or provider name, which the directory file and the
 * admin commands refuse, so only a damaged database holds one) throws GatehouseError('aws_lint_failed')
 * listing every such grant, with the lint's rule ids. Everything else is built as given and checked by
 * `lintAwsAttributes` / `assertAwsConformant`, which must run before signing (e.g. a `tags` key colliding
 * with AuthMethod, too many tags). Duplicate roles (the same role granted by two groups) are sent once.
 * RoleSessionName and SourceIdentity are both {@link toAwsSessionName}(username). Nothing to store.
 */
export function buildAwsAttributes(input: AwsAttributeInput): SamlAttribute[] {
  const roleValues: string[] = [];
  const violations: AwsLintViolation[] = [];
  for (const grant of input.roles) {
    const built = roleAttributeValue(grant);
    if ('violations' in built) violations.push(...built.violations);
    else if (!roleValues.includes(built.value)) roleValues.push(built.value);
  }
  if (violations.length > 0) {
    const rules = [...new Set(violations.map((x) => x.rule))].join(', ');
    throw new GatehouseError('aws_lint_failed', `assertion would be rejected by AWS (${rules})`, { publicDetail: violations });
  }
  const sessionName = toAwsSessionName(input.username);
  const attributes: SamlAttribute[] = [
    { name: awsAttributeNames.role, values: roleValues },
    { name: awsAttributeNames.roleSessionName, values: [sessionName] },
    { name: awsAttributeNames.sourceIdentity, values: [sessionName] },
  ];
  if (input.sessionDuration !== undefined) {
    attributes.push({ name: awsAttributeNames.sessionDuration, values: [String(input.sessionDuration)] });
  }
  for (const [key, value] of Object.entries(input.tags)) {
    attributes.push({ name: `${awsAttributeNames.principalTagPrefix}${key}`, values: [value] });
  }
  attributes.push({ name: `${awsAttributeNames.principalTagPrefix}${authMethodTagKey}`, values: [input.authMethod] });
  const transitive = [...new Set(input.transitiveTagKeys)].filter((k) => Object.hasOwn(input.tags, k));
  if (transitive.length > 0) attributes.push({ name: awsAttributeNames.transitiveTagKeys, values: transitive });
  return attributes;
}
