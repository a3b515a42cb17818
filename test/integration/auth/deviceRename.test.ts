/**
 * Issue 11, "devices can be renamed": /account/devices/:id/rename on SQLite and PostgreSQL. A rename is CSRF-checked,
 * bounded (1–64 characters after trimming, no control characters, the field once), only of one's own confirmed
 * device, shown escaped, and audited as `device.renamed` with the name before and after (a name that does not
 * change is not a change: no event). Concurrent renames leave one of the names and one event per change.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { bothDatabases } from '../../helpers/databases.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { loginWithTotp } from '../../helpers/login.js';

for (const db of bothDatabases) {
  describe(`renaming a device (${db})`, () => {
    let t: TestApp;
    let agent: supertest.Agent;
    let csrf = '';
    let deviceId = '';
    let otherDeviceId = '';
    const rename = (name: unknown, opts: { id?: string; csrf?: string } = {}) =>
      agent.post(`/account/devices/${opts.id ?? deviceId}/rename`).type('form').send({ _csrf: opts.csrf ?? csrf, name });
    const nameNow = async (id = deviceId) => (await t.ctx.store.devices.findById(id))?.name;
    const events = () => t.ctx.store.audit.list({ type: 'device.renamed', limit: 1000 });

    before(async () => {
      t = await startTestApp({ db });
      const dana = await createTestUser(t.ctx, { username: 'dana', totpSecret: TEST_TOTP_SECRET, deviceName: 'Phone' });
      const erin = await createTestUser(t.ctx, { username: 'erin', totpSecret: TEST_TOTP_SECRET, deviceName: 'Erin phone' });
      deviceId = dana.deviceId!;
      otherDeviceId = erin.deviceId!;
      agent = supertest.agent(t.app.server);
      ({ csrf } = await loginWithTotp(agent, { username: 'dana', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() }));
    });
    after(async () => { await t.close(); });

    it('renames the device, trimmed and with inner white space collapsed, audited with before and after', async () => {
      const page = await agent.get(`/account/devices/${deviceId}/rename`).expect(200);
      assert.match(page.text, /<input type="text" id="device-name" name="name" maxlength="64"[^>]* value="Phone"/);
      await rename('  Work \t  phone  ').expect(303).expect('location', '/account?done=renamed');
      assert.equal(await nameNow(), 'Work phone');
      const [ev] = await events();
      assert.equal(ev?.outcome, 'success');
      assert.equal(ev?.username, 'dana');
      assert.equal(ev?.deviceId, deviceId);
      assert.equal(ev?.deviceName, 'Work phone');
      assert.equal(ev?.factor, 'totp');
      assert.deepEqual(ev?.detail, { before: 'Phone', after: 'Work phone' });
      const account = await agent.get('/account?done=renamed').expect(200);
      assert.match(account.text, /role="status">The device was renamed\./);
      assert.match(account.text, /<td data-label="Name">Work phone/);
    });

    it('the same name again is no change: nothing is recorded', async () => {
      const before = (await events()).length;
      await rename('Work phone').expect(303);
      assert.equal((await events()).length, before);
    });

    it('bad names are refused with a message and change nothing', async () => {
      const before = (await events()).length;
      for (const [name, message] of [
        ['', /Give the device a name of 1 to 64 characters/],
        ['   ', /Give the device a name of 1 to 64 characters/],
        ['x'.repeat(65), /Give the device a name of 1 to 64 characters/],
        ['bell\u0007', /Give the device a name of 1 to 64 characters/],
        ['x'.repeat(1025), /name: must be at most 1024 characters/],
        [['a', 'b'], /name: must be given once/],
        [undefined, /name: is required/],
      ] as const) {
        const res = await rename(name);
        assert.equal(res.status, 400, JSON.stringify(name));
        assert.match(res.text, message);
        assert.match(res.text, /aria-invalid="true"/, 'the field is marked invalid');
      }
      assert.equal(await nameNow(), 'Work phone');
      assert.equal((await events()).length, before);
      await rename('x'.repeat(64)).expect(303);
      assert.equal(await nameNow(), 'x'.repeat(64), '64 characters are allowed');
    });

    it('a name is shown as text everywhere (account, rename and remove pages)', async () => {
      const evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>';
      await rename(evil).expect(303);
      assert.equal(await nameNow(), evil);
      const escaped = '&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;';
      for (const path of ['/account', `/account/devices/${deviceId}/rename`]) {
        const html = (await agent.get(path).expect(200)).text;
        assert.ok(html.includes(escaped), `${path} shows the name escaped`);
        assert.doesNotMatch(html, /<script>alert|<img src=x/, `${path} has no markup from the name`);
      }
      const [ev] = await events();
      assert.deepEqual(ev?.detail, { before: 'x'.repeat(64), after: evil });
    });

    it('only one\'s own confirmed devices, only with the page\'s CSRF value, only when signed in', async () => {
      const before = (await events()).length;
      assert.equal((await rename('Mine now', { id: otherDeviceId })).status, 404);
      assert.equal(await nameNow(otherDeviceId), 'Erin phone');
      const dana = (await t.ctx.store.users.findByUsername('dana'))!;
      const pendingId = randomUUID();
      await t.ctx.store.devices.create({
        id: pendingId, userId: dana.id, kind: 'totp', name: 'Pending', secretEnc: t.ctx.secrets.seal(TEST_TOTP_SECRET, pendingId), lastStep: null,
        credentialId: null, publicKey: null, counter: null, transports: [], confirmed: false, createdAt: t.clock.now(),
      });
      assert.equal((await rename('Confirmed?', { id: pendingId })).status, 404, 'an unconfirmed device is not listed, nor renamed');
      assert.equal((await rename('No token', { csrf: 'wrong' })).status, 403);
      const stranger = await supertest(t.app.server).post(`/account/devices/${deviceId}/rename`).set('accept', 'application/json').type('form').send({ name: 'x' });
      assert.equal(stranger.status, 401);
      assert.notEqual(await nameNow(), 'No token');
      assert.equal((await events()).length, before);
    });

    it('200 concurrent renames: each event\'s "before" is the name it really replaced, and the last names the final one', async () => {
      const start = await nameNow();
      const seen = (await events()).length;
      const names = Array.from({ length: 200 }, (_, i) => `Name ${i % 4}`);
      const res = await Promise.all(names.map((n) => rename(n)));
      assert.ok(res.every((r) => r.status === 303), res.map((r) => r.status).join(','));
      const final = await nameNow();
      assert.ok(names.includes(final!));
      const all = await events();
      const added = all.slice(0, all.length - seen).reverse();
      assert.ok(added.length >= 1 && added.length <= 200);
      let name = start;
      for (const e of added) {
        assert.equal(e.detail.before, name, 'the names form one unbroken chain');
        assert.notEqual(e.detail.after, e.detail.before, 'no event without a change');
        name = e.detail.after as string;
      }
      assert.equal(name, final, 'the latest event names the final name');
    });
  });
}
