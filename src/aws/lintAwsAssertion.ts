/**
 * The AWS conformance lint: every rule of AWS-SAML.md as a named violation, run on the assertion model
 * before signing, so that a bad mapping is a clear error for the admin instead of AWS's blank
 * "Your request included an invalid SAML response". Rule ids are stable; tests and docs refer to them.
 */
import { GatehouseError } from '../errors.js';
import type { SamlAttribute } from '../saml/buildAssertion.js';
import { parseRoleArn, parseSamlProviderArn } from './arn.js';
import { awsAttributeNames, awsAttributePrefix } from './buildAwsAttributes.js';
import { partitionOfAcsUrl, partitionOfAudience, type Partition } from './partitions.js';
import { isValidAwsSessionName } from './sessionName.js';
import { hasAwsPrefix, lintTags, lintTransitiveTagKeys } from './tags.js';
import type { AwsLintViolation } from './violation.js';

/** What the lint reads: the fields of AssertionInput (buildAssertion.ts) that AWS cares about. */
export interface AwsAssertionModel {
  issuer: string;
  acsUrl: string;
  audience: string;
  nameId: string;
  inResponseTo?: string;
  /** Default 300. */
  lifetimeSeconds?: number;
  attributes: SamlAttribute[];
}

/** Maximum assertion lifetime AWS redeems (seconds). */
export const maxLifetimeSeconds = 300;
/** Shortest SessionDuration AWS takes, in seconds (AWS-SAML.md). */
export const minSessionDurationSeconds = 900;
/** Longest SessionDuration AWS takes, in seconds (AWS-SAML.md). */
export const maxSessionDurationSeconds = 43200;

const knownSuffixes = new Set(['Role', 'RoleSessionName', 'SourceIdentity', 'SessionDuration', 'TransitiveTagKeys']);

function checkRoles(values: string[], partition: Partition | undefined, out: AwsLintViolation[]): void {
  const v = (rule: string, message: string): number => out.push({ rule, message });
  if (values.length === 0) v('role.missing', 'the Role attribute has no value');
  const seen = new Set<string>();
  for (const value of values) {
    if (seen.has(value)) v('role.duplicate', `Role value sent twice: ${value}`);
    seen.add(value);
    const parts = value.split(',');
    if (parts.length !== 2) {
      v('role.value.malformed', `Role value must be "<role-arn>,<provider-arn>" with exactly one comma: ${value}`);
      continue;
    }
    const [first = '', second = ''] = parts;
    const role = parseRoleArn(first);
    const provider = parseSamlProviderArn(second);
    if (role === undefined && provider === undefined && parseRoleArn(second) && parseSamlProviderArn(first)) {
      v('role.value.swapped', `Role value lists the provider ARN first: ${value}`);
      continue;
    }
    if (role === undefined) v('role.arn.malformed', `not a valid IAM role ARN: ${first}`);
    if (provider === undefined) v('role.provider_arn.malformed', `not a valid IAM SAML provider ARN: ${second}`);
    if (role === undefined || provider === undefined) continue;
    if (role.partition !== provider.partition) v('role.partition_mismatch', `role and provider are in different partitions: ${value}`);
    if (partition !== undefined && role.partition !== partition) {
      v('role.partition_mismatch', `role ${first} is not in partition ${partition} of the audience`);
    }
    if (role.accountId !== provider.accountId) v('role.provider_account_mismatch', `provider is not in the role's account: ${value}`);
  }
}

function checkSingle(attr: SamlAttribute, id: string, out: AwsLintViolation[]): string | undefined {
  if (attr.values.length !== 1) {
    out.push({ rule: `${id}.multiple`, message: `${attr.name} must have exactly one value` });
    return undefined;
  }
  return attr.values[0];
}

