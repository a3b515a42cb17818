/**
 * IAM checks the factor itself. The STS stand-in gets the trust policies an admin copies from Gatehouse (the admin
 * API's, which the console shows and `gatehouse aws trust-policy` prints) and evaluates them as IAM does, with the
 * assertion's `PrincipalTag:AuthMethod` as `aws:RequestTag/AuthMethod` on sts:TagSession:
 * - a role that requires a security key accepts a security-key sign-in;
 * - a mapping later weakened in Gatehouse (requireFactor removed) lets Gatehouse sign the role for a TOTP sign-in,
 *   and AWS still refuses it (AccessDenied) because the pasted policy checks the factor; the new policy, once pasted,
 *   accepts it;
 * - a role that requires TOTP accepts TOTP and a security key (a key meets `totp`), and refuses a recovery code.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { signInAdmin, type SignedInAdmin } from '../../helpers/admin.js';
import { parseAutoPost, verifyAwsResponse } from '../../helpers/verifySamlResponse.js';
import { startStsStandIn, trustPolicyAllows, type IamPolicy, type StsRole, type StsStandIn } from '../../helpers/stsStandIn.js';
import { createSoftAuthenticator } from '../../helpers/softAuthenticator.js';
import { csrfFrom, submitPassword } from '../../helpers/login.js';
import { createTestUser, TEST_PASSWORD } from '../../helpers/users.js';
import { issueRecoveryCodes } from '../../../src/auth/devices.js';

const ACCOUNT = '111122223333';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:saml-provider/Gatehouse`;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const authMethodAttr = 'https://aws.amazon.com/SAML/Attributes/PrincipalTag:AuthMethod';
const json = { accept: 'application/json' };

describe('the trust policy makes IAM check the factor (AuthMethod on sts:TagSession)', () => {
  let t: SamlTestApp;
  let admin: SignedInAdmin;
  let kim: supertest.Agent;
  let kimCsrf: string;
  let sts: StsStandIn;
  const iamRoles: StsRole[] = [];

  /** What an admin pastes into IAM for `role`, from the admin API. */
  const copyPolicy = async (role: string): Promise<IamPolicy> =>
    (await admin.agent.get(`/api/v1/admin/accounts/prod/trust-policy?role=${role}`).expect(200)).body.policy as IamPolicy;
  const paste = async (role: string) => {
    const policy = await copyPolicy(role);
    iamRoles.splice(0, iamRoles.length, ...iamRoles.filter((r) => r.arn !== roleArn(role)), { arn: roleArn(role), maxSessionDuration: 43200, trustPolicy: policy });
    return policy;
  };
  /** A signed Response for `role` from the portal of `agent`, checked by the verifiers; → the SAMLResponse and its AuthMethod. */
  const assertion = async (agent: supertest.Agent, csrf: string, role: string) => {
    const res = await agent.post('/aws/console').type('form').send({ _csrf: csrf, role: `${ACCOUNT}/${role}` });
    assert.equal(res.status, 200, res.text.slice(0, 300));
    const form = parseAutoPost(res.text);
    const profile = await verifyAwsResponse(form, { certificatePem: t.certificatePem, audience: 'urn:amazon:webservices', now: new Date(t.clock.now()) });
    return { samlResponse: form.samlResponse, authMethod: profile[authMethodAttr] };
  };
  /** AssumeRoleWithSAML at the stand-in, as the AWS CLI sends it; → the error code, or 'ok'. */
  const assume = async (role: string, samlResponse: string): Promise<string> => {
    const body = new URLSearchParams({ Action: 'AssumeRoleWithSAML', Version: '2011-06-15', RoleArn: roleArn(role), PrincipalArn: PROVIDER, SAMLAssertion: samlResponse, DurationSeconds: '3600' });
    const res = await fetch(sts.url, { method: 'POST', body });
    const text = await res.text();
    if (res.ok) return 'ok';
    return /<Code>([^<]+)<\/Code>/.exec(text)?.[1] ?? `status ${res.status}`;
  };
  const setMapping = async (group: string, role: string, requireFactor: string | null) => {
    const m = (await admin.agent.get(`/api/v1/admin/groups/${group}/mappings`).expect(200)).body.items.find((x: { role: string }) => x.role === role);
    await admin.agent.patch(`/api/v1/admin/groups/${group}/mappings/${m.id}`).set('x-csrf-token', admin.csrf).send({ requireFactor }).expect(200);
  };

  before(async () => {
    t = await startSamlApp();
    admin = await signInAdmin(t, 'root', 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    // kim enrolls a security key at her first sign-in, through the real pages.
    await createTestUser(t.ctx, { username: 'kim', groups: ['platform-admins'] });
    const key = createSoftAuthenticator({ rpId: 'localhost', origin: t.url });
    kim = supertest.agent(t.app.server);
    assert.equal((await submitPassword(kim, { username: 'kim', password: TEST_PASSWORD })).status, 303);
    const page = await kim.get('/login/enroll/webauthn').expect(200);
    const options = await kim.post('/login/enroll/webauthn/options').set(json).set('x-csrf-token', csrfFrom(page.text)).send({}).expect(200);
    await kim.post('/login/enroll/webauthn/verify').set(json).set('x-csrf-token', csrfFrom(page.text)).send({ response: key.register(options.body), name: 'Key' }).expect(200);
    const codes = await kim.get('/login/recovery-codes').expect(200);
    await kim.post('/login/recovery-codes').type('form').send({ _csrf: csrfFrom(codes.text) }).expect(303);
    kimCsrf = csrfFrom((await kim.get('/account').expect(200)).text);
    sts = await startStsStandIn({
      providers: [{ arn: PROVIDER, entityId: t.ctx.config.saml.entityId, certificates: [t.certificatePem] }],
      roles: iamRoles, now: () => new Date(t.clock.now()),
    });
  });
  after(async () => {
    await sts?.close();
    await t?.close();
  });

  it('Admin requires a security key: IAM accepts kim\'s key sign-in', async () => {
    const policy = await paste('Admin');
    assert.deepEqual(policy.Statement[1]?.Condition, { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml', 'aws:RequestTag/AuthMethod': ['webauthn'] } });
    const a = await assertion(kim, kimCsrf, 'Admin');
    assert.equal(a.authMethod, 'webauthn');
    assert.equal(await assume('Admin', a.samlResponse), 'ok');
  });

  it('the mapping weakened in Gatehouse: Gatehouse now signs Admin for a TOTP sign-in, and IAM still refuses it', async () => {
    // Before the change Gatehouse itself refuses alice (TOTP) the role.
    const refused = await t.agent.post('/aws/console').type('form').send({ _csrf: t.csrf, role: `${ACCOUNT}/Admin` });
    assert.equal(refused.status, 403);
    await setMapping('platform-admins', 'Admin', null);
    const a = await assertion(t.agent, t.csrf, 'Admin');
    assert.equal(a.authMethod, 'totp');
    assert.equal(await assume('Admin', a.samlResponse), 'AccessDenied', 'the pasted policy checks the factor');
    assert.equal(sts.calls.at(-1)?.code, 'AccessDenied');
    // The key sign-in still works with the old policy.
    assert.equal(await assume('Admin', (await assertion(kim, kimCsrf, 'Admin')).samlResponse), 'ok');
    // Gatehouse's policy for Admin no longer checks the factor; only once an admin pastes it does IAM accept TOTP.
    const weaker = await paste('Admin');
    assert.equal(weaker.Statement.length, 1);
    assert.equal(await assume('Admin', (await assertion(t.agent, t.csrf, 'Admin')).samlResponse), 'ok');
    await setMapping('platform-admins', 'Admin', 'webauthn');
  });

  it('a role that requires TOTP accepts TOTP and a security key, and refuses a recovery code', async () => {
    await setMapping('platform-admins', 'ReadOnly', 'totp');
    const policy = await paste('ReadOnly');
    assert.deepEqual(policy.Statement[1]?.Condition?.StringEquals?.['aws:RequestTag/AuthMethod'], ['totp', 'webauthn']);
    assert.equal(await assume('ReadOnly', (await assertion(t.agent, t.csrf, 'ReadOnly')).samlResponse), 'ok');
    assert.equal(await assume('ReadOnly', (await assertion(kim, kimCsrf, 'ReadOnly')).samlResponse), 'ok');

    // A recovery-code sign-in: Gatehouse refuses it the role; weakened, Gatehouse signs it and IAM refuses.
    const alice = (await t.ctx.store.users.findByUsername('alice'))!;
    const [code] = await issueRecoveryCodes(t.ctx, alice.id);
    const r = supertest.agent(t.app.server);
    await submitPassword(r, { username: 'alice', password: TEST_PASSWORD });
    const mfa = await r.get('/login/mfa?factor=recovery').expect(200);
    await r.post('/login/recovery').type('form').send({ _csrf: csrfFrom(mfa.text), code }).expect(303);
    const rCsrf = csrfFrom((await r.get('/account').expect(200)).text);
    assert.equal((await r.post('/aws/console').type('form').send({ _csrf: rCsrf, role: `${ACCOUNT}/ReadOnly` })).status, 403);
    await setMapping('platform-admins', 'ReadOnly', null);
    const a = await assertion(r, rCsrf, 'ReadOnly');
    assert.equal(a.authMethod, 'recovery');
    assert.equal(await assume('ReadOnly', a.samlResponse), 'AccessDenied');
  });
});

describe('the STS stand-in evaluates trust policies as IAM does', () => {
  const p = 'arn:aws:iam::111122223333:saml-provider/G';
  const ctx = (entries: Record<string, string[]>) => new Map(Object.entries(entries));
  const policy = (statements: IamPolicy['Statement']): IamPolicy => ({ Statement: statements });
  const allowTag = (cond: Record<string, Record<string, string | string[]>>) => ({ Effect: 'Allow', Principal: { Federated: p }, Action: 'sts:TagSession', Condition: cond });

  it('StringEquals: the key must be there and have one of the values; keys of one operator are AND-ed', () => {
    const pol = policy([allowTag({ StringEquals: { 'aws:RequestTag/AuthMethod': ['totp', 'webauthn'], 'SAML:aud': 'x' } })]);
    assert.equal(trustPolicyAllows(pol, p, 'sts:TagSession', ctx({ 'aws:requesttag/authmethod': ['webauthn'], 'saml:aud': ['x'] })), true);
    assert.equal(trustPolicyAllows(pol, p, 'sts:TagSession', ctx({ 'aws:requesttag/authmethod': ['recovery'], 'saml:aud': ['x'] })), false);
    assert.equal(trustPolicyAllows(pol, p, 'sts:TagSession', ctx({ 'saml:aud': ['x'] })), false, 'a missing tag fails StringEquals');
    assert.equal(trustPolicyAllows(pol, p, 'sts:TagSession', ctx({ 'aws:requesttag/authmethod': ['totp'], 'saml:aud': ['y'] })), false);
  });

  it('the principal and the action must match; an explicit Deny wins; StringLike, Null and ForAllValues', () => {
    const pol = policy([allowTag({})]);
    assert.equal(trustPolicyAllows(pol, 'arn:aws:iam::111122223333:saml-provider/Other', 'sts:TagSession', ctx({})), false);
    assert.equal(trustPolicyAllows(pol, p, 'sts:AssumeRoleWithSAML', ctx({})), false);
    const deny = policy([allowTag({}), { Effect: 'Deny', Principal: { Federated: p }, Action: 'sts:*', Condition: { StringLike: { 'aws:RequestTag/AuthMethod': 'rec*' } } }]);
    assert.equal(trustPolicyAllows(deny, p, 'sts:TagSession', ctx({ 'aws:requesttag/authmethod': ['recovery'] })), false);
    assert.equal(trustPolicyAllows(deny, p, 'sts:TagSession', ctx({ 'aws:requesttag/authmethod': ['totp'] })), true);
    const nul = policy([allowTag({ Null: { 'aws:RequestTag/AuthMethod': 'false' } })]);
    assert.equal(trustPolicyAllows(nul, p, 'sts:TagSession', ctx({})), false);
    assert.equal(trustPolicyAllows(nul, p, 'sts:TagSession', ctx({ 'aws:requesttag/authmethod': ['totp'] })), true);
    const all = policy([allowTag({ 'ForAllValues:StringEquals': { 'sts:TransitiveTagKeys': ['CostCenter'] } })]);
    assert.equal(trustPolicyAllows(all, p, 'sts:TagSession', ctx({ 'sts:transitivetagkeys': ['CostCenter', 'Team'] })), false);
    assert.equal(trustPolicyAllows(all, p, 'sts:TagSession', ctx({})), true, 'ForAllValues holds for no values');
    assert.throws(() => trustPolicyAllows(policy([allowTag({ DateGreaterThan: { 'aws:CurrentTime': 'x' } })]), p, 'sts:TagSession', ctx({})), /does not evaluate/);
  });
});
