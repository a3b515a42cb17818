/**
 * The IAM trust policy for a role federated from Gatehouse (AWS-SAML.md): the SAML provider may call
 * AssumeRoleWithSAML, TagSession (PrincipalTag attributes) and SetSourceIdentity, for assertions whose
 * Recipient (`SAML:aud`) is one of the given ACS URLs.
 *
 * For a role that Gatehouse maps with a required factor, IAM checks the factor too: sts:TagSession gets its own
 * statement that allows it only when the `AuthMethod` session tag (`aws:RequestTag/AuthMethod`, sent by Gatehouse
 * as `PrincipalTag:AuthMethod`) is one of the factors meeting the requirement. Every Gatehouse assertion carries
 * that tag, and STS refuses the whole AssumeRoleWithSAML call when one tag may not be set, so an assertion made
 * after a weaker sign-in is refused by AWS even when a later mapping change lets Gatehouse issue it (docs/aws.md).
 */
import { GatehouseError } from '../errors.js';
import { authMethodsMeeting, factorFacts, secondFactors, type AuthMethod, type RequiredFactor } from '../auth/factors.js';
import { buildSamlProviderArn } from './arn.js';
import { acsUrlFor, partitionOfAcsUrl, type Partition } from './partitions.js';
import { authMethodTagKey } from './tags.js';

/** Input of {@link buildTrustPolicy}. */
export interface TrustPolicyInput {
  partition: Partition;
  accountId: string;
  providerName: string;
  /** ACS URLs the role accepts (global and/or regional); default: the partition's global ACS. */
  acsUrls?: string[];
  /** The AuthMethod values IAM accepts (see {@link acceptedAuthMethods}); absent: any sign-in Gatehouse signs. */
  authMethods?: readonly AuthMethod[];
}

/** The condition key of the AuthMethod session tag in a trust policy. */
export const authMethodConditionKey = `aws:RequestTag/${authMethodTagKey}` as const;

/** The conditions Gatehouse's statements use. */
export interface TrustCondition {
  StringEquals: { 'SAML:aud': string | string[]; 'aws:RequestTag/AuthMethod'?: string[] };
}

/** One statement of a trust policy. */
export interface TrustStatement {
  Sid?: string;
  Effect: 'Allow';
  Principal: { Federated: string };
  Action: string[];
  Condition: TrustCondition;
}

/** An IAM trust policy document (serialise with JSON.stringify). */
export interface TrustPolicy {
  Version: '2012-10-17';
  Statement: [TrustStatement, ...TrustStatement[]];
}

/** Every action a Gatehouse assertion asks STS for. */
export const gatehouseTrustActions = ['sts:AssumeRoleWithSAML', 'sts:TagSession', 'sts:SetSourceIdentity'] as const;

/**
 * The AuthMethod values a role's trust policy may demand, given the requirement of every mapping of that role
 * (one per group that maps it): the factors meeting any of them, since each is a sign-in Gatehouse may send the
 * role for. Undefined (no condition) when some mapping requires nothing, or there is no mapping. Pure.
 */
export function acceptedAuthMethods(requirements: readonly (RequiredFactor | null)[]): AuthMethod[] | undefined {
  if (requirements.length === 0 || requirements.includes(null)) return undefined;
  const accepted = new Set(requirements.flatMap((r) => (r === null ? [] : authMethodsMeeting(r))));
  return secondFactors.map((f) => factorFacts[f].authMethod).filter((m) => accepted.has(m));
}

/**
 * Builds the trust policy. `SAML:aud` is a string for one ACS URL and a list for several. Without
 * `authMethods`, one statement allows the three actions; with them, sts:TagSession moves to a second
 * statement that also needs `aws:RequestTag/AuthMethod` to be one of them. Throws
 * GatehouseError('validation_failed') for an invalid account/provider, an ACS URL that is not an AWS sign-in
 * endpoint of the same partition, or an empty `authMethods`. Pure; nothing to store.
 */
export function buildTrustPolicy(input: TrustPolicyInput): TrustPolicy {
  let federated: string;
  try {
    federated = buildSamlProviderArn(input.partition, input.accountId, input.providerName);
  } catch (cause) {
    throw new GatehouseError('validation_failed', (cause as Error).message, { cause });
  }
  const urls = [...new Set(input.acsUrls ?? [acsUrlFor(input.partition)])];
  if (urls.length === 0) throw new GatehouseError('validation_failed', 'at least one ACS URL is required');
  for (const url of urls) {
    if (partitionOfAcsUrl(url) !== input.partition) {
      throw new GatehouseError('validation_failed', `${url} is not an AWS sign-in ACS URL of partition ${input.partition}`);
    }
  }
  const aud = urls.length === 1 ? (urls[0] as string) : urls;
  const principal = { Federated: federated };
  if (input.authMethods === undefined) {
    return { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: [...gatehouseTrustActions], Condition: { StringEquals: { 'SAML:aud': aud } } }] };
  }
  if (input.authMethods.length === 0) throw new GatehouseError('validation_failed', 'at least one AuthMethod is required when the factor is checked');
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'GatehouseSignIn', Effect: 'Allow', Principal: principal, Action: ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity'], Condition: { StringEquals: { 'SAML:aud': aud } } },
      {
        Sid: 'GatehouseFactorCheckedByIam', Effect: 'Allow', Principal: principal, Action: ['sts:TagSession'],
        Condition: { StringEquals: { 'SAML:aud': aud, [authMethodConditionKey]: [...new Set(input.authMethods)] } },
      },
    ],
  };
}
