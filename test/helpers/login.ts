/**
 * Supertest helpers for the browser sign-in (STYLE.md §8). The agent keeps cookies, so after
 * `loginWithTotp` it is signed in and can open any page or post to the admin API.
 *
 *   const agent = supertest.agent(t.app.server);
 *   const { csrf } = await loginWithTotp(agent, { username: 'alice', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
 *   await agent.get('/account').expect(200);
 *   await agent.post('/api/v1/admin/users/bob/unlock').set('x-csrf-token', csrf).expect(200);
 *
 * Each TOTP time step works once per device: to sign the same person in twice, move the app's clock on by
 * 30 s in between (`t.clock.advance(30_000)`) and pass the new `now`.
 */
import assert from 'node:assert/strict';
import type { Agent, Response } from 'supertest';
import { totpCodeAt, totpStep } from '../../src/auth/totp.js';

/**
 * The CSRF value of the page's first form (hidden `_csrf`) or WebAuthn form (`data-csrf`) in its main part, else
 * the top menu's sign-out form. (On an add-device page the menu carries the session's value, the form the flow's.)
 */
export function csrfFrom(html: string): string {
  const main = html.slice(Math.max(0, html.indexOf('<main')));
  const m = /name="_csrf" value="([^"]+)"/.exec(main) ?? /data-csrf="([^"]+)"/.exec(main) ?? /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(m?.[1], 'no CSRF value in the page');
  return m[1];
}

/** The TOTP code of `secret` at `now` (ms). */
export function totpCode(secret: string, now: number): string {
  return totpCodeAt(secret, totpStep(now));
}

export interface LoginResult {
  agent: Agent;
  /** The session's CSRF value: `_csrf` for forms, `x-csrf-token` for the API. */
  csrf: string;
  /** Where the sign-in sent the browser (the return path, '/' by default). */
  location: string;
  /** The session cookie's value (for requests outside the agent, e.g. replaying it after logout). */
  sessionId: string;
}

/**
 * Opens /login (with `returnTo`) and posts username and password; returns the response (303 to the next step).
 * `ip` is sent as X-Forwarded-For (only honoured when the app runs with server.trustProxy).
 */
export async function submitPassword(agent: Agent, o: { username: string; password: string; returnTo?: string; ip?: string }) {
  const headers: Record<string, string> = o.ip ? { 'x-forwarded-for': o.ip } : {};
  const page = await agent.get(o.returnTo ? `/login?return_to=${encodeURIComponent(o.returnTo)}` : '/login').set(headers).expect(200);
  return agent.post('/login/password').set(headers).type('form').send({ _csrf: csrfFrom(page.text), username: o.username, password: o.password });
}

/**
 * Signs in with password and TOTP through the real pages: /login → /login/password → /login/mfa → /login/totp.
 * `now` is the app's current time in ms (pass `t.clock.now()`); default the real time.
 */
export async function loginWithTotp(agent: Agent, o: { username: string; password: string; secret: string; now?: number; returnTo?: string }): Promise<LoginResult> {
  const pw = await submitPassword(agent, o);
  assert.equal(pw.status, 303, `password step: ${pw.status} ${pw.text.slice(0, 300)}`);
  assert.equal(pw.headers.location, '/login/mfa');
  const mfa = await agent.get('/login/mfa?factor=totp').expect(200);
  const totp = await agent.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(o.secret, o.now ?? Date.now()) });
  assert.equal(totp.status, 303, `TOTP step: ${totp.status} ${totp.text.slice(0, 300)}`);
  const done = await pastRecoveryCodesPrompt(agent, totp);
  const sessionId = setCookies(done).find((c) => /(^|-)gatehouse_session$/.test(c.name))?.value;
  assert.ok(sessionId, 'the TOTP step sets the session cookie');
  const account = await agent.get('/account').expect(200);
  return { agent, csrf: csrfFrom(account.text), location: done.headers.location as string, sessionId };
}

/**
 * A person imported with a TOTP seed and no recovery codes is shown new codes once, right after the second
 * factor. When `res` leads there, continues past the page as a person who saved them and returns the response
 * that ends the sign-in (303 to the return path); otherwise returns `res`.
 */
export async function pastRecoveryCodesPrompt(agent: Agent, res: Response): Promise<Response> {
  if (res.headers.location !== '/login/recovery-codes') return res;
  const page = await agent.get('/login/recovery-codes').expect(200);
  const done = await agent.post('/login/recovery-codes').type('form').send({ _csrf: csrfFrom(page.text) });
  assert.equal(done.status, 303, `recovery codes: ${done.status} ${done.text.slice(0, 300)}`);
  return done;
}

/** A Set-Cookie header of a response, parsed: value and attributes (lower-case names). */
export interface SetCookie { name: string; value: string; attributes: Record<string, string | true> }

export function setCookies(res: { headers: Record<string, unknown> }): SetCookie[] {
  const raw = res.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw as string[] : typeof raw === 'string' ? [raw] : [];
  return list.map((line) => {
    const [pair = '', ...attrs] = line.split(';').map((p) => p.trim());
    const eq = pair.indexOf('=');
    const attributes: Record<string, string | true> = {};
    for (const a of attrs) {
      const i = a.indexOf('=');
      if (i < 0) attributes[a.toLowerCase()] = true;
      else attributes[a.slice(0, i).toLowerCase()] = a.slice(i + 1);
    }
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
  });
}

/** The value a response sets for cookie `name` (undefined when it sets none). */
export function cookieSet(res: { headers: Record<string, unknown> }, name: string): string | undefined {
  return setCookies(res).find((c) => c.name === name)?.value;
}

/**
 * Sets up an authenticator app through the enrollment pages of the agent's current flow (forced enrollment,
 * setup link or "add a device"): reads the secret from /login/enroll/totp, types the code of the current
 * step, moves the app clock on 30 s (`advance`), types the next code. Returns the secret and the response
 * (303 to the recovery codes, or to where the flow ends).
 */
export async function enrollTotpThroughPages(agent: Agent, clock: { now(): number; advance(ms: number): void }, name = 'Test phone') {
  const page = await agent.get('/login/enroll/totp').expect(200);
  const secret = /<code class="secret"[^>]*>([A-Z2-7 ]+)<\/code>/.exec(page.text)?.[1]?.replace(/ /g, '');
  assert.ok(secret, 'the page shows the secret as text');
  assert.match(page.text, /<svg[^>]*>/, 'the page shows the QR code');
  const code1 = totpCode(secret, clock.now());
  clock.advance(30_000);
  const code2 = totpCode(secret, clock.now());
  const res = await agent.post('/login/enroll/totp').type('form').send({ _csrf: csrfFrom(page.text), code1, code2, name });
  return { secret, res };
}
