/**
 * Issue 7, point 5: /saml/resume answered the same pending AuthnRequest again and again for 15 minutes. A
 * pending request is now answered once, on any node (an atomic consume in the store, keyed by SP and request
 * ID): a second resume, sequential or concurrent, is `saml_request_replayed` and mints no assertion.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { parseAutoPost, verifyWithNodeSaml } from '../../helpers/verifySamlResponse.js';
import { csrfFrom, loginWithTotp, totpCode } from '../../helpers/login.js';
import { createTestUser, TEST_PASSWORD, type TestUser } from '../../helpers/users.js';
import { EXAMPLE_ACS, EXAMPLE_SP, exampleAuthnRequest, ssoPath } from '../../helpers/authnRequests.js';
import { genericSpMetadata } from '../../unit/saml/spFixtures.js';
import { registerServiceProvider } from '../../../src/directory/registerServiceProvider.js';

for (const db of ['sqlite', 'postgres'] as const) describe(`a pending AuthnRequest is answered once (${db})`, () => {
  let t: SamlTestApp;
  let bob: TestUser;
  before(async () => {
    t = await startSamlApp({ db, listen: true });
    await registerServiceProvider(t.ctx, { metadataXml: genericSpMetadata(), name: 'Example SP' });
    bob = await createTestUser(t.ctx, { username: 'bob', email: 'bob@example.com', totpSecret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' });
  });
  after(async () => { await t.close(); });

  const assertionsFor = async (userId: string, inResponseTo: string) =>
    (await t.ctx.store.audit.list({ type: 'saml.assertion' })).filter((e) => e.userId === userId && (e.detail as { inResponseTo?: string }).inResponseTo === inResponseTo);

  /** A signed-out browser sends an AuthnRequest, signs in as bob, and holds the resume link. */
  async function pendingResume(id: string, o: { nextTotpStep: boolean }) {
    const agent = supertest.agent(t.app.server);
    const first = await agent.get(ssoPath(exampleAuthnRequest(t.url, t.clock.now(), { id }), 'rs-1')).expect(303);
    const returnTo = new URL(first.headers.location as string, t.url).searchParams.get('return_to')!;
    assert.match(returnTo, /^\/saml\/resume\?r=/);
    if (o.nextTotpStep) t.clock.advance(30_000);
    const { location } = await loginWithTotp(agent, { username: 'bob', password: TEST_PASSWORD, secret: bob.secret!, now: t.clock.now(), returnTo });
    assert.equal(location, returnTo);
    return { agent, returnTo };
  }

  it('the first resume gets the Response; the same link again is refused and mints nothing', async () => {
    const { agent, returnTo } = await pendingResume('_resume-once-1', { nextTotpStep: false }); // bob's first sign-in: node-saml checks against the real time
    const res = await agent.get(returnTo).expect(200);
    const form = parseAutoPost(res.text);
    assert.equal(form.action, EXAMPLE_ACS);
    assert.equal(form.relayState, 'rs-1');
    const profile = await verifyWithNodeSaml(form, { certificatePem: t.certificatePem, audience: EXAMPLE_SP });
    assert.equal(profile.nameID, bob.user.id);

    const again = await agent.get(returnTo).set('accept', 'application/json').expect(400);
    assert.equal(again.body.error.code, 'saml_request_replayed');
    assert.match(again.body.error.message, /already answered/);
    // later in the link's lifetime, and from another signed-in browser: still refused
    t.clock.advance(10 * 60_000);
    const other = await t.agent.get(returnTo).set('accept', 'application/json').expect(400);
    assert.equal(other.body.error.code, 'saml_request_replayed');
    assert.equal((await assertionsFor(bob.user.id, '_resume-once-1')).length, 1);
  });

  it('200 concurrent resumes of one link over real sockets: exactly one Response', async () => {
    const { agent, returnTo } = await pendingResume('_resume-once-2', { nextTotpStep: true });
    const results = await Promise.all(Array.from({ length: 200 }, () => agent.get(returnTo).set('accept', 'application/json')));
    const statuses = results.map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, ...Array(199).fill(400)]);
    for (const r of results.filter((x) => x.status === 400)) assert.equal(r.body.error.code, 'saml_request_replayed');
    assert.equal((await assertionsFor(bob.user.id, '_resume-once-2')).length, 1);
  });

  it('a resume that only sends the person to sign in again (ForceAuthn) does not use the request up', async () => {
    const agent = supertest.agent(t.app.server);
    t.clock.advance(30_000);
    await loginWithTotp(agent, { username: 'bob', password: TEST_PASSWORD, secret: bob.secret!, now: t.clock.now() });
    t.clock.advance(1000);
    const first = await agent.get(ssoPath(exampleAuthnRequest(t.url, t.clock.now(), { id: '_resume-once-3', force: true }))).expect(303);
    const returnTo = new URL(first.headers.location as string, t.url).searchParams.get('return_to')!;
    // the old session is not fresh enough: back to sign-in with force=1, nothing answered yet
    const again = (await agent.get(returnTo).expect(303)).headers.location as string;
    assert.match(again, /^\/login\?return_to=.*&force=1$/);
    t.clock.advance(30_000);
    const page = await agent.get(again).expect(200);
    await agent.post('/login/password').type('form').send({ _csrf: csrfFrom(page.text), username: 'bob', password: TEST_PASSWORD }).expect(303);
    const mfa = await agent.get('/login/mfa?factor=totp').expect(200);
    const done = await agent.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(bob.secret!, t.clock.now()) }).expect(303);
    const resealed = done.headers.location as string;
    assert.match(resealed, /^\/saml\/resume\?r=/);
    parseAutoPost((await agent.get(resealed).expect(200)).text);
    // used up per request, not per link: the new link and the first one are both spent now
    await agent.get(resealed).expect(400);
    await agent.get(returnTo).expect(400);
  });
});
