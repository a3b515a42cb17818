// PrincipalTag:AuthMethod comes from the facts of the factor that completed the session (src/auth/factors.ts):
// a recovery-code sign-in says `recovery` and meets no role requirement, and a session whose completing factor
// is not a second factor gets no AWS assertion at all (it used to be stamped `totp`).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { issueRecoveryCodes } from '../../../src/auth/devices.js';
import { hashToken, newToken } from '../../../src/auth/tokens.js';
import { cookieName } from '../../../src/http/session.js';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { parseAutoPost, verifyAwsResponse } from '../../helpers/verifySamlResponse.js';
import { csrfFrom, submitPassword } from '../../helpers/login.js';
import { TEST_PASSWORD } from '../../helpers/users.js';

const authMethodAttr = 'https://aws.amazon.com/SAML/Attributes/PrincipalTag:AuthMethod';

for (const db of ['sqlite', 'postgres'] as const) describe(`AuthMethod from the factor facts (${db})`, () => {
  let t: SamlTestApp;
  before(async () => { t = await startSamlApp({ db }); });
  after(async () => { await t.close(); });

  it('a recovery-code sign-in is sent as AuthMethod=recovery, and a role that needs a security key stays refused', async () => {
    const alice = (await t.ctx.store.users.findByUsername('alice'))!;
    const [code] = await issueRecoveryCodes(t.ctx, alice.id);
    const agent = supertest.agent(t.app.server);
    const pw = await submitPassword(agent, { username: 'alice', password: TEST_PASSWORD });
    assert.equal(pw.headers.location, '/login/mfa');
    const mfa = await agent.get('/login/mfa?factor=recovery').expect(200);
    await agent.post('/login/recovery').type('form').send({ _csrf: csrfFrom(mfa.text), code }).expect(303);
    const csrf = csrfFrom((await agent.get('/account').expect(200)).text);

    const res = await agent.post('/aws/console').type('form').send({ _csrf: csrf, role: '111122223333/ReadOnly' }).expect(200);
    const profile = await verifyAwsResponse(parseAutoPost(res.text), { certificatePem: t.certificatePem, audience: 'urn:amazon:webservices', now: new Date(t.clock.now()) });
    assert.equal(profile[authMethodAttr], 'recovery');

    const refused = await agent.post('/aws/console').type('form').send({ _csrf: csrf, role: '111122223333/Admin' });
    assert.equal(refused.status, 403);
    assert.match(refused.text, /needs your security key/);
  });

  it('a session without a completing second factor gets no assertion (mfa_required), never AuthMethod=totp', async () => {
    const alice = (await t.ctx.store.users.findByUsername('alice'))!;
    const sid = newToken();
    const csrf = newToken(24);
    const now = t.clock.now();
    // A row as a damaged or older writer might leave it: factors done, but no factor recorded as completing it.
    await t.ctx.store.sessions.create({ idHash: hashToken(sid), userId: alice.id, factors: ['password', 'totp'], authMethod: null, deviceId: null, csrf, createdAt: now, lastSeenAt: now, expiresAt: now + 3600_000 });
    const res = await supertest(t.app.server).post('/aws/console').set('cookie', `${cookieName(t.ctx, t.ctx.config.session.cookieName)}=${sid}`)
      .type('form').send({ _csrf: csrf, role: '111122223333/ReadOnly' });
    assert.equal(res.status, 403);
    assert.doesNotMatch(res.text, /SAMLResponse/);
    const audit = await t.ctx.store.audit.list({ type: 'saml.assertion' });
    assert.ok(audit.every((e) => e.factor !== null), 'no assertion was issued for the session without a factor');
  });
});
