// IdP-initiated sign-in to the AWS console: every assertion verified by our AWS check, node-saml and xmlsec1.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { parseAutoPost, verifyAwsResponse } from '../../helpers/verifySamlResponse.js';
import { csrfFrom } from '../../helpers/login.js';

const attr = (name: string) => `https://aws.amazon.com/SAML/Attributes/${name}`;
const values = (profile: Record<string, unknown>, name: string): string[] => {
  const v = profile[attr(name)];
  return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
};

for (const db of ['sqlite', 'postgres'] as const) describe(`AWS console sign-in (IdP-initiated, ${db})`, () => {
  let t: SamlTestApp;
  before(async () => { t = await startSamlApp({ db }); });
  after(async () => { await t.close(); });

  const open = (form: Record<string, string>) => t.agent.post('/aws/console').type('form').send({ _csrf: t.csrf, ...form });

  it('portal lists accounts and roles; the role that needs a security key offers to add one (alice has none)', async () => {
    const page = await t.agent.get('/').expect(200);
    for (const s of ['prod', 'staging', 'gov', 'china', 'ReadOnly', 'Developer', 'GovReadOnly', '111122223333']) assert.match(page.text, new RegExp(s));
    assert.match(page.text, /href="\/account\?add=webauthn&amp;return_to=%2F#add-device"[^>]*>Add a security key</);
    assert.doesNotMatch(page.text, /\/login\/step-up/, 'no step-up that cannot succeed');
    assert.match(page.text, /Choose a role at AWS/);
    assert.doesNotMatch(page.text, /name="role" value="111122223333\/Admin"/);
  });

  it('one role: signed assertion to the global ACS with roles, tags, source identity, duration and factor', async () => {
    const res = await open({ role: '111122223333/ReadOnly' }).expect(200);
    assert.match(res.headers['content-security-policy'] as string, /form-action 'self' https:\/\/signin\.aws\.amazon\.com https:/);
    const form = parseAutoPost(res.text);
    assert.equal(form.action, 'https://signin.aws.amazon.com/saml');
    const profile = await verifyAwsResponse(form, { certificatePem: t.certificatePem, audience: 'urn:amazon:webservices', now: new Date(t.clock.now()) });
    assert.deepEqual(values(profile, 'Role'), ['arn:aws:iam::111122223333:role/ReadOnly,arn:aws:iam::111122223333:saml-provider/Gatehouse']);
    assert.deepEqual(values(profile, 'RoleSessionName'), ['alice']);
    assert.deepEqual(values(profile, 'SourceIdentity'), ['alice']);
    assert.deepEqual(values(profile, 'SessionDuration'), ['7200']);
    assert.deepEqual(values(profile, 'PrincipalTag:CostCenter'), ['CC-1234']);
    assert.deepEqual(values(profile, 'PrincipalTag:Team'), ['platform']);
    assert.deepEqual(values(profile, 'PrincipalTag:AuthMethod'), ['totp']);
    assert.deepEqual(values(profile, 'TransitiveTagKeys'), ['CostCenter']);
    assert.doesNotMatch(form.xml, /InResponseTo/);
    const audit = await t.ctx.store.audit.list({ type: 'saml.assertion' });
    assert.equal(audit[0]?.outcome, 'success');
    assert.equal(audit[0]?.deviceName, 'phone');
    assert.equal(audit[0]?.factor, 'totp');
    assert.deepEqual((audit[0]?.detail as { roles: string[] }).roles, values(profile, 'Role'));
    assert.match(String((audit[0]?.detail as { assertionId: string }).assertionId), /^_[0-9a-f]{40}$/);
  });

  it('a regional account goes to its regional ACS', async () => {
    const form = parseAutoPost((await open({ role: '444455556666/Developer' }).expect(200)).text);
    assert.equal(form.action, 'https://eu-west-1.signin.aws.amazon.com/saml');
    await verifyAwsResponse(form, { certificatePem: t.certificatePem, audience: 'urn:amazon:webservices', now: new Date(t.clock.now()) });
  });

  it('GovCloud and China: their ACS, audience and ARN partition', async () => {
    const gov = parseAutoPost((await open({ role: '777788889999/GovReadOnly' }).expect(200)).text);
    assert.equal(gov.action, 'https://signin.amazonaws-us-gov.com/saml');
    const gp = await verifyAwsResponse(gov, { certificatePem: t.certificatePem, audience: 'urn:amazon:webservices:govcloud', now: new Date(t.clock.now()) });
    assert.deepEqual(values(gp, 'Role'), ['arn:aws-us-gov:iam::777788889999:role/GovReadOnly,arn:aws-us-gov:iam::777788889999:saml-provider/GatehouseGov']);
    const cn = parseAutoPost((await open({ role: '123412341234/CnReadOnly' }).expect(200)).text);
    assert.equal(cn.action, 'https://signin.amazonaws.cn/saml');
    const cp = await verifyAwsResponse(cn, { certificatePem: t.certificatePem, audience: 'urn:amazon:webservices:cn-north-1', now: new Date(t.clock.now()) });
    assert.match(values(cp, 'Role')[0] ?? '', /^arn:aws-cn:iam::123412341234:role\/CnReadOnly,/);
  });

  it('"choose at AWS": every role allowed now in the partition, across accounts, shortest duration', async () => {
    const form = parseAutoPost((await open({ choose: 'aws' }).expect(200)).text);
    const p = await verifyAwsResponse(form, { certificatePem: t.certificatePem, audience: 'urn:amazon:webservices', now: new Date(t.clock.now()) });
    assert.deepEqual(values(p, 'Role').map((r) => r.split(',')[0]).sort(), ['arn:aws:iam::111122223333:role/ReadOnly', 'arn:aws:iam::444455556666:role/Developer']);
    assert.deepEqual(values(p, 'SessionDuration'), ['7200']);
    assert.equal(form.action, 'https://signin.aws.amazon.com/saml');
  });

  it('a role that needs a security key is refused after TOTP (step-up first), and an unmapped role is refused', async () => {
    const r = await open({ role: '111122223333/Admin' }).expect(403);
    assert.match(r.text, /security key/);
    await open({ role: '111122223333/NotMine' }).expect(403);
  });

  it('RelayState: console deep links pass, anything else is refused', async () => {
    const ok = parseAutoPost((await open({ role: '111122223333/ReadOnly', relay_state: 'https://console.aws.amazon.com/ec2/home?region=eu-west-1' }).expect(200)).text);
    assert.equal(ok.relayState, 'https://console.aws.amazon.com/ec2/home?region=eu-west-1');
    await open({ role: '111122223333/ReadOnly', relay_state: 'https://evil.example.com/' }).expect(400);
  });

  it('GET /aws/console?role= shows a confirmation with a CSRF-protected form and signs nothing', async () => {
    const before = (await t.ctx.store.audit.list({ type: 'saml.assertion' })).length;
    const page = await t.agent.get('/aws/console?role=111122223333%2FReadOnly').expect(200);
    assert.match(page.text, /Continue to AWS/);
    assert.equal(csrfFrom(page.text), t.csrf);
    assert.equal((await t.ctx.store.audit.list({ type: 'saml.assertion' })).length, before);
  });

  it('refuses without CSRF; a signed-out browser is sent to sign in (GET) or told to (POST)', async () => {
    await t.agent.post('/aws/console').type('form').send({ role: '111122223333/ReadOnly' }).expect(403);
    const anon = await t.app.inject({ method: 'POST', url: '/aws/console', payload: 'role=111122223333%2FReadOnly', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(anon.statusCode, 401);
    assert.match(anon.body, /session_required/);
    assert.match(anon.body, /href="\/login"/);
    const get = await t.app.inject({ method: 'GET', url: '/aws/console?role=111122223333%2FReadOnly' });
    assert.equal(get.statusCode, 303);
    assert.equal(get.headers.location, '/login?return_to=%2Faws%2Fconsole%3Frole%3D111122223333%252FReadOnly');
  });
});
