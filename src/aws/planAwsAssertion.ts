/**
 * What an IAM-federation assertion for some roles will say, before anything is signed: its AWS attributes
 * (buildAwsAttributes), the session duration, and the model the AWS lint reads. The SSO and CLI paths sign what
 * this plans (src/http/sso/issueAwsResponse.ts); the admin's "preview the assertion" shows it and lints it
 * without signing. Pure; nothing to store.
 */
import type { AuthMethod } from '../auth/factors.js';
import { buildAwsAttributes, type AwsAccountRef, type SamlAttribute } from './buildAwsAttributes.js';
import type { AwsAssertionModel } from './lintAwsAssertion.js';
import { audienceFor, type Partition } from './partitions.js';

/** One role to send, with its mapping's session duration (null: not set). */
export interface PlannedRole {
  account: AwsAccountRef;
  roleName: string;
  sessionDuration: number | null;
}

export interface AwsAssertionPlanInput {
  /** This IdP's entityID. */
  issuer: string;
  /** The NameID: the person's stable id (no personal data; CloudTrail logs it). */
  nameId: string;
  username: string;
  /** All allowed now and all in `partition`. */
  roles: readonly PlannedRole[];
  tags: Record<string, string>;
  transitiveTagKeys: string[];
  authMethod: AuthMethod;
  partition: Partition;
  acsUrl: string;
  lifetimeSeconds: number;
}

export interface AwsAssertionPlan {
  /** Sent as SessionDuration; undefined = not sent (AWS's 1 h). */
  sessionDuration: number | undefined;
  attributes: SamlAttribute[];
  /** What the lint reads; buildResponse takes it with ids, times and the key. */
  model: AwsAssertionModel & { audience: string; lifetimeSeconds: number };
}

/** The session duration to send: the role's own, or for several roles the shortest one that is set. */
export function sessionDurationFor(roles: readonly Pick<PlannedRole, 'sessionDuration'>[]): number | undefined {
  const set = roles.map((r) => r.sessionDuration).filter((d): d is number => d !== null);
  return set.length > 0 ? Math.min(...set) : undefined;
}

/**
 * Plans the assertion. Throws GatehouseError('aws_lint_failed') when a role's ARNs cannot be built
 * (buildAwsAttributes); every other rule is the lint's, run by the caller on `model` (`assertAwsConformant`
 * before signing, `lintAwsAssertion` for a preview).
 */
export function planAwsAssertion(input: AwsAssertionPlanInput): AwsAssertionPlan {
  const sessionDuration = sessionDurationFor(input.roles);
  const attributes = buildAwsAttributes({
    roles: input.roles.map((r) => ({ account: { id: r.account.id, partition: r.account.partition, providerName: r.account.providerName }, roleName: r.roleName })),
    username: input.username, sessionDuration, tags: input.tags, transitiveTagKeys: input.transitiveTagKeys, authMethod: input.authMethod,
  });
  return {
    sessionDuration, attributes,
    model: { issuer: input.issuer, acsUrl: input.acsUrl, audience: audienceFor(input.partition), nameId: input.nameId, lifetimeSeconds: input.lifetimeSeconds, attributes },
  };
}
