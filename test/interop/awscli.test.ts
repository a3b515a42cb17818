// The credential path with a real AWS client: the AWS CLI (Debian's awscli) redeems an assertion from the
// portal at our STS stand-in, which checks it as strictly as AWS-SAML.md says.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { runProcess } from '../helpers/runProcess.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSamlApp, type SamlTestApp } from '../helpers/samlSetup.js';
import { parseAutoPost } from '../helpers/verifySamlResponse.js';
import { startStsStandIn, type StsStandIn } from '../helpers/stsStandIn.js';

const ROLE = 'arn:aws:iam::111122223333:role/ReadOnly';
const PROVIDER = 'arn:aws:iam::111122223333:saml-provider/Gatehouse';

describe('AWS CLI: assume-role-with-saml against the STS stand-in', () => {
  let t: SamlTestApp;
  let sts: StsStandIn;
  let home: string;

  const aws = (args: string[]) => runProcess('aws', ['sts', 'assume-role-with-saml', ...args, '--endpoint-url', sts.url, '--region', 'us-east-1', '--output', 'json'], {
    env: { PATH: process.env.PATH, HOME: home, AWS_CONFIG_FILE: join(home, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'), AWS_EC2_METADATA_DISABLED: 'true', AWS_PAGER: '' },
  });
  const assertion = async (role = '111122223333/ReadOnly'): Promise<string> =>
    parseAutoPost((await t.agent.post('/aws/console').type('form').send({ _csrf: t.csrf, role }).expect(200)).text).samlResponse;

  before(async () => {
    t = await startSamlApp();
    home = mkdtempSync(join(tmpdir(), 'gatehouse-awscli-'));
    sts = await startStsStandIn({
      providers: [{ arn: PROVIDER, entityId: t.ctx.config.saml.entityId, certificates: [t.certificatePem] }],
      roles: [{ arn: ROLE, maxSessionDuration: 7200 }],
      now: () => new Date(t.clock.now()),
    });
  });
  after(async () => {
    await sts?.close();
    await t?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it('returns temporary credentials for the role in the assertion, with the source identity', async () => {
    const r = await aws(['--role-arn', ROLE, '--principal-arn', PROVIDER, '--saml-assertion', await assertion(), '--duration-seconds', '7200']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { Credentials: { AccessKeyId: string; Expiration: string }; AssumedRoleUser: { Arn: string }; SourceIdentity: string; Issuer: string };
    assert.match(out.Credentials.AccessKeyId, /^ASIA/);
    assert.equal(out.AssumedRoleUser.Arn, 'arn:aws:sts::111122223333:assumed-role/ReadOnly/alice');
    assert.equal(out.SourceIdentity, 'alice');
    assert.equal(out.Issuer, t.ctx.config.saml.entityId);
  });

  it('refuses what AWS refuses: swapped ARNs, too long a duration, a role not in the assertion, a tampered or stale assertion', async () => {
    const a = await assertion();
    const swapped = await aws(['--role-arn', PROVIDER, '--principal-arn', ROLE, '--saml-assertion', a]);
    assert.notEqual(swapped.code, 0);
    assert.match(swapped.stderr, /ValidationError/);
    const tooLong = await aws(['--role-arn', ROLE, '--principal-arn', PROVIDER, '--saml-assertion', a, '--duration-seconds', '7201']);
    assert.match(tooLong.stderr, /MaxSessionDuration/);
    const notMine = await aws(['--role-arn', 'arn:aws:iam::111122223333:role/Admin', '--principal-arn', PROVIDER, '--saml-assertion', a]);
    assert.match(notMine.stderr, /AccessDenied/);
    const xml = Buffer.from(a, 'base64').toString('utf8').replace('CC-1234', 'CC-9999');
    const tampered = await aws(['--role-arn', ROLE, '--principal-arn', PROVIDER, '--saml-assertion', Buffer.from(xml).toString('base64')]);
    assert.match(tampered.stderr, /InvalidIdentityToken/);
    t.clock.advance(6 * 60_000);
    const stale = await aws(['--role-arn', ROLE, '--principal-arn', PROVIDER, '--saml-assertion', a]);
    assert.match(stale.stderr, /ExpiredToken.*(expired|5 minutes)/);
    assert.deepEqual(sts.calls.map((c) => c.code ?? 'ok'), ['ok', 'ValidationError', 'ValidationError', 'AccessDenied', 'InvalidIdentityToken', 'ExpiredTokenException']);
  });
});
