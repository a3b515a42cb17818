/**
 * Issue 7, point 8: malformed input to every form, query and path-parameter route is a 400 `validation_failed`
 * that names the field, never a 500. Each field gets what a form or a script can send: the field twice (an
 * array), one character over its limit, a number, an object, a NUL (PostgreSQL cannot store it), a value
 * outside a fixed choice, and nothing at all where the field is required. Both databases.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { csrfFrom, loginWithTotp, submitPassword } from '../../helpers/login.js';
import { hashToken } from '../../../src/auth/tokens.js';
import { registerServiceProvider } from '../../../src/directory/registerServiceProvider.js';
import { genericSpMetadata } from '../../unit/saml/spFixtures.js';

type Agent = ReturnType<typeof supertest.agent>;

/** One field of a route: its limit, whether it is required, and what kind of value it takes. */
interface Field {
  name: string;
  max: number;
  required?: boolean;
  /** A fixed set of values: a value outside it is refused too. */
  choice?: boolean;
  /** Secrets (passwords) may hold control characters; names and keys may not. */
  controls?: boolean;
  /** A JSON object (a WebAuthn response), not text. */
  object?: boolean;
}

interface Route {
  method: 'get' | 'post';
  path: string;
  fields: Field[];
  /** Who sends it, and how the CSRF value goes (form field, header, or none for GET). */
  agent: () => Agent;
  csrf: () => { field?: string; header?: string };
}

/** A malformed request: a name for the message, and how to send it. */
interface Case { what: string; send: (r: Route, f: Field) => supertest.Test | undefined }

const formBody = (pairs: [string, string][]): string => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

function request(r: Route, value: { form?: [string, string][]; json?: Record<string, unknown> }): supertest.Test {
  const { field, header } = r.csrf();
  const a = r.agent();
  if (r.method === 'get') {
    const q = formBody(value.form ?? []);
    return a.get(q ? `${r.path}?${q}` : r.path).set('accept', 'application/json');
  }
  let req = a.post(r.path).set('accept', 'application/json');
  if (header) req = req.set('x-csrf-token', header);
  if (value.json) return req.send({ ...(field ? { _csrf: field } : {}), ...value.json });
  return req.type('form').send(formBody([...(field ? [['_csrf', field] as [string, string]] : []), ...(value.form ?? [])]));
}

const cases: Case[] = [
  { what: 'sent twice', send: (r, f) => (f.object ? request(r, { json: { [f.name]: [{}, {}] } }) : request(r, { form: [[f.name, 'a'], [f.name, 'b']] })) },
  { what: 'one character too long', send: (r, f) => (f.object ? undefined : request(r, { form: [[f.name, 'x'.repeat(f.max + 1)]] })) },
  { what: 'a number', send: (r, f) => (r.method === 'get' ? undefined : request(r, { json: { [f.name]: 7 } })) },
  { what: 'an object', send: (r, f) => (r.method === 'get' || f.object ? undefined : request(r, { json: { [f.name]: { a: '1' } } })) },
  { what: 'text where an object belongs', send: (r, f) => (f.object ? request(r, { json: { [f.name]: 'x' } }) : undefined) },
  { what: 'a NUL character', send: (r, f) => (f.controls || f.object ? undefined : request(r, { form: [[f.name, 'a\u0000b']] })) },
  { what: 'outside the choice', send: (r, f) => (f.choice ? request(r, { form: [[f.name, 'bogus']] }) : undefined) },
  { what: 'missing', send: (r, f) => (f.required ? request(r, { form: [] }) : undefined) },
];

