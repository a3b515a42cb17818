// Real sign-ins through the app, many at once, on SQLite and PostgreSQL: every step writes an audit event, and the
// chain they form stays whole.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { loginWithTotp, submitPassword } from '../../helpers/login.js';
import { bothDatabases } from '../../helpers/databases.js';
import { verifyAuditChain } from '../../../src/audit/verifyAuditChain.js';

for (const db of bothDatabases) {
  describe(`audit chain under concurrent sign-ins (${db})`, () => {
    let t: TestApp;
    before(async () => { t = await startTestApp({ db }); });
    after(async () => { await t.close(); });

    it('20 concurrent sign-ins (and 10 wrong passwords among them) leave an unbroken chain with every event', async () => {
      const people = await Promise.all(Array.from({ length: 20 }, (_, i) => createTestUser(t.ctx, { username: `person${i}`, totpSecret: TEST_TOTP_SECRET })));
      const before = (await t.ctx.store.audit.head())!.seq;
      const now = t.clock.now();
      const results = await Promise.all([
        ...people.map((p) => loginWithTotp(supertest.agent(t.app.server), { username: p.user.username, password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now })),
        ...people.slice(0, 10).map((p) => submitPassword(supertest.agent(t.app.server), { username: p.user.username, password: 'not the password at all' })),
      ]);
      assert.equal(results.length, 30);

      const report = await verifyAuditChain(t.ctx.store);
      assert.equal(report.ok, true, JSON.stringify(report));
      const events = await t.ctx.store.audit.list({ limit: 1000 });
      const fresh = events.filter((e) => e.seq > before);
      assert.equal(fresh.filter((e) => e.type === 'login.mfa' && e.outcome === 'success').length, 20);
      assert.equal(fresh.filter((e) => e.type === 'login.password' && e.outcome === 'success').length, 20);
      assert.equal(fresh.filter((e) => e.type === 'login.password' && e.outcome === 'failure').length, 10);
      assert.equal(report.count, events.length);
      assert.deepEqual(new Set(fresh.filter((e) => e.type === 'login.mfa').map((e) => e.username)), new Set(people.map((p) => p.user.username)));
    });
  });
}
