// The STS stand-in is a judge: it must refuse what AWS refuses. The real AWS CLI (botocore) talks to it:
// trust policies without sts:TagSession / sts:SetSourceIdentity, a disabled region, and GetCallerIdentity
// only for credentials it issued, with a valid SigV4 signature, the right session token and before expiry.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../../helpers/runProcess.js';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { parseAutoPost } from '../../helpers/verifySamlResponse.js';
import { startStsStandIn, type StsStandIn } from '../../helpers/stsStandIn.js';

const ACCOUNT = '111122223333';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:saml-provider/Gatehouse`;
const role = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

describe('STS stand-in: as strict as AWS', () => {
  let t: SamlTestApp;
  let sts: StsStandIn;
  let home: string;

  const aws = (args: string[], env: Record<string, string> = {}, endpoint = sts.url) => runProcess('aws', [...args, '--endpoint-url', endpoint, '--output', 'json'], {
    env: {
      PATH: process.env.PATH, HOME: home, AWS_CONFIG_FILE: join(home, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
      AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '', AWS_DEFAULT_REGION: 'us-east-1', ...env,
    },
  });
  const assertion = async (): Promise<string> =>
    parseAutoPost((await t.agent.post('/aws/console').type('form').send({ _csrf: t.csrf, role: `${ACCOUNT}/ReadOnly` }).expect(200)).text).samlResponse;
  const assume = async (roleArn: string, endpoint = sts.url) =>
    aws(['sts', 'assume-role-with-saml', '--role-arn', roleArn, '--principal-arn', PROVIDER, '--saml-assertion', await assertion()], {}, endpoint);

  before(async () => {
    t = await startSamlApp();
    home = mkdtempSync(join(tmpdir(), 'gatehouse-sts-'));
    sts = await startStsStandIn({
      providers: [{ arn: PROVIDER, entityId: t.ctx.config.saml.entityId, certificates: [t.certificatePem] }],
      roles: [{ arn: role('ReadOnly') }],
      now: () => new Date(t.clock.now()),
      disabledRegions: ['ap-east-1'],
    });
  });
  after(async () => {
    await sts?.close();
    await t?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('refuses a role whose trust policy lacks an action the assertion needs, or names another provider', async () => {
    // Gatehouse's assertions carry session tags and a source identity, so each missing action is refused.
    const noTags = await startStsStandIn({
      providers: [{ arn: PROVIDER, entityId: t.ctx.config.saml.entityId, certificates: [t.certificatePem] }],
      roles: [{ arn: role('ReadOnly'), trustActions: ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity'] }],
      now: () => new Date(t.clock.now()),
    });
    const noSource = await startStsStandIn({
      providers: [{ arn: PROVIDER, entityId: t.ctx.config.saml.entityId, certificates: [t.certificatePem] }],
      roles: [{ arn: role('ReadOnly'), trustActions: ['sts:AssumeRoleWithSAML', 'sts:TagSession'] }],
      now: () => new Date(t.clock.now()),
    });
    const otherProvider = await startStsStandIn({
      providers: [{ arn: PROVIDER, entityId: t.ctx.config.saml.entityId, certificates: [t.certificatePem] }],
      roles: [{ arn: role('ReadOnly'), trustedProviders: [`arn:aws:iam::${ACCOUNT}:saml-provider/Okta`] }],
      now: () => new Date(t.clock.now()),
    });
    try {
      const a = await assume(role('ReadOnly'), noTags.url);
      assert.notEqual(a.code, 0);
      assert.match(a.stderr, /AccessDenied.*sts:TagSession/);
      const b = await assume(role('ReadOnly'), noSource.url);
      assert.match(b.stderr, /AccessDenied.*sts:SetSourceIdentity/);
      const c = await assume(role('ReadOnly'), otherProvider.url);
      assert.match(c.stderr, /AccessDenied.*sts:AssumeRoleWithSAML/);
    } finally {
      await noTags.close();
      await noSource.close();
      await otherProvider.close();
    }
  });

  it('answers RegionDisabledException in a region the account has not activated', async () => {
    const r = await assume(role('ReadOnly'), sts.regionUrl('ap-east-1'));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /RegionDisabledException.*not activated in this region for account:111122223333/);
    assert.equal(sts.calls.at(-1)?.region, 'ap-east-1');
  });

  it('GetCallerIdentity: the identity of credentials it issued, signed with their secret; nothing else', async () => {
    const r = await assume(role('ReadOnly'));
    assert.equal(r.code, 0, r.stderr);
    const { Credentials: c } = JSON.parse(r.stdout) as { Credentials: { AccessKeyId: string; SecretAccessKey: string; SessionToken: string } };
    const creds = { AWS_ACCESS_KEY_ID: c.AccessKeyId, AWS_SECRET_ACCESS_KEY: c.SecretAccessKey, AWS_SESSION_TOKEN: c.SessionToken };
    const ok = await aws(['sts', 'get-caller-identity'], creds);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual({ ...JSON.parse(ok.stdout), UserId: 'x' }, { UserId: 'x', Account: ACCOUNT, Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ReadOnly/alice` });
    assert.match((JSON.parse(ok.stdout) as { UserId: string }).UserId, /^AROA[0-9A-F]{16}:alice$/);

    // One character changed, always to another one (a random token starts with "x" one time in 64).
    const changeFirst = (v: string): string => v.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'));
    const wrongSecret = await aws(['sts', 'get-caller-identity'], { ...creds, AWS_SECRET_ACCESS_KEY: changeFirst(c.SecretAccessKey) });
    assert.match(wrongSecret.stderr, /SignatureDoesNotMatch/);
    const wrongToken = await aws(['sts', 'get-caller-identity'], { ...creds, AWS_SESSION_TOKEN: changeFirst(c.SessionToken) });
    assert.match(wrongToken.stderr, /InvalidClientTokenId/);
    const unknown = await aws(['sts', 'get-caller-identity'], { ...creds, AWS_ACCESS_KEY_ID: 'ASIAAAAAAAAAAAAAAAAA' });
    assert.match(unknown.stderr, /InvalidClientTokenId/);
    const otherRegion = await aws(['sts', 'get-caller-identity'], { ...creds, AWS_DEFAULT_REGION: 'eu-west-1' });
    assert.match(otherRegion.stderr, /SignatureDoesNotMatch.*region/);
    t.clock.advance(3600_000 + 1000); // past the credentials' hour (the stand-in judges by the app's clock)
    const expired = await aws(['sts', 'get-caller-identity'], creds);
    assert.match(expired.stderr, /ExpiredToken/);
  });
});
