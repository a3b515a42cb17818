// Browser login of the CLI with PKCE (S256): a signed-in person approves at /cli/authorize, the one-time code goes to
// the CLI's loopback address, the CLI redeems it with its verifier. Codes are single-use (also under 200 concurrent
// redemptions over real sockets), expire after 2 minutes, and are bound to the verifier and the redirect port; every
// refusal is audited.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import { bothDatabases } from '../../helpers/databases.js';
import { getWithToken, pkcePair, postJson, startCliApp } from '../../helpers/cliApi.js';
import { csrfFrom, loginWithTotp } from '../../helpers/login.js';
import { TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { createSoftAuthenticator } from '../../helpers/softAuthenticator.js';
import { rawSql } from '../../helpers/rawSql.js';
import { beginWebauthnEnrollment, finishWebauthnEnrollment } from '../../../src/auth/devices.js';
import type { TestApp } from '../../helpers/app.js';

const PORT = 49152;
const redirectUri = `http://127.0.0.1:${PORT}/callback`;
const unescapeHtml = (s: string): string => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function authorizeUrl(p: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(p)) if (v !== undefined) q.set(k, v);
  return `/cli/authorize?${q.toString()}`;
}

for (const db of bothDatabases) describe(`CLI browser login with PKCE (${db})`, () => {
  let t: TestApp & { certificatePem: string };
  let agent: ReturnType<typeof supertest.agent>;
  // A 10 h browser session (idle 10 h), so that the clock can move without ending it.
  before(async () => { t = await startCliApp({ db, listen: true, overrides: { session: { absoluteSeconds: 36_000, idleSeconds: 36_000 } } }); });
  after(async () => { await t.close(); });

  const params = (pkce: { challenge: string }, extra: Record<string, string | undefined> = {}) => ({
    redirect_uri: redirectUri, code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 'st-' + randomBytes(8).toString('hex'), client_name: 'laptop-7', ...extra,
  });
  const hiddenFields = (html: string): Record<string, string> => Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [m[1]!, unescapeHtml(m[2]!)]));
  /** Opens the approval page and posts the decision; returns the 303's Location. */
  async function decide(p: Record<string, string | undefined>, decision: 'approve' | 'cancel'): Promise<URL> {
    const page = await agent.get(authorizeUrl(p)).expect(200);
    const res = await agent.post('/cli/authorize').type('form').send({ ...hiddenFields(page.text), decision }).expect(303);
    return new URL(res.headers.location as string);
  }
  const approve = async (pkce: { challenge: string }, extra: Record<string, string | undefined> = {}) => {
    const p = params(pkce, extra);
    const loc = await decide(p, 'approve');
    assert.equal(loc.searchParams.get('state'), p.state);
    return loc.searchParams.get('code')!;
  };
  const redeem = (b: Record<string, string>) => postJson(t.app, '/api/v1/cli/token', { grant_type: 'authorization_code', redirect_uri: redirectUri, ...b });
  const lastEvent = async (type: string) => (await t.ctx.store.audit.list({ type, limit: 1 }))[0];
  const expectRefused = async (res: Awaited<ReturnType<typeof redeem>>, type: string, reason: string) => {
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(res.json().error, 'invalid_grant');
    assert.match(res.json().error_description, /gatehouse login/);
    const ev = await lastEvent(type);
    assert.deepEqual([ev?.outcome, ev?.reason], ['failure', reason]);
    return ev;
  };

  it('not signed in: the page sends the browser to sign in and back', async () => {
    agent = supertest.agent(t.app.server);
    const url = authorizeUrl(params(pkcePair()));
    const res = await agent.get(url).expect(303);
    assert.equal(res.headers.location, `/login?return_to=${encodeURIComponent(url)}`);
    const login = await loginWithTotp(agent, { username: 'alice', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now(), returnTo: url });
    assert.equal(login.location, url);
  });

  it('the page names the computer, the person and the time; its CSP lets the form go to the loopback address only', async () => {
    const pkce = pkcePair();
    const page = await agent.get(authorizeUrl(params(pkce, { client_name: "Alice's MacBook (work)" }))).expect(200);
    assert.match(page.text, /Sign in to the AWS CLI on this computer\?/);
    assert.match(page.text, /<dd class="mono">Alice&#39;s MacBook \(work\)<\/dd>/);
    assert.match(page.text, /as you, <strong>alice<\/strong>/);
    assert.match(page.text, new RegExp(`<time datetime="${new Date(t.clock.now()).toISOString()}" title="[^"]+ UTC">`));
    assert.match(page.text, /an authenticator app/);
    const csp = page.headers['content-security-policy'] as string;
    assert.match(csp, new RegExp(`form-action 'self' http://127\\.0\\.0\\.1:${PORT};`));
    assert.match(page.text, /<button type="submit" name="decision" value="approve"[^>]*autofocus>Approve sign-in on Alice&#39;s MacBook \(work\)<\/button>/, 'the button names the computer, escaped');
  });

  it('approve → code and state at the loopback address → redeemed with the verifier: a CLI session of the approver, audited', async () => {
    const pkce = pkcePair();
    const code = await approve(pkce);
    assert.match(code, /^[A-Za-z0-9_-]{43}$/);
    const authorize = await lastEvent('cli.authorize');
    assert.deepEqual([authorize?.outcome, authorize?.username, authorize?.factor, authorize?.deviceName], ['success', 'alice', 'totp', 'phone']);
    const detail = authorize?.detail as { redirectPort: number; clientName: string; ref: string };
    assert.deepEqual([detail.clientName, detail.redirectPort], ['laptop-7', PORT]);
    assert.match(detail.ref, /^[0-9a-f]{12}$/);
    const res = await redeem({ code, code_verifier: pkce.verifier });
    assert.equal(res.statusCode, 200, res.body);
    const grant = res.json();
    assert.deepEqual([grant.tokenType, grant.username, grant.factor], ['Bearer', 'alice', 'totp']);
    assert.equal(grant.expiresAt, new Date(t.clock.now() + 8 * 3600_000).toISOString());
    const me = await getWithToken(t.app, '/api/v1/cli/me', grant.accessToken);
    assert.equal(me.json().username, 'alice');
    const ev = await lastEvent('cli.token');
    assert.deepEqual([ev?.outcome, (ev?.detail as { via: string }).via], ['success', 'browser']);

    // RFC 6749 §4.1.2: a code used twice means someone else has it; the token it gave is revoked.
    const replay = await expectRefused(await redeem({ code, code_verifier: pkce.verifier }), 'cli.token', 'replayed');
    assert.equal((replay?.detail as { revokedRef?: string }).revokedRef, (ev?.detail as { ref: string }).ref, 'the replay names the token it revoked');
    const after = await getWithToken(t.app, '/api/v1/cli/me', grant.accessToken);
    assert.equal(after.statusCode, 401, 'the token of a replayed code no longer works');
    const again = await expectRefused(await redeem({ code, code_verifier: pkce.verifier }), 'cli.token', 'replayed');
    assert.equal((again?.detail as { revokedRef?: string }).revokedRef, undefined, 'a later replay has nothing left to revoke');
  });

  it('a code replayed after it expired and was purged still revokes the token it gave', async () => {
    const pkce = pkcePair();
    const code = await approve(pkce);
    const res = await redeem({ code, code_verifier: pkce.verifier });
    assert.equal(res.statusCode, 200, res.body);
    t.clock.advance(3600_000); // long past the code's minutes, well within the token's 8 hours
    await t.ctx.store.cliCodes.purgeExpired(t.clock.now());
    const replay = await expectRefused(await redeem({ code, code_verifier: pkce.verifier }), 'cli.token', 'replayed');
    assert.ok((replay?.detail as { revokedRef?: string }).revokedRef, 'the replay revoked the token');
    assert.equal((await getWithToken(t.app, '/api/v1/cli/me', res.json().accessToken)).statusCode, 401);
  });

  it('a wrong verifier is refused and uses the code up', async () => {
    const pkce = pkcePair();
    const code = await approve(pkce);
    await expectRefused(await redeem({ code, code_verifier: pkcePair().verifier }), 'cli.token', 'verifier_mismatch');
    await expectRefused(await redeem({ code, code_verifier: pkce.verifier }), 'cli.token', 'replayed');
  });

  it('a code redeemed with another redirect port (or host) is refused', async () => {
    const pkce = pkcePair();
    const code = await approve(pkce);
    await expectRefused(await redeem({ code, code_verifier: pkce.verifier, redirect_uri: `http://127.0.0.1:${PORT + 1}/callback` }), 'cli.token', 'redirect_mismatch');
    const other = pkcePair();
    const code2 = await approve(other);
    await expectRefused(await redeem({ code: code2, code_verifier: other.verifier, redirect_uri: `http://localhost:${PORT}/callback` }), 'cli.token', 'redirect_mismatch');
  });

  it('an expired code (after 2 minutes) is refused', async () => {
    const pkce = pkcePair();
    const code = await approve(pkce);
    t.clock.advance(120_000);
    const ev = await expectRefused(await redeem({ code, code_verifier: pkce.verifier }), 'cli.token', 'expired');
    assert.equal(ev?.username, 'alice');
  });

  it('an unknown code is refused and audited without a person', async () => {
    const ev = await expectRefused(await redeem({ code: randomBytes(32).toString('base64url'), code_verifier: pkcePair().verifier }), 'cli.grant_refused', 'unknown');
    assert.equal(ev?.username, null);
  });

  it('a code whose person was disabled before redemption is refused', async () => {
    const pkce = pkcePair();
    const code = await approve(pkce);
    const alice = (await t.ctx.store.users.findByUsername('alice'))!;
    await t.ctx.store.users.update(alice.id, { status: 'disabled' }, t.clock.now());
    try {
      await expectRefused(await redeem({ code, code_verifier: pkce.verifier }), 'cli.token', 'disabled');
    } finally {
      await t.ctx.store.users.update(alice.id, { status: 'active' }, t.clock.now());
    }
  });

  it('cancel → error=access_denied with the state at the loopback address, audited; no code issued', async () => {
    const p = params(pkcePair());
    const loc = await decide(p, 'cancel');
    assert.equal(`${loc.origin}${loc.pathname}`, redirectUri);
    assert.deepEqual([...loc.searchParams.keys()].sort(), ['error', 'state']);
    assert.equal(loc.searchParams.get('error'), 'access_denied');
    assert.equal(loc.searchParams.get('state'), p.state);
    const ev = await lastEvent('cli.authorize');
    assert.deepEqual([ev?.outcome, ev?.reason], ['failure', 'access_denied']);
  });

  it('the approval needs the session\'s CSRF value', async () => {
    const page = await agent.get(authorizeUrl(params(pkcePair()))).expect(200);
    const fields = hiddenFields(page.text);
    const res = await agent.post('/cli/authorize').type('form').send({ ...fields, _csrf: 'forged', decision: 'approve' }).expect(403);
    assert.match(res.text, /csrf_invalid/);
    const anonymous = await supertest(t.app.server).post('/cli/authorize').type('form').send({ ...fields, decision: 'approve' });
    assert.equal(anonymous.status, 401);
  });

  it('a CLI session never outlives the browser session that approved it', async () => {
    t.clock.advance(3 * 3600_000);
    const pkce = pkcePair();
    const res = await redeem({ code: await approve(pkce), code_verifier: pkce.verifier });
    const session = (await rawSql<{ expires_at: string | number }>(t.ctx.config.database.url, 'select expires_at from sessions'))[0]!;
    assert.equal(res.json().expiresAt, new Date(Number(session.expires_at)).toISOString());
    assert.ok(Date.parse(res.json().expiresAt) < t.clock.now() + 8 * 3600_000);
  });

  it('bad parameters are a 400 naming the field (before any sign-in), never a 500', async () => {
    const pkce = pkcePair();
    const cases: [Record<string, string | undefined>, string][] = [
      [{ redirect_uri: 'https://evil.example/callback' }, 'redirect_uri'],
      [{ redirect_uri: 'http://127.0.0.1:0/callback' }, 'redirect_uri'],
      [{ redirect_uri: 'http://127.0.0.1:70000/callback' }, 'redirect_uri'],
      [{ redirect_uri: `http://127.0.0.1:${PORT}/other` }, 'redirect_uri'],
      [{ redirect_uri: `http://127.0.0.1.evil.example:${PORT}/callback` }, 'redirect_uri'],
      [{ redirect_uri: `http://127.0.0.1:${PORT}/callback?x=1` }, 'redirect_uri'],
      [{ redirect_uri: undefined }, 'redirect_uri'],
      [{ code_challenge_method: 'plain' }, 'code_challenge_method'],
      [{ code_challenge_method: undefined }, 'code_challenge_method'],
      [{ code_challenge: 'short' }, 'code_challenge'],
      [{ state: undefined }, 'state'],
      [{ state: 'short' }, 'state'],
      [{ state: 'x'.repeat(257) }, 'state'],
      [{ state: 'has space in it' }, 'state'],
      [{ client_name: 'x'.repeat(65) }, 'client_name'],
      [{ client_name: 'bad\u202ename' }, 'client_name'],
      [{ factor: 'sms' }, 'factor'],
    ];
    const anonymous = supertest(t.app.server);
    for (const [extra, field] of cases) {
      const url = authorizeUrl(params(pkce, extra));
      for (const client of [agent, anonymous]) {
        const res = await client.get(url).set('accept', 'application/json');
        assert.equal(res.status, 400, `${url}: ${res.status} ${res.text.slice(0, 200)}`);
        assert.ok((res.body.error.message as string).startsWith(`${field}:`), res.body.error.message);
      }
    }
    const twice = await agent.get(`${authorizeUrl(params(pkce))}&state=again-and-again`).set('accept', 'application/json');
    assert.deepEqual([twice.status, twice.body.error.message], [400, 'state: must be given once']);
  });

  it('bad token requests are invalid_request naming the field, or unsupported_grant_type', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{}, 'invalid_request', 'grant_type:'],
      [{ grant_type: 'password' }, 'unsupported_grant_type', 'grant_type must be'],
      [{ grant_type: 'authorization_code', code_verifier: pkcePair().verifier, redirect_uri: redirectUri }, 'invalid_request', 'code:'],
      [{ grant_type: 'authorization_code', code: 'x'.repeat(43), redirect_uri: redirectUri }, 'invalid_request', 'code_verifier:'],
      [{ grant_type: 'authorization_code', code: 'x'.repeat(43), code_verifier: 'short', redirect_uri: redirectUri }, 'invalid_request', 'code_verifier:'],
      [{ grant_type: 'authorization_code', code: 'x'.repeat(43), code_verifier: pkcePair().verifier, redirect_uri: 'x'.repeat(101) }, 'invalid_request', 'redirect_uri:'],
      [{ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: { a: 1 } }, 'invalid_request', 'device_code:'],
    ];
    for (const [body, error, start] of cases) {
      const res = await postJson(t.app, '/api/v1/cli/token', body);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error, error);
      assert.ok((res.json().error_description as string).startsWith(start), res.json().error_description);
    }
  });

  it('200 concurrent redemptions of one code over real sockets → at most one token, and the replays revoke it', async () => {
    const pkce = pkcePair();
    const code = await approve(pkce);
    const live = async (): Promise<number> => Number((await rawSql<{ n: number | string }>(t.ctx.config.database.url, "select count(*) as n from cli_tokens where via = 'browser' and revoked_at is null"))[0]!.n);
    const before = await live();
    const seqBefore = (await t.ctx.store.audit.head())!.seq;
    const responses = await Promise.all(Array.from({ length: 200 }, async () => {
      const r = await fetch(`${t.url}/api/v1/cli/token`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'authorization_code', code, code_verifier: pkce.verifier, redirect_uri: redirectUri }),
      });
      return { status: r.status, body: await r.json() as { error?: string; accessToken?: string } };
    }));
    const granted = responses.filter((r) => r.status === 200);
    assert.ok(granted.length <= 1, `${granted.length} tokens for one code`);
    assert.ok(responses.filter((r) => r.status !== 200).every((r) => r.status === 400 && r.body.error === 'invalid_grant'));
    for (const g of granted) assert.equal((await getWithToken(t.app, '/api/v1/cli/me', g.body.accessToken!)).statusCode, 401, 'a token of a replayed code is revoked');
    assert.equal(await live(), before, 'no live token came from the code');
    const events = (await t.ctx.store.audit.list({ type: 'cli.token', limit: 400 })).filter((e) => e.seq > seqBefore);
    assert.equal(events.filter((e) => e.outcome === 'failure' && e.reason === 'replayed').length, 200 - granted.length, 'every other redemption is refused and audited');
    assert.equal(events.filter((e) => e.outcome === 'success').length, granted.length);
  });

  it('factor=webauthn: a TOTP session is sent to a security-key step-up; afterwards the token carries webauthn and gets the role that needs it', async () => {
    const alice = (await t.ctx.store.users.findByUsername('alice'))!;
    const key = createSoftAuthenticator({ rpId: 'localhost', origin: t.url });
    const options = await beginWebauthnEnrollment(t.ctx, alice);
    await finishWebauthnEnrollment(t.ctx, alice, { response: key.register(options), expectedChallenge: options.challenge, name: 'yubikey' });

    const pkce = pkcePair();
    const p = params(pkce, { factor: 'webauthn' });
    const url = authorizeUrl(p);
    const res = await agent.get(url).expect(303);
    assert.equal(res.headers.location, `/login/step-up?${new URLSearchParams({ factor: 'webauthn', return_to: url }).toString()}`);
    const page = await agent.get(url.replace('factor=webauthn', 'factor=totp')).expect(200);
    const forged = await agent.post('/cli/authorize').type('form').send({ ...hiddenFields(page.text), factor: 'webauthn', decision: 'approve' });
    assert.equal(forged.status, 403, 'the POST checks the factor too');

    await agent.get(res.headers.location as string).expect(303);
    const mfa = await agent.get('/login/mfa?factor=webauthn').expect(200);
    const csrf = csrfFrom(mfa.text);
    const opts = await agent.post('/login/webauthn/options').set('accept', 'application/json').set('x-csrf-token', csrf).send({}).expect(200);
    const done = await agent.post('/login/webauthn/verify').set('accept', 'application/json').set('x-csrf-token', csrf).send({ response: key.authenticate(opts.body) }).expect(200);
    assert.equal(done.body.redirect, url);

    const code = new URL((await agent.post('/cli/authorize').type('form').send({ ...hiddenFields((await agent.get(url).expect(200)).text), decision: 'approve' }).expect(303)).headers.location as string).searchParams.get('code')!;
    const grant = (await redeem({ code, code_verifier: pkce.verifier })).json();
    assert.equal(grant.factor, 'webauthn');
    const a = await postJson(t.app, '/api/v1/cli/assertions', { roles: ['prod/Admin'] }, grant.accessToken);
    assert.equal(a.statusCode, 200, a.body);
    assert.match(Buffer.from(a.json().samlResponse, 'base64').toString('utf8'), /PrincipalTag:AuthMethod"[^>]*>\s*<saml:AttributeValue[^>]*>webauthn</);
    const ev = (await t.ctx.store.audit.list({ type: 'saml.assertion', limit: 1 }))[0];
    assert.deepEqual([ev?.factor, ev?.deviceName, (ev?.detail as { client?: string }).client], ['webauthn', 'yubikey', 'cli']);
  });
});
