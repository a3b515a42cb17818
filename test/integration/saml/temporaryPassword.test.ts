// Issue 11: a person with a temporary password who arrives with an SP's AuthnRequest chooses a new password right
// after the second factor, and the pending request still completes: a signed Response to the registered ACS, in
// response to that request, verified by @node-saml. On SQLite and PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { parseAutoPost, verifyWithNodeSaml } from '../../helpers/verifySamlResponse.js';
import { cookieSet, csrfFrom, submitPassword, totpCode } from '../../helpers/login.js';
import { createTestUser } from '../../helpers/users.js';
import { bothDatabases } from '../../helpers/databases.js';
import { fixture, genericSpMetadata, redirectQuery, spKey } from '../../unit/saml/spFixtures.js';
import { registerServiceProvider } from '../../../src/directory/registerServiceProvider.js';
import { setPassword } from '../../../src/auth/setPassword.js';

const SP = 'https://sp.example.com/saml/metadata';
const ACS = 'https://sp.example.com/acs';
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const TEMPORARY = 'given by the helpdesk 7431';
const CHOSEN = 'lantern orbit marmalade quietly';

for (const db of bothDatabases) {
  describe(`a temporary password during SP-initiated SSO (${db})`, () => {
    let t: SamlTestApp;
    before(async () => {
      t = await startSamlApp({ db });
      await registerServiceProvider(t.ctx, { metadataXml: genericSpMetadata(), name: 'Example SP' });
    });
    after(async () => { await t.close(); });

    it('the forced change comes after the second factor, then the pending AuthnRequest is answered', async () => {
      const bob = await createTestUser(t.ctx, { username: 'bob', email: 'bob@example.com', totpSecret: SECRET, recoveryCodes: true });
      await setPassword(t.ctx, bob.user, TEMPORARY, { temporary: true, by: 'cli:helpdesk' });
      const requestId = `_req-temporary-${db}`;
      const xml = fixture('generic-sp-authnrequest.xml')
        .replace('https://idp.example.com/saml/sso', `${t.url}/saml/sso`)
        .replace('2026-11-24T15:00:00Z', new Date(t.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'))
        .replace('_8e8dc5f69a98cc4c1ff3427e5ce34606fd672f91e6', requestId)
        .replace(/^<\?xml[^>]*>\s*/, '');

      const agent = supertest.agent(t.app.server);
      const first = await agent.get(`/saml/sso?${redirectQuery(xml, { key: spKey, relayState: 'rs-7' })}`).expect(303);
      const returnTo = decodeURIComponent(/return_to=([^&]+)/.exec(first.headers.location as string)![1]!);
      assert.match(returnTo, /^\/saml\/resume\?r=/);

      const pw = await submitPassword(agent, { username: 'bob', password: TEMPORARY, returnTo });
      assert.equal(pw.headers.location, '/login/mfa');
      const mfa = await agent.get('/login/mfa?factor=totp').expect(200);
      const totp = await agent.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(SECRET, t.clock.now()) }).expect(303);
      assert.equal(totp.headers.location, '/login/new-password');
      assert.equal(cookieSet(totp, 'gatehouse_session'), undefined, 'no session before the new password');
      assert.equal((await agent.get(returnTo)).status, 303, 'the SP gets nothing yet: the browser is sent to sign in');

      const page = await agent.get('/login/new-password').expect(200);
      const done = await agent.post('/login/new-password').type('form').send({ _csrf: csrfFrom(page.text), password: CHOSEN, confirm: CHOSEN }).expect(303);
      assert.equal(done.headers.location, returnTo, 'on to the pending request');
      const res = await agent.get(returnTo).expect(200);
      const form = parseAutoPost(res.text);
      assert.equal(form.action, ACS);
      assert.equal(form.relayState, 'rs-7');
      assert.match(form.xml, new RegExp(`InResponseTo="${requestId}"`));
      const profile = await verifyWithNodeSaml(form, { certificatePem: t.certificatePem, audience: SP });
      assert.equal(profile.nameID, bob.user.id);
      assert.equal((await t.ctx.store.users.findById(bob.user.id))?.passwordTemporary, false);
    });
  });
}
