/**
 * Admin test helpers: a signed-in admin (supertest agent with the session's CSRF value), admin API tokens made
 * through the API itself, and requests with a bearer token.
 *
 *   const admin = await signInAdmin(t);                       // member of gatehouse-admins, TOTP
 *   const token = await makeAdminToken(t, admin, 'write');     // gha_…
 *   await withToken(t, token).get('/api/v1/admin/tokens').expect(200);
 */
import assert from 'node:assert/strict';
import supertest, { type Agent } from 'supertest';
import type { TestApp } from './app.js';
import { loginWithTotp } from './login.js';
import { createTestUser, TEST_PASSWORD, type TestUser } from './users.js';

export interface SignedInAdmin { agent: Agent; csrf: string; person: TestUser }

/** Creates `username` (TOTP, in admin.group) and signs them in. Each call needs its own username. */
export async function signInAdmin(t: Pick<TestApp, 'app' | 'ctx' | 'clock'>, username = 'root', secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'): Promise<SignedInAdmin> {
  const person = await createTestUser(t.ctx, { username, totpSecret: secret, groups: [t.ctx.config.admin.group] });
  const agent = supertest.agent(t.app.server);
  const { csrf } = await loginWithTotp(agent, { username, password: TEST_PASSWORD, secret, now: t.clock.now() });
  return { agent, csrf, person };
}

/**
 * What an admin change made through the API with `admin`'s session records about who made it: their username,
 * the surface, and the factor and device they signed in with (signInAdmin: TOTP on the device "Phone").
 */
export function apiSessionChange(admin: SignedInAdmin): { by: string; via: 'api-session'; byFactor: 'totp'; byDeviceId: string; byDevice: string } {
  return { by: admin.person.user.username, via: 'api-session', byFactor: 'totp', byDeviceId: admin.person.deviceId!, byDevice: 'Phone' };
}

/** A new admin API token made by `admin` through POST /api/v1/admin/tokens. */
export async function makeAdminToken(admin: SignedInAdmin, scope: 'read' | 'write', days = 30, name = `test-${scope}`): Promise<{ token: string; id: string }> {
  const res = await admin.agent.post('/api/v1/admin/tokens').set('x-csrf-token', admin.csrf).send({ name, scope, days });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return { token: res.body.token, id: res.body.info.id };
}

/** A supertest client that sends `Authorization: Bearer <token>` (and no cookies). */
export function withToken(t: Pick<TestApp, 'app'>, token: string) {
  const client = supertest(t.app.server);
  const auth = { Authorization: `Bearer ${token}` };
  return {
    get: (url: string) => client.get(url).set(auth),
    post: (url: string) => client.post(url).set(auth),
    put: (url: string) => client.put(url).set(auth),
    patch: (url: string) => client.patch(url).set(auth),
    delete: (url: string) => client.delete(url).set(auth),
  };
}
