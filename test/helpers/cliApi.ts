/**
 * Calls of the CLI API (docs/cli-api.md) for tests, through `app.inject` (no sockets): a terminal login with
 * password and TOTP, bearer requests, and PKCE values.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { totpCode } from './login.js';
import { startTestApp, type StartTestAppOptions, type TestApp } from './app.js';
import { samlDirectory } from './samlSetup.js';
import { createTestUser } from './users.js';
import { parseDirectoryFile } from '../../src/directory/directoryFile.js';
import { importDirectory } from '../../src/directory/applyImport.js';
import { ensureActiveKey, loadSigningKeys } from '../../src/keys/signingKeyService.js';

/** POST with a JSON body; `token` adds `Authorization: Bearer`. */
export function postJson(app: FastifyInstance, url: string, body: unknown, token?: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url, payload: body as Record<string, unknown>, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) } });
}

/** GET with `Authorization: Bearer <token>`. */
export function getWithToken(app: FastifyInstance, url: string, token: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });
}

/** The TokenGrant of the contract. */
export interface TokenGrant { accessToken: string; tokenType: string; expiresAt: string; username: string; factor: string }

/** A terminal login: start, password, TOTP code of `secret` at `now`. Returns the grant. */
export async function terminalLogin(app: FastifyInstance, o: { username: string; password: string; secret: string; now: number; clientName?: string }): Promise<TokenGrant> {
  const start = await postJson(app, '/api/v1/cli/flows', { clientName: o.clientName ?? 'laptop-7' });
  assert.equal(start.statusCode, 201, start.body);
  const pw = await postJson(app, '/api/v1/cli/flows/password', { flowToken: start.json().flowToken, username: o.username, password: o.password });
  assert.equal(pw.statusCode, 200, pw.body);
  assert.equal(pw.json().state, 'mfa');
  const done = await postJson(app, '/api/v1/cli/flows/totp', { flowToken: pw.json().flowToken, code: totpCode(o.secret, o.now) });
  assert.equal(done.statusCode, 200, done.body);
  assert.equal(done.json().state, 'done');
  return done.json().token as TokenGrant;
}

/** A PKCE verifier and its S256 challenge, computed here independently of the server's code. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/**
 * An app with `samlDirectory` imported (alice: TOTP, roles in every partition, Admin needs a security key), a
 * signing key, and bob (TOTP, platform-admins). Nobody is signed in.
 */
export async function startCliApp(opts: StartTestAppOptions = {}): Promise<TestApp & { certificatePem: string }> {
  const t = await startTestApp(opts);
  await ensureActiveKey(t.ctx);
  await importDirectory(t.ctx, parseDirectoryFile(samlDirectory, 'directory.yaml'), { mode: 'import' });
  await createTestUser(t.ctx, { username: 'bob', displayName: 'Bob Example', totpSecret: BOB_TOTP_SECRET, groups: ['platform-admins'] });
  const { active } = await loadSigningKeys(t.ctx);
  return { ...t, certificatePem: active.certificatePem };
}

/** Bob's TOTP secret (alice's is TEST_TOTP_SECRET). */
export const BOB_TOTP_SECRET = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU';