for (const db of ['sqlite', 'postgres'] as const) describe(`malformed input is a 400 naming the field (${db})`, () => {
  let t: SamlTestApp;
  const agents: Record<string, Agent> = {};
  const csrfs: Record<string, string> = {};
  let deviceId = '';

  before(async () => {
    t = await startSamlApp({ db });
    await registerServiceProvider(t.ctx, { metadataXml: genericSpMetadata(), name: 'Example SP' });
    agents.alice = t.agent;
    csrfs.alice = t.csrf;
    deviceId = (await t.ctx.store.devices.listForUser((await t.ctx.store.users.findByUsername('alice'))!.id))[0]!.id;

    const root = await createTestUser(t.ctx, { username: 'root', totpSecret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', groups: ['gatehouse-admins'] });
    agents.admin = supertest.agent(t.app.server);
    t.clock.advance(30_000);
    csrfs.admin = (await loginWithTotp(agents.admin, { username: 'root', password: TEST_PASSWORD, secret: root.secret!, now: t.clock.now() })).csrf;

    // a sign-in waiting at the password step, and one waiting at the second factor
    agents.password = supertest.agent(t.app.server);
    csrfs.password = csrfFrom((await agents.password.get('/login').expect(200)).text);
    agents.mfa = supertest.agent(t.app.server);
    await submitPassword(agents.mfa, { username: 'alice', password: TEST_PASSWORD });
    csrfs.mfa = csrfFrom((await agents.mfa.get('/login/mfa?factor=totp').expect(200)).text);

    // an add-device flow of a second session of alice: the enrollment pages
    agents.enroll = supertest.agent(t.app.server);
    t.clock.advance(30_000);
    const { csrf } = await loginWithTotp(agents.enroll, { username: 'alice', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
    await agents.enroll.post('/account/devices/add').type('form').send({ _csrf: csrf, kind: 'totp' }).expect(303);
    csrfs.enroll = csrfFrom((await agents.enroll.get('/login/enroll/totp').expect(200)).text);

    // a setup link being used
    const carol = await createTestUser(t.ctx, { username: 'carol' });
    const token = randomBytes(32).toString('base64url');
    const now = t.clock.now();
    await t.ctx.store.enrollmentTokens.create({ tokenHash: hashToken(token), userId: carol.user.id, purpose: 'enroll', createdAt: now, expiresAt: now + 3_600_000 });
    agents.setup = supertest.agent(t.app.server);
    csrfs.setup = csrfFrom((await agents.setup.get(`/setup?token=${token}`).expect(200)).text);
  });
  after(async () => { await t.close(); });

  const by = (who: string, how: 'field' | 'header' | 'none' = 'field'): Pick<Route, 'agent' | 'csrf'> => ({
    agent: () => agents[who]!,
    csrf: () => (how === 'none' ? {} : how === 'header' ? { header: csrfs[who]! } : { field: csrfs[who]! }),
  });
  const consoleFields: Field[] = [{ name: 'role', max: 400 }, { name: 'choose', max: 400, choice: true }, { name: 'relay_state', max: 2048 }];
  const routes = (): Route[] => [
    { method: 'post', path: '/aws/console', fields: consoleFields, ...by('alice') },
    { method: 'get', path: '/aws/console', fields: consoleFields, ...by('alice', 'none') },
    { method: 'post', path: '/saml/launch', fields: [{ name: 'sp', max: 100, required: true }], ...by('alice') },
    { method: 'post', path: '/account/devices/add', fields: [{ name: 'kind', max: 100, choice: true }, { name: 'password', max: 8192, controls: true }], ...by('alice') },
    { method: 'post', path: '/account/recovery-codes', fields: [{ name: 'password', max: 8192, controls: true }], ...by('alice') },
    { method: 'post', path: `/account/devices/${deviceId}/remove`, fields: [{ name: 'password', max: 8192, controls: true }], ...by('alice') },
    { method: 'post', path: '/login/password', fields: [{ name: 'username', max: 320, required: true }, { name: 'password', max: 8192, required: true, controls: true }], ...by('password') },
    { method: 'post', path: '/login/totp', fields: [{ name: 'code', max: 64, required: true }], ...by('mfa') },
    { method: 'post', path: '/login/recovery', fields: [{ name: 'code', max: 64, required: true }], ...by('mfa') },
    { method: 'post', path: '/login/webauthn/verify', fields: [{ name: 'response', max: 0, required: true, object: true }], ...by('mfa', 'header') },
    { method: 'post', path: '/login/enroll/totp', fields: [{ name: 'code1', max: 64, required: true }, { name: 'code2', max: 64, required: true }, { name: 'name', max: 1024, controls: true }], ...by('enroll') },
    { method: 'post', path: '/login/enroll/webauthn/verify', fields: [{ name: 'response', max: 0, required: true, object: true }, { name: 'name', max: 1024, controls: true }], ...by('enroll', 'header') },
    { method: 'post', path: '/setup/password', fields: [{ name: 'password', max: 8192, required: true, controls: true }, { name: 'confirm', max: 8192, controls: true }], ...by('setup') },
    { method: 'post', path: '/api/v1/admin/service-providers', fields: [{ name: 'metadata', max: 256 * 1024, required: true, controls: true }, { name: 'name', max: 200 }, { name: 'kind', max: 100, choice: true }], ...by('admin', 'header') },
  ];

  it('every form and query field: twice, too long, wrong type, NUL, outside its choice, missing', async () => {
    const failures: string[] = [];
    let checked = 0;
    for (const r of routes()) {
      for (const f of r.fields) {
        for (const c of cases) {
          const req = c.send(r, f);
          if (!req) continue;
          const res = await req;
          checked += 1;
          const label = `${r.method.toUpperCase()} ${r.path.replace(deviceId, ':id')} ${f.name} ${c.what}`;
          // JSON from the error handler, or the form page again with the error announced: either names the field
          const text = typeof res.body?.error?.message === 'string' ? res.body.error.message as string : res.text;
          if (res.status !== 400) failures.push(`${label}: ${res.status} ${text.slice(0, 160)}`);
          else if (!text.includes(`${f.name}:`)) failures.push(`${label}: 400 without naming the field: ${text.slice(0, 160)}`);
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.ok(checked > 100, `only ${checked} requests sent`);
  });

  it('path parameters: NUL is a 400 naming the parameter; over 100 characters the router answers 414', async () => {
    const admin = (m: 'post' | 'delete', p: string) => agents.admin![m](p).set('x-csrf-token', csrfs.admin!).set('accept', 'application/json');
    const nul: [string, string, () => supertest.Test][] = [
      ['unlock', 'username', () => admin('post', '/api/v1/admin/users/a%00b/unlock')],
      ['enrollment link', 'username', () => admin('post', '/api/v1/admin/users/a%00b/enrollment-link')],
      ['delete SP', 'id', () => admin('delete', '/api/v1/admin/service-providers/a%00b')],
      ['device page', 'id', () => agents.alice!.get('/account/devices/a%00b/remove').set('accept', 'application/json')],
      ['remove device', 'id', () => agents.alice!.post('/account/devices/a%00b/remove').set('accept', 'application/json').type('form').send({ _csrf: csrfs.alice! })],
    ];
    for (const [what, param, send] of nul) {
      const res = await send();
      assert.equal(res.status, 400, `${what}: ${res.status} ${res.text.slice(0, 200)}`);
      assert.equal(res.body.error.code, 'validation_failed', what);
      assert.equal(res.body.error.message, `${param}: must not contain control characters`, what);
    }
    for (const send of [() => admin('post', `/api/v1/admin/users/${'a'.repeat(101)}/unlock`), () => admin('delete', `/api/v1/admin/service-providers/${'a'.repeat(101)}`)]) {
      assert.equal((await send()).status, 414);
    }
  });

  it('the issue\'s own examples: a clear message, and the flows still work afterwards', async () => {
    const twice = await agents.alice!.post('/aws/console').type('form').send(formBody([['_csrf', csrfs.alice!], ['role', '111122223333/ReadOnly'], ['role', '444455556666/Developer']])).expect(400);
    assert.match(twice.text, /role: must be given once/);
    const bogus = await agents.alice!.get('/aws/console?choose=bogus').set('accept', 'application/json').expect(400);
    assert.equal(bogus.body.error.code, 'validation_failed');
    assert.match(bogus.body.error.message, /choose: must be one of aws, aws-us-gov, aws-cn/);
    const noSp = await agents.alice!.post('/saml/launch').set('accept', 'application/json').type('form').send({ _csrf: csrfs.alice! }).expect(400);
    assert.equal(noSp.body.error.message, 'sp: is required');
    // nothing above moved or spent a flow: the waiting sign-ins go on
    await agents.password!.post('/login/password').type('form').send({ _csrf: csrfs.password!, username: 'alice', password: TEST_PASSWORD }).expect(303).expect('location', '/login/mfa');
    await agents.alice!.post('/aws/console').type('form').send({ _csrf: csrfs.alice!, role: '111122223333/ReadOnly' }).expect(200);
  });
});
