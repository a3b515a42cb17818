/**
 * Every STS error `gatehouse login` can meet becomes one line that says what to fix, through the real CLI
 * against the STS stand-in (which refuses as AWS does): a trust policy without sts:TagSession or
 * sts:SetSourceIdentity (AccessDenied → `gatehouse aws trust-policy`), a duration above the role's maximum
 * (ValidationError), a region where STS is not activated (RegionDisabled), an expired sign-in (ExpiredToken),
 * an IAM SAML provider that does not trust Gatehouse's key (InvalidIdentityToken), and no STS at all.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStsStandIn, type StsStandIn } from '../../helpers/stsStandIn.js';
import { loadSigningKeys, rotateKey } from '../../../src/keys/signingKeyService.js';
import { TEST_PASSWORD } from '../../helpers/users.js';
import { iamRoles, startCliWorld, type CliWorld } from './cliWorld.js';

const noTagSession = ['sts:AssumeRoleWithSAML', 'sts:SetSourceIdentity'];
const noSourceIdentity = ['sts:AssumeRoleWithSAML', 'sts:TagSession'];

describe('gatehouse login: STS errors, one line each', { timeout: 600_000 }, () => {
  let w: CliWorld;
  const extra: StsStandIn[] = [];
  const login = (args: string[], env: Record<string, string> = {}) => w.gatehouse(['login', '--url', w.t.url, '--print', 'json', ...args], { env });
  /** The run failed with exactly one line on stderr after the progress lines, and printed nothing. */
  const oneLine = (r: { code: number | null; stdout: string; stderr: string }): string => {
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, '');
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('gatehouse: '));
    assert.equal(errors.length, 1, r.stderr);
    return errors[0]!;
  };

  before(async () => {
    // prod/ReadOnly: trust policy without sts:TagSession; staging/Developer: without sts:SetSourceIdentity; gov: max 1 h.
    const roles = iamRoles.map((r) => (r.arn.endsWith(':role/ReadOnly') ? { ...r, trustActions: noTagSession }
      : r.arn.endsWith(':role/Developer') ? { ...r, trustActions: noSourceIdentity }
        : r.arn.endsWith(':role/GovReadOnly') ? { ...r, maxSessionDuration: 3600 } : r));
    w = await startCliWorld({ roles, disabledRegions: ['ap-east-1'] });
    const r = await w.gatehouse(['login', '--url', w.t.url, '--no-browser', '--username', 'alice', '--password-stdin', '--totp', await w.totp(), '--role', 'china/CnReadOnly', '--print', 'json'], { input: TEST_PASSWORD });
    assert.equal(r.code, 0, r.stderr); // signed in; every run below reuses the session
  });
  after(async () => {
    for (const s of extra) await s.close();
    await w?.close();
  });

  it('AccessDenied: a trust policy without sts:TagSession names the action and `gatehouse aws trust-policy`', async () => {
    const line = oneLine(await login(['--role', 'prod/ReadOnly']));
    assert.equal(line, 'gatehouse: prod/ReadOnly: AWS refused the role because its trust policy does not allow sts:TagSession (Gatehouse sends session tags); an AWS admin should set the role\'s trust policy to the output of: gatehouse aws trust-policy --account prod --role ReadOnly');
    assert.equal(w.sts.calls.at(-1)?.code, 'AccessDenied');
  });

  it('AccessDenied: a trust policy without sts:SetSourceIdentity likewise', async () => {
    const line = oneLine(await login(['--role', 'staging/Developer']));
    assert.equal(line, 'gatehouse: staging/Developer: AWS refused the role because its trust policy does not allow sts:SetSourceIdentity (Gatehouse sends a source identity); an AWS admin should set the role\'s trust policy to the output of: gatehouse aws trust-policy --account staging --role Developer');
  });

  it('ValidationError: a duration above the role\'s MaxSessionDuration says to ask for less', async () => {
    const line = oneLine(await login(['--role', 'gov/GovReadOnly', '--duration', '7200']));
    assert.equal(line, 'gatehouse: gov/GovReadOnly: 7200 s is longer than the role\'s maximum session duration in IAM: ask for less with --duration (3600 is one hour) or raise the role\'s MaxSessionDuration in IAM');
    assert.equal(w.sts.calls.at(-1)?.code, 'ValidationError');
    const below = oneLine(await login(['--role', 'gov/GovReadOnly', '--duration', '600']));
    assert.equal(below, 'gatehouse: --duration 600: give seconds between 900 and 43200 (AWS\'s limits)', 'checked before any call');
  });

  it('RegionDisabled: names the region and the account, and what to do', async () => {
    const line = oneLine(await login(['--role', 'china/CnReadOnly', '--region', 'cn-northwest-1'], { AWS_ENDPOINT_URL_STS: w.sts.regionUrl('ap-east-1') }));
    assert.equal(line, 'gatehouse: STS is not activated in region cn-northwest-1 for account 123412341234: pick another region with --region, or an AWS admin activates it under IAM → Account settings');
    assert.equal(w.sts.calls.at(-1)?.code, 'RegionDisabledException');
    const wrongPartition = oneLine(await login(['--role', 'china/CnReadOnly', '--region', 'eu-west-1']));
    assert.equal(wrongPartition, 'gatehouse: --region eu-west-1 is not in the role\'s partition aws-cn: use a region such as cn-north-1');
  });

  it('ExpiredToken: a sign-in STS finds too old points at the clocks', async () => {
    const { active } = await loadSigningKeys(w.t.ctx);
    const late = await startStsStandIn({
      providers: [{ arn: 'arn:aws-cn:iam::123412341234:saml-provider/GatehouseCn', entityId: w.t.ctx.config.saml.entityId, certificates: [active.certificatePem] }],
      roles: iamRoles, now: () => new Date(w.t.clock.now() + 10 * 60_000), // STS's clock is 10 minutes ahead of Gatehouse's
    });
    extra.push(late);
    const line = oneLine(await login(['--role', 'china/CnReadOnly'], { AWS_ENDPOINT_URL_STS: late.url }));
    assert.match(line, /^gatehouse: china\/CnReadOnly: STS says the sign-in has expired \((Response has expired|Token must be redeemed within 5 minutes of issuance)\): check that this computer's clock and the Gatehouse server's clock are right, then run the command again$/);
  });

  it('InvalidIdentityToken: a SAML provider with another certificate points at `gatehouse aws metadata`', async () => {
    // IAM holds only the next key's certificate (metadata uploaded, then Gatehouse still signs with the active key).
    await rotateKey(w.t.ctx);
    const { active, published } = await loadSigningKeys(w.t.ctx);
    const next = published.find((k) => k.kid !== active.kid);
    assert.ok(next);
    const stale = await startStsStandIn({
      providers: [{ arn: 'arn:aws-cn:iam::123412341234:saml-provider/GatehouseCn', entityId: w.t.ctx.config.saml.entityId, certificates: [next.certificatePem] }],
      roles: iamRoles, now: () => new Date(w.t.clock.now()),
    });
    extra.push(stale);
    const line = oneLine(await login(['--role', 'china/CnReadOnly'], { AWS_ENDPOINT_URL_STS: stale.url }));
    assert.match(line, /^gatehouse: china\/CnReadOnly: STS does not trust Gatehouse's signature or issuer \(.*\): an AWS admin should upload the output of gatehouse aws metadata to the IAM SAML provider arn:aws-cn:iam::123412341234:saml-provider\/GatehouseCn$/);
    const missing = await startStsStandIn({ providers: [], roles: iamRoles, now: () => new Date(w.t.clock.now()) });
    extra.push(missing);
    const none = oneLine(await login(['--role', 'china/CnReadOnly'], { AWS_ENDPOINT_URL_STS: missing.url }));
    assert.equal(none, 'gatehouse: china/CnReadOnly: the IAM SAML provider arn:aws-cn:iam::123412341234:saml-provider/GatehouseCn does not exist: an AWS admin should create it from the output of: gatehouse aws metadata');
  });

  it('no STS at the endpoint: says which endpoint could not be reached', async () => {
    const gone = await startStsStandIn({ providers: [], roles: [] });
    const dead = gone.url;
    await gone.close();
    const line = oneLine(await login(['--role', 'china/CnReadOnly'], { AWS_ENDPOINT_URL_STS: dead }));
    assert.match(line, new RegExp(`^gatehouse: cannot reach STS at ${dead.replace(/[.:/]/g, '\\$&')} \\(ECONNREFUSED\\): check your network, --region or AWS_ENDPOINT_URL_STS$`));
  });
});
