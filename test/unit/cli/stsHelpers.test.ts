// The pure parts of the CLI's STS path: which region and endpoint, and the one-line error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explainStsError, type StsCallContext } from '../../../src/cli/login/explainStsError.js';
import { homeRegion, partitionOfRegion, stsTargetFor } from '../../../src/cli/login/stsTarget.js';
import { isGatehouseError } from '../../../src/errors.js';

test('region: --region, then the profile, then AWS_REGION, else the partition\'s home region; only regions of the role\'s partition', () => {
  assert.deepEqual(stsTargetFor('aws', { env: {} }), { region: 'us-east-1', endpoint: undefined });
  assert.deepEqual(stsTargetFor('aws-us-gov', { env: {} }), { region: 'us-gov-west-1', endpoint: undefined });
  assert.deepEqual(stsTargetFor('aws-cn', { env: {} }), { region: 'cn-north-1', endpoint: undefined });
  assert.equal(stsTargetFor('aws', { flagRegion: 'eu-west-1', profileRegion: 'us-west-2', env: { AWS_REGION: 'ap-south-1' } }).region, 'eu-west-1');
  assert.equal(stsTargetFor('aws', { profileRegion: 'us-west-2', env: { AWS_REGION: 'ap-south-1' } }).region, 'us-west-2');
  assert.equal(stsTargetFor('aws', { env: { AWS_DEFAULT_REGION: 'ap-south-1' } }).region, 'ap-south-1');
  assert.equal(stsTargetFor('aws-us-gov', { profileRegion: 'eu-west-1', env: {} }).region, 'us-gov-west-1', 'a commercial region does not apply to GovCloud');
  assert.equal(stsTargetFor('aws-cn', { env: { AWS_REGION: 'cn-northwest-1' } }).region, 'cn-northwest-1');
  assert.throws(() => stsTargetFor('aws-cn', { flagRegion: 'us-east-1', env: {} }), (e) => isGatehouseError(e, 'validation_failed') && /cn-north-1/.test(e.message));
  assert.throws(() => stsTargetFor('aws', { flagRegion: 'moon-1', env: {} }), (e) => isGatehouseError(e, 'validation_failed'));
  assert.equal(partitionOfRegion('us-gov-east-1'), 'aws-us-gov');
  assert.deepEqual(Object.keys(homeRegion).sort(), ['aws', 'aws-cn', 'aws-us-gov']);
});

test('AWS_ENDPOINT_URL_STS (then AWS_ENDPOINT_URL) names the endpoint', () => {
  assert.equal(stsTargetFor('aws', { env: { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9', AWS_ENDPOINT_URL: 'http://x' } }).endpoint, 'http://127.0.0.1:9');
  assert.equal(stsTargetFor('aws', { env: { AWS_ENDPOINT_URL: 'http://x' } }).endpoint, 'http://x');
});

test('the AWS SDK resolves each partition\'s region to its own STS endpoint', async () => {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const { STSClient } = await import('@aws-sdk/client-sts');
  const client = new STSClient({ region: 'us-east-1' });
  const at = (partition: 'aws' | 'aws-us-gov' | 'aws-cn') =>
    client.config.endpointProvider({ Region: stsTargetFor(partition, { env: {} }).region, UseFIPS: false, UseDualStack: false, UseGlobalEndpoint: false }).url.href;
  assert.equal(at('aws'), 'https://sts.us-east-1.amazonaws.com/');
  assert.equal(at('aws-us-gov'), 'https://sts.us-gov-west-1.amazonaws.com/');
  assert.equal(at('aws-cn'), 'https://sts.cn-north-1.amazonaws.com.cn/');
  client.destroy();
});

const ctx: StsCallContext = {
  label: 'prod/Admin', accountRef: 'prod', roleName: 'Admin', roleArn: 'arn:aws:iam::111122223333:role/Admin',
  principalArn: 'arn:aws:iam::111122223333:saml-provider/Gatehouse', region: 'ap-east-1', endpoint: 'https://sts.ap-east-1.amazonaws.com/',
  durationSeconds: 7200, durationFromFlag: true,
};

test('every STS error is one line that says what to fix', () => {
  const lines = [
    explainStsError({ name: 'AccessDenied', message: 'Not authorized to perform sts:TagSession' }, ctx),
    explainStsError({ name: 'AccessDenied', message: 'Not authorized to perform sts:SetSourceIdentity' }, ctx),
    explainStsError({ name: 'AccessDenied', message: 'Not authorized to perform sts:AssumeRoleWithSAML' }, ctx),
    explainStsError({ name: 'ExpiredTokenException', message: 'Response has expired' }, ctx),
    explainStsError({ name: 'InvalidIdentityTokenException', message: 'Issuer not present in specified provider' }, ctx),
    explainStsError({ name: 'InvalidIdentityToken', message: 'SAML provider does not exist' }, ctx),
    explainStsError({ name: 'ValidationError', message: 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.' }, ctx),
    explainStsError({ name: 'RegionDisabledException', message: 'STS is not activated in this region for account:111122223333.' }, ctx),
    explainStsError({ name: 'IDPRejectedClaimException', message: 'rejected' }, ctx),
    explainStsError({ name: 'PackedPolicyTooLargeException', message: 'too large' }, ctx),
    explainStsError({ name: 'Error', message: 'connect ECONNREFUSED', code: 'ECONNREFUSED' }, ctx),
  ];
  for (const l of lines) assert.doesNotMatch(l, /\n/);
  const trust = 'gatehouse aws trust-policy --account prod --role Admin';
  assert.match(lines[0]!, /does not allow sts:TagSession/);
  assert.ok(lines[0]!.includes(trust));
  assert.match(lines[1]!, /does not allow sts:SetSourceIdentity/);
  assert.ok(lines[1]!.includes(trust));
  assert.ok(lines[2]!.includes(trust));
  assert.match(lines[3]!, /clock/);
  assert.match(lines[4]!, /gatehouse aws metadata/);
  assert.match(lines[5]!, /does not exist.*gatehouse aws metadata/);
  assert.match(lines[6]!, /7200 s is longer than the role's maximum.*--duration/);
  assert.match(lines[7]!, /not activated in region ap-east-1 for account 111122223333.*--region/);
  assert.match(lines[8]!, /rejected the claims/);
  assert.match(lines[9]!, /session tags/);
  assert.match(lines[10]!, /cannot reach STS at https:\/\/sts\.ap-east-1\.amazonaws\.com\/ \(ECONNREFUSED\).*AWS_ENDPOINT_URL_STS/);
  assert.match(explainStsError({ name: 'ValidationError', message: 'exceeds the MaxSessionDuration' }, { ...ctx, durationFromFlag: false }), /session_duration of this role mapping/);
});
