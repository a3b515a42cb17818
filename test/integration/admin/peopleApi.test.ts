/**
 * The admin API for people (/api/v1/admin/users…), on both databases: every route's success, not_found,
 * validation errors naming the field, a read token refused on each write route, and the audit event with
 * before and after. Changes have their effect: a disabled person's sessions and CLI sessions end, a new
 * password signs in, a reset MFA forces enrollment. Two hundred concurrent creations of one person make one.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { bothDatabases } from '../../helpers/databases.js';
import { apiSessionChange, makeAdminToken, signInAdmin, withToken, type SignedInAdmin } from '../../helpers/admin.js';
import { loginWithTotp, submitPassword } from '../../helpers/login.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { lockoutKeys } from '../../../src/auth/lockout.js';
import { hashToken } from '../../../src/auth/tokens.js';
import type { StoredAuditEvent } from '../../../src/store/repositories/audit.js';

const XSS = '<img src=x onerror=alert(1)>';

for (const db of bothDatabases) {
  describe(`admin API: people (${db})`, { timeout: 240_000 }, () => {
    let t: TestApp;
    let admin: SignedInAdmin;
    let read: string;
    let write: string;
    const code = (res: { body: { error?: { code?: string } } }) => res.body.error?.code;
    const fields = (res: { body: { error?: { detail?: { field: string }[] } } }) => (res.body.error?.detail ?? []).map((f) => f.field).sort();
    const api = (method: 'get' | 'post' | 'patch' | 'put' | 'delete', url: string) => admin.agent[method](url).set('x-csrf-token', admin.csrf);
    const lastEvent = async (type: string): Promise<StoredAuditEvent> => {
      const [e] = await t.ctx.store.audit.list({ type, limit: 1 });
      assert.ok(e, `a ${type} event`);
      return e;
    };
    const eventCount = async (type: string) => (await t.ctx.store.audit.list({ type, limit: 1000 })).length;
    /** A live CLI session (bearer token) of `userId`, as the command line would hold it. */
    const cliSession = async (userId: string, name: string) => {
      const now = t.clock.now();
      await t.ctx.store.cliTokens.create({
        tokenHash: hashToken(name), userId, factor: 'totp', deviceId: null, via: 'browser', clientName: name, authenticatedAt: now, createdAt: now, lastUsedAt: now, expiresAt: now + 3_600_000,
      });
      return async () => (await t.ctx.store.cliTokens.find(hashToken(name)))?.revokedAt != null;
    };
    /** Signs `username` in (TOTP) in a browser-like agent; the clock moves on 30 s first, so each code is fresh. */
    const browserSession = async (username: string) => {
      t.clock.advance(30_000);
      const s = await loginWithTotp(supertest.agent(t.app.server), { username, password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
      return async () => (await s.agent.get('/account').redirects(0)).status === 200;
    };

    before(async () => {
      t = await startTestApp({ db });
      admin = await signInAdmin(t);
      read = (await makeAdminToken(admin, 'read')).token;
      write = (await makeAdminToken(admin, 'write')).token;
      for (const name of ['developers', 'auditors']) await t.ctx.store.groups.create({ id: randomUUID(), name }, t.clock.now());
    });
    after(async () => { await t.close(); });

    it('POST /users adds a person without a password, in their groups, audited with the person after', async () => {
      const res = await api('post', '/api/v1/admin/users').send({ username: 'ada', email: 'ada@example.com', displayName: XSS, groups: ['developers'] }).expect(201);
      assert.deepEqual({ ...res.body, id: undefined, createdAt: undefined, updatedAt: undefined }, {
        id: undefined, createdAt: undefined, updatedAt: undefined, username: 'ada', email: 'ada@example.com', displayName: XSS, status: 'active', groups: ['developers'],
        lockedUntil: null, timeZone: null, hasPassword: false, devices: [], recoveryCodes: 0, lastSecondFactorAt: null,
      });
      const e = await lastEvent('user.created');
      assert.equal(e.username, 'ada');
      assert.deepEqual(e.detail, {
        ...apiSessionChange(admin), groups: ['developers'],
        after: { username: 'ada', email: 'ada@example.com', displayName: XSS, status: 'active', groups: ['developers'] },
      });
      const byToken = await withToken(t, write).post('/api/v1/admin/users').send({ username: 'bea' }).expect(201);
      assert.equal(byToken.body.groups.length, 0);
      assert.match(String((await lastEvent('user.created')).detail.via), /^api-token:/);
    });

    it('POST /users: bad fields are named, a taken username or email is a conflict, an unknown group not_found, a read token is refused', async () => {
      const bad = await api('post', '/api/v1/admin/users').send({ username: '-x y', email: 'not-an-email', displayName: 'x'.repeat(257), groups: 'developers' }).expect(400);
      assert.equal(code(bad), 'validation_failed');
      assert.deepEqual(fields(bad), ['displayName', 'groups']);
      const rules = await api('post', '/api/v1/admin/users').send({ username: '-x y', email: 'not-an-email' }).expect(400);
      assert.deepEqual(fields(rules), ['email', 'username']);
      assert.equal(code(await api('post', '/api/v1/admin/users').send({ username: 'ok', admin: true }).expect(400)), 'validation_failed');
      assert.equal(code(await api('post', '/api/v1/admin/users').send({}).expect(400)), 'validation_failed');
      const dup = await api('post', '/api/v1/admin/users').send({ username: 'ADA' }).expect(409);
      assert.equal(dup.body.error.message, 'user "ADA" exists already');
      assert.equal(code(await api('post', '/api/v1/admin/users').send({ username: 'ada2', email: 'ADA@example.com' }).expect(409)), 'conflict');
      const nog = await api('post', '/api/v1/admin/users').send({ username: 'ada3', groups: ['nope'] }).expect(404);
      assert.equal(nog.body.error.message, 'No group named "nope".');
      assert.equal(await t.ctx.store.users.findByUsername('ada3'), undefined, 'nothing was added');
      assert.equal(code(await withToken(t, read).post('/api/v1/admin/users').send({ username: 'ada4' }).expect(403)), 'forbidden');
    });

    it('GET /users searches by text, status, group and lock, a page at a time', async () => {
      await createTestUser(t.ctx, { username: 'carla', email: 'carla@corp.example', displayName: 'Carla Search', groups: ['auditors'] });
      await t.ctx.store.throttles.reserve(lockoutKeys('carla', '').user, t.clock.now(), { windowMs: 600_000, backoffAfter: 100, baseDelayMs: 0, lockAfter: 1, lockMs: 600_000 });
      const names = async (q: string) => (await withToken(t, read).get(`/api/v1/admin/users?${q}`).expect(200)).body.items.map((p: { username: string }) => p.username);
      assert.deepEqual(await names('q=SEARCH'), ['carla']);
      assert.deepEqual(await names('q=corp.example'), ['carla']);
      assert.deepEqual(await names('group=auditors'), ['carla']);
      assert.deepEqual(await names('locked=true'), ['carla']);
      assert.ok(!(await names('locked=false')).includes('carla'));
      const carla = (await withToken(t, read).get('/api/v1/admin/users?q=carla').expect(200)).body.items[0];
      assert.equal(carla.lockedUntil, new Date(t.clock.now() + 600_000).toISOString());
      assert.equal(carla.deviceCount, 0);
      const all = (await withToken(t, read).get('/api/v1/admin/users').expect(200)).body;
      const first = (await withToken(t, read).get('/api/v1/admin/users?limit=1').expect(200)).body;
      assert.deepEqual([first.items.length, first.total, first.nextOffset], [1, all.total, 1]);
      const second = (await withToken(t, read).get('/api/v1/admin/users?limit=1&offset=1').expect(200)).body;
      assert.equal(second.items[0].username, all.items[1].username);
      const bad = await withToken(t, read).get('/api/v1/admin/users?limit=0&locked=maybe&status=gone').expect(400);
      assert.deepEqual(fields(bad), ['limit', 'locked', 'status']);
    });

    it('GET /users/{username}: devices, recovery codes and lock; not_found for nobody', async () => {
      const dora = await createTestUser(t.ctx, { username: 'dora', totpSecret: TEST_TOTP_SECRET, deviceName: 'Dora phone', recoveryCodes: true });
      const res = await withToken(t, read).get('/api/v1/admin/users/DORA').expect(200);
      assert.equal(res.body.username, 'dora');
      assert.deepEqual(res.body.devices.map((d: { id: string; name: string; kind: string }) => [d.id, d.name, d.kind]), [[dora.deviceId, 'Dora phone', 'totp']]);
      assert.equal(res.body.recoveryCodes, 10);
      assert.equal(res.body.hasPassword, true);
      const missing = await withToken(t, read).get('/api/v1/admin/users/nobody').expect(404);
      assert.deepEqual([code(missing), missing.body.error.message], ['not_found', 'No user named "nobody".']);
    });

    it('PATCH /users/{username}: email and display name audited with only what changed; disabling ends sessions and CLI sessions', async () => {
      await createTestUser(t.ctx, { username: 'eve', email: 'eve@example.com', totpSecret: TEST_TOTP_SECRET });
      const eve = (await t.ctx.store.users.findByUsername('eve'))!;
      const res = await api('patch', '/api/v1/admin/users/eve').send({ displayName: 'Eve Example' }).expect(200);
      assert.deepEqual([res.body.displayName, res.body.email], ['Eve Example', 'eve@example.com']);
      assert.deepEqual((await lastEvent('user.updated')).detail, { ...apiSessionChange(admin), before: { displayName: null }, after: { displayName: 'Eve Example' } });
      const updates = await eventCount('user.updated');
      await api('patch', '/api/v1/admin/users/eve').send({ displayName: 'Eve Example' }).expect(200);
      assert.equal(await eventCount('user.updated'), updates, 'no change, no event');
      await api('patch', '/api/v1/admin/users/eve').send({ email: null }).expect(200);
      assert.deepEqual((await lastEvent('user.updated')).detail.before, { email: 'eve@example.com' });

      const signedIn = await browserSession('eve');
      const cliRevoked = await cliSession(eve.id, 'eve-laptop');
      assert.equal(await signedIn(), true);
      const off = await withToken(t, write).patch('/api/v1/admin/users/eve').send({ status: 'disabled' }).expect(200);
      assert.equal(off.body.status, 'disabled');
      assert.equal(await signedIn(), false, 'the browser session ended');
      assert.equal(await cliRevoked(), true, 'the CLI session was revoked');
      const e = await lastEvent('user.disabled');
      assert.deepEqual({ ...e.detail, via: undefined }, { by: 'root', via: undefined, before: { status: 'active' }, after: { status: 'disabled' }, cliSessions: 1 });
      assert.equal((await submitPassword(supertest.agent(t.app.server), { username: 'eve', password: TEST_PASSWORD })).status, 401, 'a disabled person cannot sign in');
      await api('patch', '/api/v1/admin/users/eve').send({ status: 'active' }).expect(200);
      assert.deepEqual((await lastEvent('user.enabled')).detail, { ...apiSessionChange(admin), before: { status: 'disabled' }, after: { status: 'active' } });
    });

    it('PATCH /users/{username}: bad fields named, a taken email, disabling oneself, a read token, nobody', async () => {
      const bad = await api('patch', '/api/v1/admin/users/eve').send({ email: 'nope', status: 'gone' }).expect(400);
      assert.deepEqual(fields(bad), ['status']);
      const rule = await api('patch', '/api/v1/admin/users/eve').send({ email: 'nope' }).expect(400);
      assert.deepEqual(fields(rule), ['email']);
      assert.equal(code(await api('patch', '/api/v1/admin/users/eve').send({ email: 'ada@example.com' }).expect(409)), 'conflict');
      const self = await api('patch', '/api/v1/admin/users/root').send({ status: 'disabled' }).expect(409);
      assert.match(self.body.error.message, /cannot disable yourself/);
      assert.equal((await t.ctx.store.users.findByUsername('root'))?.status, 'active');
      assert.equal(code(await withToken(t, read).patch('/api/v1/admin/users/eve').send({ displayName: 'x' }).expect(403)), 'forbidden');
      assert.equal(code(await api('patch', '/api/v1/admin/users/nobody').send({ displayName: 'x' }).expect(404)), 'not_found');
    });

    it('POST /users/{username}/password: typed or generated (shown once), the policy, sessions end; never in the audit', async () => {
      await createTestUser(t.ctx, { username: 'finn', totpSecret: TEST_TOTP_SECRET });
      const signedIn = await browserSession('finn');
      const typed = 'a brand new passphrase for finn';
      const r1 = await api('post', '/api/v1/admin/users/finn/password').send({ password: typed }).expect(200);
      assert.deepEqual(r1.body, { username: 'finn' });
      assert.equal(await signedIn(), false, 'their session ended');
      assert.equal((await submitPassword(supertest.agent(t.app.server), { username: 'finn', password: typed })).status, 303);
      const r2 = await withToken(t, write).post('/api/v1/admin/users/finn/password').send({ generate: true }).expect(200);
      assert.match(r2.body.password, /^[a-z2-9]{5}(-[a-z2-9]{5}){4}$/);
      assert.equal((await submitPassword(supertest.agent(t.app.server), { username: 'finn', password: r2.body.password })).status, 303);
      const e = await lastEvent('user.password_set');
      assert.equal(e.detail.generated, true);
      assert.ok(!JSON.stringify(e).includes(r2.body.password) && !JSON.stringify(await t.ctx.store.audit.list({ limit: 50 })).includes(typed));
      const weak = await api('post', '/api/v1/admin/users/finn/password').send({ password: 'finn' }).expect(400);
      assert.equal(code(weak), 'password_rejected');
      assert.deepEqual(fields(await api('post', '/api/v1/admin/users/finn/password').send({}).expect(400)), ['password']);
      assert.deepEqual(fields(await api('post', '/api/v1/admin/users/finn/password').send({ password: typed, generate: true }).expect(400)), ['password']);
      assert.deepEqual(fields(await api('post', '/api/v1/admin/users/finn/password').send({ generate: false }).expect(400)), ['generate']);
      assert.equal(code(await withToken(t, read).post('/api/v1/admin/users/finn/password').send({ generate: true }).expect(403)), 'forbidden');
      assert.equal(code(await api('post', '/api/v1/admin/users/nobody/password').send({ generate: true }).expect(404)), 'not_found');
    });

    it('POST /users/{username}/unlock: clears the lock, audited with the lock before; a read token is refused', async () => {
      await createTestUser(t.ctx, { username: 'gil' });
      const until = t.clock.now() + 600_000;
      await t.ctx.store.throttles.reserve(lockoutKeys('gil', '').user, t.clock.now(), { windowMs: 600_000, backoffAfter: 100, baseDelayMs: 0, lockAfter: 1, lockMs: 600_000 });
      assert.equal(code(await withToken(t, read).post('/api/v1/admin/users/gil/unlock').expect(403)), 'forbidden');
      assert.deepEqual((await api('post', '/api/v1/admin/users/gil/unlock').expect(200)).body, { username: 'gil', cleared: true });
      assert.deepEqual((await lastEvent('lockout.cleared')).detail, { ...apiSessionChange(admin), before: { failures: 1, lockedUntil: until }, after: { failures: 0, lockedUntil: null } });
      assert.deepEqual((await api('post', '/api/v1/admin/users/gil/unlock').expect(200)).body, { username: 'gil', cleared: false });
      assert.equal(code(await api('post', '/api/v1/admin/users/nobody/unlock').expect(404)), 'not_found');
    });

    it('POST /users/{username}/reset-mfa: sensitive; removes devices and codes, ends sessions, audited with the devices before', async () => {
      const hal = await createTestUser(t.ctx, { username: 'hal', totpSecret: TEST_TOTP_SECRET, deviceName: 'Hal phone', recoveryCodes: true });
      const signedIn = await browserSession('hal');
      const cliRevoked = await cliSession(hal.user.id, 'hal-laptop');
      assert.equal(code(await withToken(t, read).post('/api/v1/admin/users/hal/reset-mfa').expect(403)), 'forbidden');
      t.clock.advance((t.ctx.config.admin.reauthSeconds + 60) * 1000);
      try {
        assert.equal(code(await api('post', '/api/v1/admin/users/hal/reset-mfa').expect(403)), 'reauth_required');
        assert.equal((await t.ctx.store.devices.listForUser(hal.user.id)).length, 1, 'nothing was reset');
        const res = await withToken(t, write).post('/api/v1/admin/users/hal/reset-mfa').expect(200);
        assert.deepEqual(res.body, { username: 'hal', devices: 1, recoveryCodes: 10, cliSessions: 1 });
      } finally {
        t.clock.advance(-(t.ctx.config.admin.reauthSeconds + 60) * 1000);
      }
      assert.equal(await signedIn(), false);
      assert.equal(await cliRevoked(), true);
      const e = await lastEvent('user.mfa_reset');
      assert.deepEqual(e.detail.before, { devices: [{ id: hal.deviceId, kind: 'totp', name: 'Hal phone', confirmed: true }], recoveryCodes: 10 });
      assert.deepEqual(e.detail.after, { devices: [], recoveryCodes: 0 });
      const pw = await submitPassword(supertest.agent(t.app.server), { username: 'hal', password: TEST_PASSWORD });
      assert.equal(pw.headers.location, '/login/enroll', 'the next sign-in is forced into enrollment');
      assert.equal(code(await api('post', '/api/v1/admin/users/nobody/reset-mfa').expect(404)), 'not_found');
    });

    it('POST /users/{username}/enrollment-link: a one-time /setup link, audited without it; a read token is refused', async () => {
      assert.equal(code(await withToken(t, read).post('/api/v1/admin/users/ada/enrollment-link').expect(403)), 'forbidden');
      const res = await api('post', '/api/v1/admin/users/ada/enrollment-link').expect(200);
      assert.ok(res.body.url.startsWith(`${t.url}/setup?token=`));
      const e = await lastEvent('enrollment.link_issued');
      assert.deepEqual([e.username, e.detail.via, (e.detail.after as { setsPassword: boolean }).setsPassword], ['ada', 'api-session', true]);
      assert.ok(!JSON.stringify(e).includes(new URL(res.body.url).searchParams.get('token')!));
      const page = await supertest.agent(t.app.server).get(new URL(res.body.url).pathname + new URL(res.body.url).search).expect(200);
      assert.match(page.text, /Choose your password/, 'a person without a password chooses one first');
    });

    it('devices: list, rename (audited with both names), remove (sensitive; never the last one)', async () => {
      const ivy = await createTestUser(t.ctx, { username: 'ivy', totpSecret: TEST_TOTP_SECRET, deviceName: 'Old phone' });
      const second = randomUUID();
      await t.ctx.store.devices.create({
        id: second, userId: ivy.user.id, kind: 'totp', name: 'Tablet', secretEnc: t.ctx.secrets.seal(TEST_TOTP_SECRET, second), lastStep: null,
        credentialId: null, publicKey: null, counter: null, transports: [], confirmed: true, createdAt: t.clock.now() + 1,
      });
      const list = await withToken(t, read).get('/api/v1/admin/users/ivy/devices').expect(200);
      assert.deepEqual(list.body.items.map((d: { name: string }) => d.name), ['Old phone', 'Tablet']);
      assert.equal(list.body.total, 2);

      const url = `/api/v1/admin/users/ivy/devices/${ivy.deviceId}`;
      assert.equal(code(await withToken(t, read).patch(url).send({ name: 'x' }).expect(403)), 'forbidden');
      const renamed = await api('patch', url).send({ name: `  ${XSS}  ` }).expect(200);
      assert.equal(renamed.body.name, XSS);
      const e = await lastEvent('device.renamed');
      assert.deepEqual([e.username, e.deviceId, e.deviceName, e.detail], ['ivy', ivy.deviceId, XSS, { ...apiSessionChange(admin), before: 'Old phone', after: XSS }]);
      assert.deepEqual(fields(await api('patch', url).send({ name: '   ' }).expect(400)), ['name']);
      assert.deepEqual(fields(await api('patch', url).send({ name: 'x'.repeat(65) }).expect(400)), ['name']);
      assert.equal(code(await api('patch', `/api/v1/admin/users/ivy/devices/${randomUUID()}`).send({ name: 'x' }).expect(404)), 'not_found');

      assert.equal(code(await withToken(t, read).delete(url).expect(403)), 'forbidden');
      t.clock.advance((t.ctx.config.admin.reauthSeconds + 60) * 1000);
      try {
        assert.equal(code(await api('delete', url).expect(403)), 'reauth_required');
      } finally {
        t.clock.advance(-(t.ctx.config.admin.reauthSeconds + 60) * 1000);
      }
      await api('delete', url).expect(204);
      const removed = await lastEvent('device.removed');
      assert.deepEqual([removed.deviceName, removed.detail], [XSS, { ...apiSessionChange(admin), before: { id: ivy.deviceId, kind: 'totp', name: XSS } }]);
      const last = await api('delete', `/api/v1/admin/users/ivy/devices/${second}`).expect(409);
      assert.match(last.body.error.message, /only device.*reset their MFA/);
      assert.ok(await t.ctx.store.devices.findById(second), 'the last device stays');
      assert.equal(code(await api('delete', url).expect(404)), 'not_found');
    });

    it('groups: PUT adds, DELETE removes, each audited once with the groups before and after', async () => {
      const url = '/api/v1/admin/users/bea/groups/auditors';
      assert.equal(code(await withToken(t, read).put(url).expect(403)), 'forbidden');
      assert.deepEqual((await api('put', url).expect(200)).body, { username: 'bea', groups: ['auditors'], changed: true });
      assert.deepEqual((await lastEvent('group.member_added')).detail, { ...apiSessionChange(admin), group: 'auditors', before: { groups: [] }, after: { groups: ['auditors'] } });
      const added = await eventCount('group.member_added');
      assert.equal((await api('put', url).expect(200)).body.changed, false);
      assert.equal(await eventCount('group.member_added'), added);
      assert.equal(code(await withToken(t, read).delete(url).expect(403)), 'forbidden');
      assert.deepEqual((await withToken(t, write).delete(url).expect(200)).body, { username: 'bea', groups: [], changed: true });
      assert.deepEqual((await lastEvent('group.member_removed')).detail.after, { groups: [] });
      assert.equal(code(await api('put', '/api/v1/admin/users/bea/groups/nope').expect(404)), 'not_found');
      const self = await api('delete', `/api/v1/admin/users/root/groups/${t.ctx.config.admin.group}`).expect(409);
      assert.match(self.body.error.message, /cannot remove yourself/);
    });

    it('200 concurrent requests to add the same person make one person and one event; the rest are conflicts', async () => {
      const created = await eventCount('user.created');
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => withToken(t, write).post('/api/v1/admin/users').send({ username: i % 2 ? 'Zed' : 'zed', groups: ['developers'] })));
      const statuses = results.map((r) => r.status);
      assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${[...new Set(statuses)].join(', ')}`);
      assert.equal(statuses.filter((s) => s === 409).length, 199);
      assert.equal(await eventCount('user.created'), created + 1);
      const joins = await Promise.all(Array.from({ length: 50 }, () => withToken(t, write).put('/api/v1/admin/users/zed/groups/auditors')));
      assert.equal(joins.filter((r) => r.body.changed === true).length, 1);
      assert.deepEqual((await withToken(t, read).get('/api/v1/admin/users/zed').expect(200)).body.groups, ['auditors', 'developers']);
    });
  });
}
