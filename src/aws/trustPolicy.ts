/**
 * The IAM trust policy for a role federated from Gatehouse (AWS-SAML.md): the SAML provider may call
 * AssumeRoleWithSAML, TagSession (PrincipalTag attributes) and SetSourceIdentity, for assertions whose
 * Recipient (`SAML:aud`) is one of the given ACS URLs.
 */
import { GatehouseError } from '../errors.js';
import { buildSamlProviderArn } from './arn.js';
import { acsUrlFor, partitionOfAcsUrl, type Partition } from './partitions.js';

/** Input of {@link buildTrustPolicy}. */
export interface TrustPolicyInput {
  partition: Partition;
  accountId: string;
  providerName: string;
  /** ACS URLs the role accepts (global and/or regional); default: the partition's global ACS. */
  acsUrls?: string[];
}

/** An IAM trust policy document (serialise with JSON.stringify). */
export interface TrustPolicy {
  Version: '2012-10-17';
  Statement: [{
    Effect: 'Allow';
    Principal: { Federated: string };
    Action: ['sts:AssumeRoleWithSAML', 'sts:TagSession', 'sts:SetSourceIdentity'];
    Condition: { StringEquals: { 'SAML:aud': string | string[] } };
  }];
}

/**
 * Builds the trust policy. `SAML:aud` is a string for one ACS URL and a list for several. Throws
 * GatehouseError('validation_failed') for an invalid account/provider or an ACS URL that is not an AWS
 * sign-in endpoint of the same partition. Pure; nothing to store.
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
  return {
    Version: '2012-10-17',
    Statement: [{
      Effect: 'Allow',
      Principal: { Federated: federated },
      Action: ['sts:AssumeRoleWithSAML', 'sts:TagSession', 'sts:SetSourceIdentity'],
      Condition: { StringEquals: { 'SAML:aud': urls.length === 1 ? (urls[0] as string) : urls } },
    }],
  };
}
