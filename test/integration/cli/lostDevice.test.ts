/**
 * "When someone loses their phone" (README, issue 11): the real `gatehouse user reset-mfa` and
 * `gatehouse user enrollment-link` as child processes against the running app's database (SQLite and
 * PostgreSQL); afterwards the person's sessions are gone and their next sign-in is forced into enrollment.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import supertest from 'supertest';
import { runProcess } from '../../helpers/runProcess.js';
import { gatehouseArgs } from '../../helpers/gatehouseBin.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { csrfFrom, loginWithTotp, submitPassword } from '../../helpers/login.js';
import { bothDatabases } from '../../helpers/databases.js';
import { hashToken } from '../../../src/auth/tokens.js';

const root = new URL('../../../', import.meta.url).pathname;

for (const db of bothDatabases) {
  describe(`lost device: reset-mfa and enrollment-link (${db})`, () => {
    let t: TestApp;
    let dir: string;
    let env: NodeJS.ProcessEnv;
    const gatehouse = (args: string[]) => runProcess(process.execPath, gatehouseArgs(args), { cwd: root, env });

    before(async () => {
      t = await startTestApp({ db });
      dir = mkdtempSync(join(tmpdir(), 'gatehouse-lost-'));
      writeFileSync(join(dir, 'config.yaml'), 'auth:\n  argon2: {memoryCost: 8192, timeCost: 1, parallelism: 1}\n');
      env = {
        PATH: process.env.PATH, HOME: dir, GATEHOUSE_CONFIG: join(dir, 'config.yaml'), GATEHOUSE_DATABASE_URL: t.ctx.config.database.url,
        GATEHOUSE_SECRET_KEY: t.ctx.config.secrets.key, GATEHOUSE_BASE_URL: t.url,
      };
    });
    after(async () => {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('reset-mfa removes every device and recovery code, ends sessions and CLI sessions, audited; the next sign-in must enroll', async () => {
      const lou = await createTestUser(t.ctx, { username: 'lou', totpSecret: TEST_TOTP_SECRET, recoveryCodes: true });
      await createTestUser(t.ctx, { username: 'kim', totpSecret: TEST_TOTP_SECRET });
      const now = t.clock.now();
      await t.ctx.store.cliTokens.create({
        tokenHash: hashToken('lou-cli'), userId: lou.user.id, factor: 'totp', deviceId: lou.deviceId ?? null, via: 'browser', clientName: 'laptop',
        authenticatedAt: now, createdAt: now, lastUsedAt: now, expiresAt: now + 3_600_000,
      });
      const session = await loginWithTotp(supertest.agent(t.app.server), { username: 'lou', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now });
      const kimUser = (await t.ctx.store.users.findByUsername('kim'))!;
      const kim = await loginWithTotp(supertest.agent(t.app.server), { username: 'kim', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now });
      await session.agent.get('/account').expect(200);

      const r = await gatehouse(['user', 'reset-mfa', 'LOU']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /removed 1 device\(s\) and 10 unused recovery code\(s\) of lou; their sessions were ended/);
      assert.match(r.stdout, /gatehouse user enrollment-link lou/);

      assert.deepEqual(await t.ctx.store.devices.listForUser(lou.user.id), []);
      assert.equal(await t.ctx.store.devices.remainingRecoveryCodes(lou.user.id), 0);
      assert.ok((await t.ctx.store.cliTokens.find(hashToken('lou-cli')))?.revokedAt, 'the CLI session is revoked');
      assert.notEqual((await session.agent.get('/account')).status, 200, 'the browser session is ended');
      await kim.agent.get('/account').expect(200);
      assert.equal((await t.ctx.store.devices.listForUser(kimUser.id)).length, 1, 'others keep their devices');
      const [event] = await t.ctx.store.audit.list({ type: 'user.mfa_reset' });
      assert.equal(event?.username, 'lou');
      const { by, before, after, ...counts } = event?.detail ?? {};
      assert.deepEqual(counts, { via: 'cli', devices: 1, recoveryCodes: 10, cliSessions: 1 });
      assert.match(String(by), /^cli/);
      assert.deepEqual(before, { devices: [{ id: lou.deviceId, kind: 'totp', name: 'Phone', confirmed: true }], recoveryCodes: 10 });
      assert.deepEqual(after, { devices: [], recoveryCodes: 0 });

      t.clock.advance(30_000);
      const a = supertest.agent(t.app.server);
      const pw = await submitPassword(a, { username: 'lou', password: TEST_PASSWORD });
      assert.equal(pw.status, 303);
      assert.equal(pw.headers.location, '/login/enroll', 'the next sign-in is forced into enrollment');
      assert.match((await a.get('/login/enroll').expect(200)).text, /authenticator app|security key/i);
      assert.notEqual((await a.get('/account')).status, 200, 'not signed in before enrolling');
    });

    test('enrollment-link prints a one-time link that opens set-up once', async () => {
      const r = await gatehouse(['user', 'enrollment-link', 'lou']);
      assert.equal(r.code, 0, r.stderr);
      const url = /^(\S+)$/m.exec(r.stdout)?.[1] ?? '';
      assert.ok(url.startsWith(`${t.url}/setup?token=`), r.stdout);
      assert.match(r.stdout, /one-time link for lou, valid until /);
      const [event] = await t.ctx.store.audit.list({ type: 'enrollment.link_issued' });
      assert.equal(event?.username, 'lou');
      assert.match(String(event?.detail.by), /^cli/);

      const path = url.slice(t.url.length);
      const a = supertest.agent(t.app.server);
      const page = await a.get(path).expect(200);
      const pw = await a.post('/setup/password').type('form').send({ _csrf: csrfFrom(page.text), password: TEST_PASSWORD });
      assert.equal(pw.status, 303);
      assert.equal(pw.headers.location, '/login/enroll');
      assert.notEqual((await supertest.agent(t.app.server).get(path)).status, 200, 'the link works once');

      const json = await gatehouse(['user', 'enrollment-link', 'lou', '--json']);
      assert.equal(json.code, 0, json.stderr);
      const body = JSON.parse(json.stdout) as { username: string; url: string; expiresAt: string };
      assert.equal(body.username, 'lou');
      assert.ok(body.url.startsWith(`${t.url}/setup?token=`));
    });

    test('an unknown person is a clear error', async () => {
      for (const cmd of ['reset-mfa', 'enrollment-link']) {
        const r = await gatehouse(['user', cmd, 'nobody']);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /No user named "nobody"\./);
      }
    });
  });
}
