/**
 * One line per STS error that says what went wrong and what to fix, naming `gatehouse aws trust-policy`
 * or `gatehouse aws metadata` when an AWS admin's change is the fix. Pure; the caller prints it.
 * Error names are the AWS SDK's (`ExpiredTokenException`) or the query-protocol codes (`ExpiredToken`).
 */
import { buildTrustPolicy } from '../../aws/trustPolicy.js';

/** What the message may name about the call that failed. */
export interface StsCallContext {
  /** `alias/RoleName`. */
  label: string;
  accountRef: string;
  roleName: string;
  roleArn: string;
  principalArn: string;
  region: string;
  endpoint: string;
  durationSeconds: number;
  /** Whether the duration came from --duration (else from the role mapping). */
  durationFromFlag: boolean;
}

/** The name and message of an error thrown by the STS client. */
export interface StsFailure {
  name: string;
  message: string;
  code?: string | undefined;
}

const networkCodes = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'TimeoutError']);

/** The actions of the trust policy `gatehouse aws trust-policy` prints; AWS names a missing one in AccessDenied. */
const trustActions: readonly string[] = buildTrustPolicy({ partition: 'aws', accountId: '000000000000', providerName: 'Gatehouse' }).Statement[0].Action;

/** The one line to print for `e`. */
export function explainStsError(e: StsFailure, c: StsCallContext): string {
  const name = e.name.replace(/Exception$/, '');
  const said = e.message.trim().replace(/\s+/g, ' ').slice(0, 200);
  const trustFix = `an AWS admin should set the role's trust policy to the output of: gatehouse aws trust-policy --account ${c.accountRef} --role ${c.roleName}`;
  switch (name) {
    case 'AccessDenied': {
      const action = trustActions.find((a) => said.includes(a) && a !== 'sts:AssumeRoleWithSAML');
      if (action) return `${c.label}: AWS refused the role because its trust policy does not allow ${action} (Gatehouse sends ${action === 'sts:TagSession' ? 'session tags' : 'a source identity'}); ${trustFix}`;
      if (/SAML:aud/.test(said)) return `${c.label}: the role's trust policy does not accept this sign-in endpoint (SAML:aud); ${trustFix}`;
      return `${c.label}: AWS refused the role (${said}); its trust policy must allow ${c.principalArn}: ${trustFix}`;
    }
    case 'ExpiredToken':
      return `${c.label}: STS says the sign-in has expired (${said}): check that this computer's clock and the Gatehouse server's clock are right, then run the command again`;
    case 'InvalidIdentityToken':
      if (/provider does not exist/i.test(said)) return `${c.label}: the IAM SAML provider ${c.principalArn} does not exist: an AWS admin should create it from the output of: gatehouse aws metadata`;
      return `${c.label}: STS does not trust Gatehouse's signature or issuer (${said}): an AWS admin should upload the output of gatehouse aws metadata to the IAM SAML provider ${c.principalArn}`;
    case 'IDPRejectedClaim':
      return `${c.label}: AWS rejected the claims of the sign-in (${said}): check the IAM SAML provider ${c.principalArn} and the role's trust policy (gatehouse aws trust-policy --account ${c.accountRef} --role ${c.roleName})`;
    case 'ValidationError':
      if (/MaxSessionDuration/i.test(said)) {
        return `${c.label}: ${c.durationSeconds} s is longer than the role's maximum session duration in IAM: ${c.durationFromFlag ? 'ask for less with --duration (3600 is one hour)' : 'ask for less with --duration 3600, and an admin should lower session_duration of this role mapping'} or raise the role's MaxSessionDuration in IAM`;
      }
      return `${c.label}: STS refused the request (${said})`;
    case 'RegionDisabled':
      return `STS is not activated in region ${c.region} for account ${c.roleArn.split(':')[4] ?? c.accountRef}: pick another region with --region, or an AWS admin activates it under IAM → Account settings`;
    case 'PackedPolicyTooLarge':
      return `${c.label}: the session tags are too large for AWS (${said}): an admin should send fewer or shorter session tags`;
    default:
      if (networkCodes.has(e.code ?? '') || networkCodes.has(e.name)) {
        return `cannot reach STS at ${c.endpoint} (${e.code ?? e.name}): check your network, --region or AWS_ENDPOINT_URL_STS`;
      }
      return `${c.label}: STS refused the role: ${e.name}: ${said}`;
  }
}
