// A role that requires a security key: after a TOTP sign-in the portal offers a step-up; after the step-up with
// the key the role is allowed and the assertion says AuthMethod=webauthn.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { parseAutoPost, verifyAwsResponse } from '../../helpers/verifySamlResponse.js';
import { csrfFrom } from '../../helpers/login.js';
import { createSoftAuthenticator } from '../../helpers/softAuthenticator.js';
import { beginWebauthnEnrollment, finishWebauthnEnrollment } from '../../../src/auth/devices.js';

describe('step-up to a role that needs a security key', () => {
  let t: SamlTestApp;
  before(async () => { t = await startSamlApp(); });
  after(async () => { await t.close(); });

  it('TOTP session → step-up with the key → Admin role with AuthMethod=webauthn', async () => {
    const alice = (await t.ctx.store.users.findByUsername('alice'))!;
    const key = createSoftAuthenticator({ rpId: 'localhost', origin: t.url });
    const options = await beginWebauthnEnrollment(t.ctx, alice);
    await finishWebauthnEnrollment(t.ctx, alice, { response: key.register(options), expectedChallenge: options.challenge, name: 'yubikey' });

    await t.agent.post('/aws/console').type('form').send({ _csrf: t.csrf, role: '111122223333/Admin' }).expect(403);
    const portal = await t.agent.get('/').expect(200);
    const stepUpUrl = /href="(\/login\/step-up\?[^"]+)"/.exec(portal.text)![1]!.replace(/&amp;/g, '&');
    const start = await t.agent.get(stepUpUrl).expect(303);
    assert.equal(start.headers.location, '/login/mfa?factor=webauthn');
    const mfa = await t.agent.get('/login/mfa?factor=webauthn').expect(200);
    const csrf = csrfFrom(mfa.text);
    const opts = await t.agent.post('/login/webauthn/options').set('accept', 'application/json').set('x-csrf-token', csrf).send({}).expect(200);
    const done = await t.agent.post('/login/webauthn/verify').set('accept', 'application/json').set('x-csrf-token', csrf).send({ response: key.authenticate(opts.body) }).expect(200);
    assert.equal(done.body.redirect, '/');

    const after = await t.agent.get('/').expect(200);
    assert.match(after.text, /name="role" value="111122223333\/Admin"/);
    const sessionCsrf = csrfFrom(after.text);
    const res = await t.agent.post('/aws/console').type('form').send({ _csrf: sessionCsrf, role: '111122223333/Admin' }).expect(200);
    const form = parseAutoPost(res.text);
    const profile = await verifyAwsResponse(form, { certificatePem: t.certificatePem, audience: 'urn:amazon:webservices', now: new Date(t.clock.now()) });
    assert.equal(profile['https://aws.amazon.com/SAML/Attributes/PrincipalTag:AuthMethod'], 'webauthn');
    assert.equal(profile['https://aws.amazon.com/SAML/Attributes/SessionDuration'], '3600');
    const [ev] = await t.ctx.store.audit.list({ type: 'saml.assertion' });
    assert.equal(ev?.deviceName, 'yubikey');
    assert.equal(ev?.factor, 'webauthn');
  });
});
