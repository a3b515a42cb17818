// Key rotation as SPs see it: the next key is published in the metadata first, then signs after activate.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { parseAutoPost } from '../../helpers/verifySamlResponse.js';
import { activateKey, listKeys, rotateKey } from '../../../src/keys/signingKeyService.js';
import { checkAwsSamlResponse } from '../../../src/aws/checkAwsSamlResponse.js';
import { xmlsecVerify } from '../../interop/helpers.js';

const certsIn = (xml: string): string[] => [...xml.matchAll(/<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/g)].map((m) => m[1]!.replace(/\s+/g, ''));
const pem = (b64: string): string => `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;

describe('signing key rotation', () => {
  let t: SamlTestApp;
  before(async () => { t = await startSamlApp(); });
  after(async () => { await t.close(); });

  it('metadata: UTF-8 without BOM, RSA 3072 signing certificate, SSO endpoints for both bindings', async () => {
    const res = await t.agent.get('/saml/metadata').expect(200);
    assert.match(res.headers['content-type'] as string, /^application\/samlmetadata\+xml; charset=utf-8/);
    assert.notEqual(res.body?.[0], 0xef);
    assert.ok(res.text.startsWith('<?xml version="1.0" encoding="UTF-8"?>'));
    const [cert] = certsIn(res.text);
    const x = new X509Certificate(Buffer.from(cert!, 'base64'));
    assert.equal(x.publicKey.asymmetricKeyDetails?.modulusLength, 3072);
    assert.match(res.text, /SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="http:\/\/localhost:\d+\/saml\/sso"/);
    assert.match(res.text, /SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"/);
    assert.match(res.text, /validUntil="/);
  });

  it('rotate publishes the next key beside the active one; activate switches signing to it', async () => {
    const oldCert = certsIn((await t.agent.get('/saml/metadata')).text)[0]!;
    const next = await rotateKey(t.ctx);
    t.clock.advance(31_000); // past the signing-key cache of the node
    const both = certsIn((await t.agent.get('/saml/metadata')).text);
    assert.equal(both.length, 2);
    assert.equal(both[0], oldCert);

    const signedWith = async (): Promise<string> => {
      const form = parseAutoPost((await t.agent.post('/aws/console').type('form').send({ _csrf: t.csrf, role: '111122223333/ReadOnly' }).expect(200)).text);
      const hit = both.find((c) => checkAwsSamlResponse(form.xml, { now: new Date(t.clock.now()), expectedAcs: form.action, certificates: [pem(c)] }).violations.length === 0);
      assert.ok(hit, 'no published certificate verifies the assertion');
      assert.ok(xmlsecVerify(form.xml, pem(hit)).ok);
      return hit;
    };
    assert.equal(await signedWith(), oldCert);
    await activateKey(t.ctx, next.id);
    t.clock.advance(31_000);
    const newCert = both[1]!;
    assert.equal(await signedWith(), newCert);
    assert.deepEqual((await listKeys(t.ctx)).map((k) => k.state).sort(), ['active', 'retired']);
    assert.deepEqual(certsIn((await t.agent.get('/saml/metadata')).text), [newCert]);
  });
});
