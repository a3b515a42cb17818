/**
 * IAM ARNs used in SAML federation: role ARNs and SAML provider ARNs, built and validated to IAM's
 * documented character rules.
 *
 * - account id: exactly 12 decimal digits
 * - role name and path: roleName.ts
 * - SAML provider name: `[\w._-]{1,128}`
 */
import { partitions, type Partition } from './partitions.js';
import { isValidRoleName, isValidRolePath, splitRoleReference } from './roleName.js';

const accountIdPattern = /^\d{12}$/;
const providerNamePattern = /^[\w.-]{1,128}$/;
const roleArnPattern = /^arn:([a-z-]+):iam::([^:]*):role(\/.*)$/s;
const providerArnPattern = /^arn:([a-z-]+):iam::([^:]*):saml-provider\/(.*)$/s;

/** A parsed role ARN. `path` is `/` when the role has no path. */
export interface RoleArn {
  partition: Partition;
  accountId: string;
  path: string;
  name: string;
}

/** A parsed SAML provider ARN. */
export interface SamlProviderArn {
  partition: Partition;
  accountId: string;
  name: string;
}

/** True for a 12-digit AWS account id (leading zeros allowed). */
export function isValidAccountId(id: string): boolean {
  return accountIdPattern.test(id);
}

/** True for a valid IAM SAML provider name. */
export function isValidSamlProviderName(name: string): boolean {
  return providerNamePattern.test(name);
}

function isPartition(p: string): p is Partition {
  return (partitions as readonly string[]).includes(p);
}

/**
 * Builds `arn:<partition>:iam::<account>:role/<path><name>`. `roleName` is a role reference (roleName.ts)
 * and may carry a path (`engineering/Admin` or `/engineering/Admin`). Throws RangeError on any invalid part.
 */
export function buildRoleArn(partition: Partition, accountId: string, roleName: string): string {
  if (!isPartition(partition)) throw new RangeError(`unknown partition: ${JSON.stringify(partition)}`);
  if (!isValidAccountId(accountId)) throw new RangeError(`invalid AWS account id: ${JSON.stringify(accountId)}`);
  const { path, name } = splitRoleReference(roleName);
  if (!isValidRolePath(path)) throw new RangeError(`invalid IAM role path: ${JSON.stringify(path)}`);
  if (!isValidRoleName(name)) throw new RangeError(`invalid IAM role name: ${JSON.stringify(name)}`);
  return `arn:${partition}:iam::${accountId}:role${path}${name}`;
}

/** Builds `arn:<partition>:iam::<account>:saml-provider/<name>`. Throws RangeError on any invalid part. */
export function buildSamlProviderArn(partition: Partition, accountId: string, providerName: string): string {
  if (!isPartition(partition)) throw new RangeError(`unknown partition: ${JSON.stringify(partition)}`);
  if (!isValidAccountId(accountId)) throw new RangeError(`invalid AWS account id: ${JSON.stringify(accountId)}`);
  if (!isValidSamlProviderName(providerName)) {
    throw new RangeError(`invalid IAM SAML provider name: ${JSON.stringify(providerName)}`);
  }
  return `arn:${partition}:iam::${accountId}:saml-provider/${providerName}`;
}

/** Parses a role ARN, or returns undefined when it is not a well-formed IAM role ARN. */
export function parseRoleArn(arn: string): RoleArn | undefined {
  const m = roleArnPattern.exec(arn);
  if (m === null) return undefined;
  const [, partition = '', accountId = '', rest = ''] = m;
  const { path, name } = splitRoleReference(rest);
  if (!isPartition(partition) || !isValidAccountId(accountId) || !isValidRolePath(path) || !isValidRoleName(name)) return undefined;
  return { partition, accountId, path, name };
}

/** Parses a SAML provider ARN, or returns undefined when it is not a well-formed one. */
export function parseSamlProviderArn(arn: string): SamlProviderArn | undefined {
  const m = providerArnPattern.exec(arn);
  if (m === null) return undefined;
  const [, partition = '', accountId = '', name = ''] = m;
  if (!isPartition(partition) || !isValidAccountId(accountId) || !isValidSamlProviderName(name)) return undefined;
  return { partition, accountId, name };
}
