/**
 * AssumeRoleWithSAML through @aws-sdk/client-sts (loaded only when a call is made, so that commands that
 * never reach STS start fast). STS errors become one GatehouseError('sts_error') line from
 * explainStsError. The SAML Response and the secret key never reach the `--verbose` log.
 */
import { GatehouseError } from '../../errors.js';
import type { AwsCredentials } from './awsFiles.js';
import { explainStsError, type StsCallContext } from './explainStsError.js';
import type { VerboseLog } from './httpLog.js';
import type { StsTarget } from './stsTarget.js';

/** One AssumeRoleWithSAML call. */
export interface AssumeInput {
  roleArn: string;
  principalArn: string;
  samlResponse: string;
  durationSeconds: number;
  target: StsTarget;
  /** For error messages. */
  label: string;
  accountRef: string;
  roleName: string;
  durationFromFlag: boolean;
}

/** Calls STS and returns the temporary credentials. */
export async function assumeRoleWithSaml(input: AssumeInput, log: VerboseLog = () => undefined): Promise<AwsCredentials> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'; // a notice for SDK maintainers, not for CLI users
  const { STSClient, AssumeRoleWithSAMLCommand } = await import('@aws-sdk/client-sts');
  const client = new STSClient({ region: input.target.region, ...(input.target.endpoint ? { endpoint: input.target.endpoint } : {}), maxAttempts: 2 });
  const endpoint = input.target.endpoint
    ?? client.config.endpointProvider({ Region: input.target.region, UseFIPS: false, UseDualStack: false, UseGlobalEndpoint: false }).url.href;
  const ctx: StsCallContext = { ...input, region: input.target.region, endpoint };
  log(`> STS AssumeRoleWithSAML ${endpoint} RoleArn=${input.roleArn} PrincipalArn=${input.principalArn} DurationSeconds=${input.durationSeconds} SAMLAssertion=[hidden, ${input.samlResponse.length} characters]`);
  const started = Date.now();
  try {
    const out = await client.send(new AssumeRoleWithSAMLCommand({
      RoleArn: input.roleArn, PrincipalArn: input.principalArn, SAMLAssertion: input.samlResponse, DurationSeconds: input.durationSeconds,
    }));
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) throw new GatehouseError('sts_error', `${input.label}: STS answered without credentials`);
    log(`< STS ok (${Date.now() - started} ms): ${c.AccessKeyId}, ${out.AssumedRoleUser?.Arn ?? ''}, expires ${c.Expiration.toISOString()}`);
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  } catch (e) {
    if (e instanceof GatehouseError) throw e;
    const err = e as { name?: string; message?: string; code?: string; cause?: { code?: string } };
    log(`< STS error (${Date.now() - started} ms): ${err.name ?? 'Error'}: ${err.message ?? ''}`);
    const code = err.code ?? err.cause?.code;
    throw new GatehouseError('sts_error', explainStsError({ name: err.name ?? 'Error', message: err.message ?? '', code }, ctx), { cause: e });
  } finally {
    client.destroy();
  }
}
