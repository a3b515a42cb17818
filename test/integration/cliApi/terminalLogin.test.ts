// The CLI API's terminal login (password + TOTP through the same login flow, lockout and audit as the browser) and
// what its bearer token may do: who am I, my roles, signed Responses (through the AWS lint and the audit log with
// client: cli), log out. Refusals (after logout, person disabled, expired) are audited.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { bothDatabases } from '../../helpers/databases.js';
import { BOB_TOTP_SECRET, getWithToken, postJson, startCliApp, terminalLogin } from '../../helpers/cliApi.js';
import { cookieSet, totpCode } from '../../helpers/login.js';
import { TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { verifyAwsResponse } from '../../helpers/verifySamlResponse.js';
import type { TestApp } from '../../helpers/app.js';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');
const attr = (profile: Record<string, unknown>, name: string): string[] => {
  const v = profile[`https://aws.amazon.com/SAML/Attributes/${name}`];
  return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
};

for (const db of bothDatabases) describe(`CLI API: terminal login and bearer token (${db})`, () => {
  let t: TestApp & { certificatePem: string };
  let token: string;
  before(async () => { t = await startCliApp({ db }); });
  after(async () => { await t.close(); });

  const alice = () => terminalLogin(t.app, { username: 'alice', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
  const lastEvent = async (type: string) => (await t.ctx.store.audit.list({ type, limit: 1 }))[0];

  it('password + TOTP → a CLI session bound to the person and the factor, 8 h (shorter than the browser), stored hashed', async () => {
    const grant = await alice();
    token = grant.accessToken;
    assert.match(token, /^gatehouse_cli_[A-Za-z0-9_-]{43}$/);
    assert.deepEqual({ ...grant, accessToken: undefined }, {
      accessToken: undefined, tokenType: 'Bearer', username: 'alice', factor: 'totp', expiresAt: new Date(t.clock.now() + 8 * 3600_000).toISOString(),
    });
    const row = await t.ctx.store.cliTokens.find(sha256(token));
    assert.equal(row?.via, 'terminal');
    assert.equal(row?.clientName, 'laptop-7');
    assert.equal(await t.ctx.store.cliTokens.find(token), undefined, 'the token itself is not a key');
    const me = await getWithToken(t.app, '/api/v1/cli/me', token);
    assert.equal(me.statusCode, 200);
    assert.deepEqual(me.json(), { username: 'alice', displayName: 'Alice Example', factor: 'totp', expiresAt: grant.expiresAt });
    const ev = await lastEvent('cli.token');
    assert.deepEqual([ev?.outcome, ev?.username, ev?.factor, ev?.deviceName], ['success', 'alice', 'totp', 'phone']);
    assert.deepEqual(ev?.detail, { via: 'terminal', clientName: 'laptop-7', ref: sha256(token).slice(0, 12), expiresAt: Date.parse(grant.expiresAt) });
    assert.equal((await lastEvent('login.mfa'))?.outcome, 'success', 'the factor step is audited as in the browser');
    assert.doesNotMatch(JSON.stringify(await t.ctx.store.audit.list({ limit: 20 })), new RegExp(token.slice('gatehouse_cli_'.length)), 'no token in the audit log');
  });

  it('roles: every mapped role with its ARNs, duration, required factor and whether this token may use it now', async () => {
    const res = await getWithToken(t.app, '/api/v1/cli/roles', token);
    assert.equal(res.statusCode, 200);
    const roles = res.json().roles as Record<string, unknown>[];
    assert.deepEqual(roles.find((r) => r.key === '111122223333/ReadOnly'), {
      key: '111122223333/ReadOnly', accountId: '111122223333', alias: 'prod', partition: 'aws', roleName: 'ReadOnly',
      roleArn: 'arn:aws:iam::111122223333:role/ReadOnly', principalArn: 'arn:aws:iam::111122223333:saml-provider/Gatehouse',
      description: 'via platform-admins', sessionDuration: 7200, requireFactor: null, allowedNow: true, reason: null,
    });
    const admin = roles.find((r) => r.key === '111122223333/Admin');
    assert.deepEqual([admin?.allowedNow, admin?.reason, admin?.requireFactor], [false, 'factor_required', 'webauthn']);
    assert.equal(roles.find((r) => r.key === '777788889999/GovReadOnly')?.roleArn, 'arn:aws-us-gov:iam::777788889999:role/GovReadOnly');
  });

  it('assertions: one signed Response for the roles named by key, ARN or alias/RoleName, verified independently, audited with client cli', async () => {
    const res = await postJson(t.app, '/api/v1/cli/assertions', { roles: ['prod/ReadOnly', 'arn:aws:iam::444455556666:role/Developer'] }, token);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.partition, 'aws');
    assert.equal(body.acsUrl, 'https://signin.aws.amazon.com/saml');
    assert.deepEqual(body.roles, [
      { key: '111122223333/ReadOnly', roleArn: 'arn:aws:iam::111122223333:role/ReadOnly', principalArn: 'arn:aws:iam::111122223333:saml-provider/Gatehouse', sessionDuration: 7200 },
      { key: '444455556666/Developer', roleArn: 'arn:aws:iam::444455556666:role/Developer', principalArn: 'arn:aws:iam::444455556666:saml-provider/Gatehouse', sessionDuration: null },
    ]);
    const xml = Buffer.from(body.samlResponse, 'base64').toString('utf8');
    const profile = await verifyAwsResponse({ action: body.acsUrl, samlResponse: body.samlResponse, xml }, { certificatePem: t.certificatePem, audience: 'urn:amazon:webservices', now: new Date(t.clock.now()) });
    assert.deepEqual(attr(profile, 'Role').sort(), [
      'arn:aws:iam::111122223333:role/ReadOnly,arn:aws:iam::111122223333:saml-provider/Gatehouse',
      'arn:aws:iam::444455556666:role/Developer,arn:aws:iam::444455556666:saml-provider/Gatehouse',
    ]);
    assert.deepEqual(attr(profile, 'RoleSessionName'), ['alice']);
    assert.deepEqual(attr(profile, 'PrincipalTag:AuthMethod'), ['totp']);
    const ev = await lastEvent('saml.assertion');
    assert.deepEqual([ev?.outcome, ev?.username, ev?.factor, (ev?.detail as { client?: string }).client], ['success', 'alice', 'totp', 'cli']);
  });

  it('assertions: a role that needs a security key → 403 mfa_required with requireFactor; unknown role, mixed partitions, bad body refused', async () => {
    const admin = await postJson(t.app, '/api/v1/cli/assertions', { roles: ['prod/Admin'] }, token);
    assert.equal(admin.statusCode, 403);
    assert.equal(admin.json().error.code, 'mfa_required');
    assert.deepEqual(admin.json().error.detail, { requireFactor: 'webauthn' });
    const unknown = await postJson(t.app, '/api/v1/cli/assertions', { roles: ['prod/NotMine'] }, token);
    assert.deepEqual([unknown.statusCode, unknown.json().error.code], [403, 'role_not_allowed']);
    const mixed = await postJson(t.app, '/api/v1/cli/assertions', { roles: ['prod/ReadOnly', 'gov/GovReadOnly'] }, token);
    assert.deepEqual([mixed.statusCode, mixed.json().error.code], [400, 'bad_request']);
    for (const [body, field] of [[{}, 'roles'], [{ roles: 'prod/ReadOnly' }, 'roles'], [{ roles: [] }, 'roles'], [{ roles: [42] }, 'roles.0'], [{ roles: ['x'.repeat(601)] }, 'roles.0'], [{ roles: Array(51).fill('prod/ReadOnly') }, 'roles']] as const) {
      const r = await postJson(t.app, '/api/v1/cli/assertions', body, token);
      assert.equal(r.statusCode, 400, JSON.stringify(body));
      assert.equal(r.json().error.code, 'validation_failed');
      assert.ok((r.json().error.message as string).startsWith(`${field}:`), r.json().error.message);
    }
  });

  it('assertions: an AWS rule broken by the mapping is a 422 aws_lint_failed naming the violation, audited with client cli, nothing signed', async () => {
    const aliceUser = (await t.ctx.store.users.findByUsername('alice'))!;
    await t.ctx.store.users.update(aliceUser.id, { attributes: { CostCenter: 'CC#1234' } }, t.clock.now());
    try {
      const res = await postJson(t.app, '/api/v1/cli/assertions', { roles: ['prod/ReadOnly'] }, token);
      assert.equal(res.statusCode, 422, res.body);
      assert.equal(res.json().error.code, 'aws_lint_failed');
      assert.match(JSON.stringify(res.json().error.detail), /CostCenter/);
      assert.equal(res.json().samlResponse, undefined);
      const ev = await lastEvent('saml.assertion');
      assert.deepEqual([ev?.outcome, ev?.reason, (ev?.detail as { client?: string }).client], ['failure', 'aws_lint_failed', 'cli']);
    } finally {
      await t.ctx.store.users.update(aliceUser.id, { attributes: { CostCenter: 'CC-1234' } }, t.clock.now());
    }
  });

  it('wrong password and wrong code: 401 with the generic or the factor\'s message; a wrong code leaves the flow usable', async () => {
    t.clock.advance(30_000);
    const start = await postJson(t.app, '/api/v1/cli/flows', { clientName: 'laptop-7' });
    const bad = await postJson(t.app, '/api/v1/cli/flows/password', { flowToken: start.json().flowToken, username: 'alice', password: 'wrong password here' });
    assert.deepEqual([bad.statusCode, bad.json().error.code, bad.json().error.message], [401, 'invalid_credentials', 'Incorrect username, password or code.']);
    const nobody = await postJson(t.app, '/api/v1/cli/flows/password', { flowToken: start.json().flowToken, username: 'nobody', password: 'wrong password here' });
    assert.deepEqual([nobody.statusCode, nobody.json().error.message], [401, 'Incorrect username, password or code.']);
    const pw = await postJson(t.app, '/api/v1/cli/flows/password', { flowToken: start.json().flowToken, username: 'alice@example.com', password: TEST_PASSWORD });
    assert.deepEqual(pw.json().factors, ['totp']);
    const wrongCode = await postJson(t.app, '/api/v1/cli/flows/totp', { flowToken: pw.json().flowToken, code: '000000' === totpCode(TEST_TOTP_SECRET, t.clock.now()) ? '111111' : '000000' });
    assert.deepEqual([wrongCode.statusCode, wrongCode.json().error.code], [401, 'factor_rejected']);
    const done = await postJson(t.app, '/api/v1/cli/flows/totp', { flowToken: pw.json().flowToken, code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
    assert.equal(done.statusCode, 200, done.body);
    const replay = await postJson(t.app, '/api/v1/cli/flows/totp', { flowToken: pw.json().flowToken, code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
    assert.deepEqual([replay.statusCode, replay.json().error.code], [400, 'flow_invalid'], 'a finished flow is gone');
  });

  it('lockout as in the browser: after lockout.backoffAfter failures, 429 too_many_attempts with Retry-After, audited', async () => {
    for (let i = 0; i < 5; i++) {
      const start = await postJson(t.app, '/api/v1/cli/flows', { clientName: 'laptop-7' });
      const r = await postJson(t.app, '/api/v1/cli/flows/password', { flowToken: start.json().flowToken, username: 'bob', password: `wrong ${i} password` });
      assert.equal(r.statusCode, 401);
    }
    const start = await postJson(t.app, '/api/v1/cli/flows', { clientName: 'laptop-7' });
    const r = await postJson(t.app, '/api/v1/cli/flows/password', { flowToken: start.json().flowToken, username: 'bob', password: TEST_PASSWORD });
    assert.deepEqual([r.statusCode, r.json().error.code], [429, 'too_many_attempts']);
    assert.match(String(r.headers['retry-after']), /^\d+$/);
    const ev = await lastEvent('login.password');
    assert.deepEqual([ev?.username, ev?.reason], ['bob', 'backoff']);
    await t.ctx.store.throttles.clear('user:bob');
    await t.ctx.store.throttles.clear('ip:127.0.0.1');
  });

  it('flows: an expired one is 410 flow_expired; a browser flow cannot be driven through the API', async () => {
    const start = await postJson(t.app, '/api/v1/cli/flows', { clientName: 'laptop-7' });
    t.clock.advance(16 * 60_000);
    const late = await postJson(t.app, '/api/v1/cli/flows/password', { flowToken: start.json().flowToken, username: 'alice', password: TEST_PASSWORD });
    assert.deepEqual([late.statusCode, late.json().error.code], [410, 'flow_expired']);
    const page = await t.app.inject({ method: 'GET', url: '/login' });
    const browserFlow = cookieSet(page, 'gatehouse_flow');
    assert.ok(browserFlow);
    const r = await postJson(t.app, '/api/v1/cli/flows/password', { flowToken: browserFlow, username: 'alice', password: TEST_PASSWORD });
    assert.deepEqual([r.statusCode, r.json().error.code], [400, 'flow_invalid']);
  });

  it('logout revokes the token: 204, then 401 session_required for it, audited as revoked', async () => {
    const out = await t.app.inject({ method: 'POST', url: '/api/v1/cli/logout', headers: { authorization: `Bearer ${token}` } });
    assert.equal(out.statusCode, 204);
    assert.equal((await lastEvent('cli.logout'))?.username, 'alice');
    for (const [method, url] of [['GET', '/api/v1/cli/me'], ['GET', '/api/v1/cli/roles'], ['POST', '/api/v1/cli/assertions'], ['POST', '/api/v1/cli/logout']] as const) {
      const r = method === 'GET' ? await getWithToken(t.app, url, token) : await postJson(t.app, url, { roles: ['prod/ReadOnly'] }, token);
      assert.deepEqual([r.statusCode, r.json().error.code], [401, 'session_required'], url);
    }
    const ev = await lastEvent('cli.session_refused');
    assert.deepEqual([ev?.outcome, ev?.reason, ev?.username, (ev?.detail as { ref: string }).ref], ['failure', 'revoked', 'alice', sha256(token).slice(0, 12)]);
  });

  it('a disabled person: every CLI session refused at once and audited, and still refused after enabling again', async () => {
    t.clock.advance(30_000);
    const grant = await alice();
    const aliceUser = (await t.ctx.store.users.findByUsername('alice'))!;
    await t.ctx.store.users.update(aliceUser.id, { status: 'disabled' }, t.clock.now());
    const r = await getWithToken(t.app, '/api/v1/cli/me', grant.accessToken);
    assert.deepEqual([r.statusCode, r.json().error.code], [401, 'session_required']);
    const ev = await lastEvent('cli.session_refused');
    assert.deepEqual([ev?.reason, ev?.username], ['disabled', 'alice']);
    const a = await postJson(t.app, '/api/v1/cli/assertions', { roles: ['prod/ReadOnly'] }, grant.accessToken);
    assert.equal(a.statusCode, 401);
    await t.ctx.store.users.update(aliceUser.id, { status: 'active' }, t.clock.now());
    const again = await getWithToken(t.app, '/api/v1/cli/me', grant.accessToken);
    assert.equal(again.statusCode, 401, 'enabling the person does not bring the token back');
    assert.equal((await lastEvent('cli.session_refused'))?.reason, 'revoked');
  });

  it('an expired token is refused and audited; garbage tokens are 401 without a 500', async () => {
    t.clock.advance(30_000);
    const grant = await terminalLogin(t.app, { username: 'bob', password: TEST_PASSWORD, secret: BOB_TOTP_SECRET, now: t.clock.now() });
    t.clock.advance(8 * 3600_000);
    const r = await getWithToken(t.app, '/api/v1/cli/me', grant.accessToken);
    assert.equal(r.statusCode, 401);
    assert.deepEqual([(await lastEvent('cli.session_refused'))?.reason, (await lastEvent('cli.session_refused'))?.username], ['expired', 'bob']);
    for (const h of ['Bearer', 'Bearer ', 'Basic abc', `Bearer ${'x'.repeat(5000)}`, 'Bearer gatehouse_cli_short', `Bearer ${grant.accessToken}x`]) {
      const g = await t.app.inject({ method: 'GET', url: '/api/v1/cli/me', headers: { authorization: h } });
      assert.deepEqual([g.statusCode, g.json().error.code], [401, 'session_required'], h.slice(0, 40));
    }
    const none = await t.app.inject({ method: 'GET', url: '/api/v1/cli/me' });
    assert.equal(none.statusCode, 401);
  });

  it('bad input to the login steps is a 400 naming the field, never a 500', async () => {
    const cases: [string, unknown, string][] = [
      ['/api/v1/cli/flows', {}, 'clientName'],
      ['/api/v1/cli/flows', { clientName: '' }, 'clientName'],
      ['/api/v1/cli/flows', { clientName: 'x'.repeat(65) }, 'clientName'],
      ['/api/v1/cli/flows', { clientName: 'evil\u202eexe' }, 'clientName'],
      ['/api/v1/cli/flows', { clientName: ['a', 'b'] }, 'clientName'],
      ['/api/v1/cli/flows/password', { username: 'alice', password: 'x' }, 'flowToken'],
      ['/api/v1/cli/flows/password', { flowToken: 'x', username: 'a'.repeat(321), password: 'x' }, 'username'],
      ['/api/v1/cli/flows/totp', { flowToken: 'x', code: 123456 }, 'code'],
      ['/api/v1/cli/flows/recovery', { flowToken: 'x'.repeat(65), code: 'x' }, 'flowToken'],
      ['/api/v1/cli/device', { clientName: 'a\u0000b' }, 'clientName'],
    ];
    for (const [url, body, field] of cases) {
      const r = await postJson(t.app, url, body);
      assert.equal(r.statusCode, 400, `${url} ${JSON.stringify(body)}: ${r.body}`);
      assert.equal(r.json().error.code, 'validation_failed');
      assert.ok((r.json().error.message as string).startsWith(`${field}:`), r.json().error.message);
    }
    const notJson = await t.app.inject({ method: 'POST', url: '/api/v1/cli/flows', headers: { 'content-type': 'application/json' }, payload: '{"clientName":' });
    assert.equal(notJson.statusCode, 400);
  });
});
