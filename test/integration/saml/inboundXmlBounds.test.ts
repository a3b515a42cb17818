// Issue 7, points 1 and 7, through /saml/sso: what one hostile inbound message costs, and that it is a
// 4xx. Each worst case of hostileXml.ts goes in through GET (HTTP-Redirect) and POST (HTTP-POST) with an
// unknown Issuer and no session; what the XML parser is handed is counted against the caps (the CPU time
// of the same requests is bench/inbound.ts's).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { deflateRawSync } from 'node:zlib';
import { registerServiceProvider } from '../../../src/directory/registerServiceProvider.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { atTheLimits, fitsInUrl, hostileRequests, sendAuthnRequest } from '../../fuzz/hostileXml.js';
import { requestDefaults } from '../../fuzz/properties.js';
import { assertParsesWithin, observeXmlParses } from '../../fuzz/xmlParseMeter.js';
import { fixture, genericSpMetadata, signPostRequest } from '../../unit/saml/spFixtures.js';

const caps = { maxBytes: requestDefaults.maxBytes, ...requestDefaults.limits };
const json = { accept: 'application/json' };

describe('/saml/sso bounds the work of an inbound message', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ db: 'sqlite' });
    await registerServiceProvider(t.ctx, { metadataXml: genericSpMetadata(), name: 'Example SP' });
  });
  after(async () => { await t.close(); });

  const send = (binding: 'GET' | 'POST', xml: string) => sendAuthnRequest(t.app, binding, xml);

  it('every worst-case request, both bindings, unknown Issuer, no session: a 4xx, parsing nothing past the caps', async (ctx) => {
    // Just under the size cap (parsed, or refused by a structure cap), and at 215 KB (the size).
    const requests = [...hostileRequests(caps.maxBytes - 600, caps), ...hostileRequests(215_000, caps).filter((r) => r.name !== 'atTheLimits').map((r) => ({ ...r, name: `${r.name} 215KB` }))];
    const rows: string[] = [];
    let parsed = 0;
    for (const { name, xml } of requests) {
      for (const binding of ['GET', 'POST'] as const) {
        if (binding === 'GET' && !fitsInUrl(xml)) continue;
        const observer = observeXmlParses();
        const res = await send(binding, xml).finally(observer.stop);
        const refusal = (res.json() as { error?: { message?: string } }).error?.message?.slice(0, 44) ?? '';
        const sizes = observer.parses.map((p) => `${p.bytes} B, ${p.shape.elements} nodes`).join('; ') || 'refused unparsed';
        rows.push(`${binding.padEnd(4)} ${name.padEnd(32)} ${String(Buffer.byteLength(xml)).padStart(7)} B  ${res.statusCode} ${refusal.padEnd(44)} ${sizes}`);
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${binding} ${name}: ${res.statusCode}`);
        assertParsesWithin(`${binding} ${name}`, observer.parses, requestDefaults);
        parsed += observer.parses.length;
      }
    }
    assert.ok(parsed > 0, 'the requests at the caps reach the parser (else this test checks nothing)');
    ctx.diagnostic(`What the XML parser was given per request (bench/inbound.ts times them):\n${rows.join('\n')}`);
  });

  it('cheap checks first: an over-long RelayState is refused before a decompression bomb is inflated', async () => {
    const bomb = encodeURIComponent(deflateRawSync(Buffer.alloc(8 * 1024 * 1024), { level: 9 }).toString('base64'));
    const res = await t.app.inject({ method: 'GET', url: `/saml/sso?SAMLRequest=${bomb}&RelayState=${'r'.repeat(2000)}`, headers: json });
    assert.equal(res.statusCode, 400);
    assert.match((res.json() as { error: { message: string } }).error.message, /RelayState/);
    const alone = await t.app.inject({ method: 'GET', url: `/saml/sso?SAMLRequest=${bomb}`, headers: json });
    assert.equal(alone.statusCode, 413);
  });

  it('a POST body larger than any allowed AuthnRequest is refused unread (413)', async () => {
    // The SAMLRequest alone would be a 400 (not base64); the body around it is too large to be read at all.
    const res = await t.app.inject({ method: 'POST', url: '/saml/sso', payload: `SAMLRequest=%21&padding=${'A'.repeat(200_000)}`, headers: { ...json, 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(res.statusCode, 413);
    assert.equal((res.json() as { error: { code: string } }).error.code, 'payload_too_large');
    const fits = await send('POST', atTheLimits(caps));
    assert.equal(fits.statusCode, 400, 'the largest allowed request still gets through to the Issuer check');
    assert.equal((fits.json() as { error: { code: string } }).error.code, 'saml_unknown_sp');
  });
});

describe('/saml/sso: a signed POST AuthnRequest nested 20,000 deep (issue 7, point 7)', () => {
  let t: TestApp;
  before(async () => {
    // The largest size cap the configuration allows, so that the depth cap is what refuses the request.
    t = await startTestApp({ db: 'sqlite', overrides: { saml: { maxRequestBytes: 262144 } } });
    await registerServiceProvider(t.ctx, { metadataXml: genericSpMetadata(), name: 'Example SP' });
  });
  after(async () => { await t.close(); });

  it('is refused with 413 by the depth cap, not a 500 from a stack overflow in signature checking', async () => {
    const request = fixture('generic-sp-authnrequest.xml')
      .replace(/^<\?xml[^>]*>\s*/, '')
      .replace('https://idp.example.com/saml/sso', `${t.url}/saml/sso`)
      .replace('2026-11-24T15:00:00Z', new Date(t.clock.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'));
    const depth = 20_000;
    const deep = signPostRequest(request).replace('</samlp:AuthnRequest>', `<samlp:Extensions>${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}</samlp:Extensions></samlp:AuthnRequest>`);
    const res = await sendAuthnRequest(t.app, 'POST', deep);
    assert.equal(res.statusCode, 413, res.body.slice(0, 300));
    assert.equal((res.json() as { error: { code: string } }).error.code, 'payload_too_large');
  });
});