/** Checks the AWS attributes alone (no envelope rules). `partition` is the audience's, when known. */
function lintAwsAttributes(attributes: SamlAttribute[], partition?: Partition): AwsLintViolation[] {
  const out: AwsLintViolation[] = [];
  const v = (rule: string, message: string): number => out.push({ rule, message });
  const byName = new Map<string, SamlAttribute>();
  for (const a of attributes) {
    if (byName.has(a.name)) v('attribute.duplicate', `attribute ${a.name} appears more than once`);
    else byName.set(a.name, a);
    if (a.values.length === 0) v('attribute.empty', `attribute ${a.name} has no value`);
    if (a.name.startsWith(awsAttributePrefix)) {
      const suffix = a.name.slice(awsAttributePrefix.length);
      if (!knownSuffixes.has(suffix) && !suffix.startsWith('PrincipalTag:')) v('attribute.unknown', `unknown AWS attribute ${a.name}`);
    }
  }

  const role = byName.get(awsAttributeNames.role);
  if (role === undefined) v('role.missing', 'no Role attribute');
  else checkRoles(role.values, partition, out);

  const rsn = byName.get(awsAttributeNames.roleSessionName);
  if (rsn === undefined) v('session_name.missing', 'no RoleSessionName attribute');
  else {
    const value = checkSingle(rsn, 'session_name', out);
    if (value !== undefined && !isValidAwsSessionName(value)) v('session_name.invalid', `RoleSessionName must match [A-Za-z0-9_+=,.@-]{2,64}: ${JSON.stringify(value)}`);
  }

  const si = byName.get(awsAttributeNames.sourceIdentity);
  if (si !== undefined) {
    const value = checkSingle(si, 'source_identity', out);
    if (value !== undefined) {
      if (!isValidAwsSessionName(value)) v('source_identity.invalid', `SourceIdentity must match [A-Za-z0-9_+=,.@-]{2,64}: ${JSON.stringify(value)}`);
      if (hasAwsPrefix(value)) v('source_identity.aws_prefix', 'SourceIdentity must not start with aws:');
    }
  }

  const sd = byName.get(awsAttributeNames.sessionDuration);
  if (sd !== undefined) {
    const value = checkSingle(sd, 'session_duration', out);
    if (value !== undefined) {
      if (!/^[1-9]\d*$/.test(value)) v('session_duration.not_integer', `SessionDuration must be an integer: ${JSON.stringify(value)}`);
      else if (Number(value) < minSessionDurationSeconds || Number(value) > maxSessionDurationSeconds) {
        v('session_duration.out_of_range', `SessionDuration must be ${minSessionDurationSeconds}–${maxSessionDurationSeconds}: ${value}`);
      }
    }
  }

  const tags = attributes
    .filter((a) => a.name.startsWith(awsAttributeNames.principalTagPrefix))
    .map((a) => ({ key: a.name.slice(awsAttributeNames.principalTagPrefix.length), values: a.values }));
  out.push(...lintTags(tags));
  const tt = byName.get(awsAttributeNames.transitiveTagKeys);
  if (tt !== undefined) out.push(...lintTransitiveTagKeys(tt.values, tags.map((t) => t.key)));
  return out;
}

/**
 * Lints the model of an IdP-initiated AWS (IAM federation) assertion: envelope rules (issuer, NameID,
 * audience and Recipient are AWS's for the same partition, no InResponseTo, lifetime ≤ 5 minutes) and
 * every attribute rule. Returns [] when conformant. Pure; nothing to store.
 */
export function lintAwsAssertion(model: AwsAssertionModel): AwsLintViolation[] {
  const out: AwsLintViolation[] = [];
  const v = (rule: string, message: string): number => out.push({ rule, message });
  if (model.issuer.trim() === '') v('issuer.missing', 'Issuer is empty');
  if (model.nameId.trim() === '') v('nameid.missing', 'NameID is empty');
  const partition = partitionOfAudience(model.audience);
  if (partition === undefined) v('audience.unknown', `audience ${model.audience} is not an AWS sign-in audience`);
  const acsPartition = partitionOfAcsUrl(model.acsUrl);
  if (acsPartition === undefined) v('recipient.not_aws_acs', `Recipient ${model.acsUrl} is not a known AWS sign-in ACS URL`);
  else if (partition !== undefined && acsPartition !== partition) {
    v('recipient.partition_mismatch', `Recipient ${model.acsUrl} is not in partition ${partition} of the audience`);
  }
  if (model.inResponseTo !== undefined) v('inresponseto.present', 'AWS IAM federation is IdP-initiated: no InResponseTo');
  const lifetime = model.lifetimeSeconds ?? maxLifetimeSeconds;
  if (!(lifetime > 0)) v('lifetime.invalid', 'assertion lifetime must be positive');
  else if (lifetime > maxLifetimeSeconds) v('lifetime.too_long', `assertion lifetime ${lifetime}s exceeds ${maxLifetimeSeconds}s`);
  out.push(...lintAwsAttributes(model.attributes, partition));
  return out;
}

/**
 * Throws GatehouseError('aws_lint_failed', …, { publicDetail: violations }) unless the model is conformant.
 * Call it on the AssertionInput right before buildResponse.
 */
export function assertAwsConformant(model: AwsAssertionModel): void {
  const violations = lintAwsAssertion(model);
  if (violations.length > 0) {
    const rules = [...new Set(violations.map((x) => x.rule))].join(', ');
    throw new GatehouseError('aws_lint_failed', `assertion would be rejected by AWS (${rules})`, { publicDetail: violations });
  }
}
