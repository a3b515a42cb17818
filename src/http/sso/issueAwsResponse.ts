import type { AppContext } from '../../context.js';
import { recordAudit } from '../../audit/recordAudit.js';
import type { EntitledRole, Entitlements } from '../../directory/entitlementsFor.js';
import { GatehouseError, isGatehouseError } from '../../errors.js';
import { authMethodOf } from '../../auth/factors.js';
import { audienceFor, type Partition } from '../../aws/partitions.js';
import { awsAttributeNames } from '../../aws/buildAwsAttributes.js';
import { planAwsAssertion, sessionDurationFor } from '../../aws/planAwsAssertion.js';
import { assertAwsConformant } from '../../aws/lintAwsAssertion.js';
import type { SamlAttribute } from '../../saml/buildAssertion.js';
import { buildResponseAsync, type ResponseInput } from '../../saml/buildResponse.js';
import { saml } from '../../saml/samlConstants.js';
import type { WebSession } from '../session.js';
import type { SigningKeyCache } from './signingKeyCache.js';
import { newSamlId } from './samlIds.js';

/**
 * The signed-in person an AWS Response is for: a browser session, or a CLI session (src/auth/cliTokens.ts) shaped
 * like one (`idHash` = the token's hash, `createdAt` = when the factor was proved, `authMethod` = its factor).
 */
export type AwsSignInSession = Pick<WebSession, 'userId' | 'user' | 'authMethod' | 'deviceId' | 'deviceName' | 'expiresAt' | 'idHash' | 'createdAt'>;

export interface AwsSignIn {
  session: AwsSignInSession;
  /** `cli` for a Response fetched by the command line: recorded as `client: cli` in the audit event. */
  client?: 'cli';
  entitlements: Entitlements;
  /** The roles to send, all allowed now and all in `partition`. */
  roles: EntitledRole[];
  partition: Partition;
  acsUrl: string;
  ip: string;
  requestId: string;
}

/**
 * Builds, lints and signs the AWS Response for a signed-in person and records it in the audit log.
 * The AWS lint runs on the model before signing: a violation is audited and thrown as aws_lint_failed
 * (shown to the person and the admin), never sent to AWS.
 */
export async function issueAwsResponse(ctx: AppContext, keys: SigningKeyCache, s: AwsSignIn): Promise<{ samlResponse: string; assertionId: string }> {
  const { session, entitlements } = s;
  const now = ctx.now();
  const duration = sessionDurationFor(s.roles);
  const authMethod = authMethodOf(session.authMethod);
  if (!authMethod) throw new GatehouseError('mfa_required', 'Confirm with your second factor first.');
  const assertionId = newSamlId();
  const client = s.client ? { client: s.client } : {};
  const cap = Math.min(session.expiresAt, now.getTime() + (duration ?? 3600) * 1000);
  const audit = {
    at: now.getTime(), type: 'saml.assertion' as const, userId: session.userId, username: session.user.username, ip: s.ip, requestId: s.requestId,
    factor: session.authMethod, deviceId: session.deviceId, deviceName: session.deviceName,
  };
  const roleValues = (attributes: SamlAttribute[]): string[] => attributes.find((a) => a.name === awsAttributeNames.role)?.values ?? [];
  const key = (await keys.get()).active;
  let attributes: SamlAttribute[] | undefined;
  let input: ResponseInput;
  try {
    // Both throw aws_lint_failed: the plan for a role whose ARNs cannot be built, the lint for every other rule.
    const plan = planAwsAssertion({
      issuer: ctx.config.saml.entityId, nameId: session.user.id, username: session.user.username, roles: s.roles,
      tags: entitlements.tags, transitiveTagKeys: entitlements.transitiveTagKeys, authMethod, partition: s.partition, acsUrl: s.acsUrl,
      lifetimeSeconds: ctx.config.saml.assertionLifetimeSeconds,
    });
    attributes = plan.attributes;
    input = {
      ...plan.model, assertionId, responseId: newSamlId(), now, nameIdFormat: saml.nameIdFormat.persistent, sessionIndex: '_' + session.idHash.slice(0, 32),
      authnInstant: new Date(session.createdAt), sessionNotOnOrAfter: new Date(cap), key,
    };
    assertAwsConformant(input);
  } catch (e) {
    const roles = attributes === undefined ? s.roles.map((r) => `${r.account.id}/${r.roleName}`) : roleValues(attributes);
    await recordAudit(ctx, { ...audit, outcome: 'failure', reason: 'aws_lint_failed', detail: { sp: audienceFor(s.partition), acs: s.acsUrl, roles, violations: isGatehouseError(e, 'aws_lint_failed') ? e.publicDetail : undefined, ...client } });
    throw e;
  }
  const roleArns = roleValues(attributes);
  const { samlResponse } = await buildResponseAsync(input);
  await recordAudit(ctx, {
    ...audit, outcome: 'success',
    detail: { sp: input.audience, acs: s.acsUrl, assertionId, roles: roleArns, tags: entitlements.tags, sessionDuration: duration ?? null, ...client },
  });
  return { samlResponse, assertionId };
}
