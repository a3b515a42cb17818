/**
 * The AWS attribute list of an assertion for IAM federation, in a fixed order:
 * Role, RoleSessionName, SourceIdentity, SessionDuration (when set), PrincipalTag:<Key> (in the order
 * given, then AuthMethod), TransitiveTagKeys (when any).
 */
import type { AuthMethod } from '../auth/factors.js';
import type { SamlAttribute } from '../saml/buildAssertion.js';
import type { Partition } from './partitions.js';
import { toAwsSessionName } from './sessionName.js';

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

/** The `Role` attribute value for one grant: `<role-arn>,<provider-arn>`. Not validated here (see the lint). */
export function roleAttributeValue(grant: AwsRoleGrant): string {
  const { id, partition, providerName } = grant.account;
  const roleName = grant.roleName.startsWith('/') ? grant.roleName.slice(1) : grant.roleName;
  return `arn:${partition}:iam::${id}:role/${roleName},arn:${partition}:iam::${id}:saml-provider/${providerName}`;
}

/**
 * Builds the ordered AWS attribute list. Deterministic and total: it never throws; malformed input
 * (bad ARN parts, a `tags` key colliding with `AuthMethod`, too many tags) is reported by
 * `lintAwsAttributes` / `assertAwsConformant`, which must run before signing.
 * Duplicate roles (the same role granted by two groups) are sent once.
 * RoleSessionName and SourceIdentity are both {@link toAwsSessionName}(username).
 */
export function buildAwsAttributes(input: AwsAttributeInput): SamlAttribute[] {
  const roleValues = [...new Set(input.roles.map(roleAttributeValue))];
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
  attributes.push({ name: `${awsAttributeNames.principalTagPrefix}AuthMethod`, values: [input.authMethod] });
  const transitive = [...new Set(input.transitiveTagKeys)].filter((k) => Object.hasOwn(input.tags, k));
  if (transitive.length > 0) attributes.push({ name: awsAttributeNames.transitiveTagKeys, values: transitive });
  return attributes;
}
