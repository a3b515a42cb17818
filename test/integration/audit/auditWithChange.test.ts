// Issue 8: each audit event is written in the same transaction as the change it records, on SQLite and PostgreSQL.
// Two ways to fail after one of the two writes: (1) the change and its event are written inside an outer
// transaction that then fails, and neither is stored; (2) the event cannot be written (the chain head row is gone,
// so `append` throws), and the change it would record is not made either: the request fails and nothing changed.
// With the head back, the same requests succeed, each with its event, and the chain verifies.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { bothDatabases } from '../../helpers/databases.js';
import { rawSql } from '../../helpers/rawSql.js';
import { loginWithTotp, type LoginResult } from '../../helpers/login.js';
import { createTestUser, TEST_PASSWORD, type TestUser } from '../../helpers/users.js';
import { genericSpMetadata } from '../../unit/saml/spFixtures.js';
import { withTransaction } from '../../../src/context.js';
import { recordAudit } from '../../../src/audit/recordAudit.js';
import { verifyAuditChain } from '../../../src/audit/verifyAuditChain.js';
import { clearLock, lockoutKeys } from '../../../src/auth/lockout.js';
import { issueRecoveryCodes, removeDevice } from '../../../src/auth/devices.js';
import { registerServiceProvider } from '../../../src/directory/registerServiceProvider.js';

const ADMIN_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const ALICE_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
const SP_ENTITY_ID = 'https://sp.example.com/saml/metadata';

for (const db of bothDatabases) describe(`an audit event and the change it records commit or roll back together (${db})`, () => {
  let t: TestApp;
  let url: string;
  let alice: TestUser;
  let secondDevice: string;
  let admin: LoginResult;
  let rootDevice: string;
  let aliceWeb: LoginResult;

  const lockErin = () => t.ctx.store.throttles.reserve(lockoutKeys('erin', '').user, t.clock.now(), { windowMs: 600_000, backoffAfter: 100, baseDelayMs: 0, lockAfter: 1, lockMs: 600_000 });
  const erinLocked = async () => (await t.ctx.store.throttles.get(lockoutKeys('erin', '').user))?.lockedUntil != null;
  const head = async () => (await t.ctx.store.audit.head())!;
  const count = async (sql: string, params: unknown[]) => Number((await rawSql<{ n: string | number }>(url, sql, params))[0]?.n);
  const sessionsOfAlice = () => count('SELECT count(*) AS n FROM sessions WHERE user_id = $1', [alice.user.id]);
  const linksOfAlice = () => count('SELECT count(*) AS n FROM enrollment_tokens WHERE user_id = $1', [alice.user.id]);
  const codeIdsOfAlice = async () => (await rawSql<{ id: string }>(url, 'SELECT id FROM recovery_codes WHERE user_id = $1 ORDER BY id', [alice.user.id])).map((r) => r.id);
  const spStored = async () => (await t.ctx.store.serviceProviders.findByEntityId(SP_ENTITY_ID)) !== undefined;

  /** Runs `fn` while the audit chain's head row is missing: every `append` then throws. Puts the row back after. */
  async function withoutChainHead(fn: () => Promise<void>): Promise<void> {
    const [row] = await rawSql<{ seq: string | number; hash: string }>(url, 'SELECT seq, hash FROM audit_chain_head WHERE id = 1');
    assert.ok(row);
    await rawSql(url, 'DELETE FROM audit_chain_head');
    try {
      await fn();
    } finally {
      await rawSql(url, 'INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, $1, $2)', [Number(row.seq), row.hash]);
    }
  }

  before(async () => {
    t = await startTestApp({ db });
    url = t.ctx.config.database.url;
    rootDevice = (await createTestUser(t.ctx, { username: 'root', totpSecret: ADMIN_SECRET, groups: ['gatehouse-admins'] })).deviceId!;
    await createTestUser(t.ctx, { username: 'erin' });
    alice = await createTestUser(t.ctx, { username: 'alice', totpSecret: ALICE_SECRET, recoveryCodes: true });
    secondDevice = randomUUID();
    await t.ctx.store.devices.create({
      id: secondDevice, userId: alice.user.id, kind: 'totp', name: 'Tablet', secretEnc: t.ctx.secrets.seal(ALICE_SECRET, secondDevice), lastStep: null,
      credentialId: null, publicKey: null, counter: null, transports: [], confirmed: true, createdAt: t.clock.now(),
    });
    admin = await loginWithTotp(supertest.agent(t.app.server), { username: 'root', password: TEST_PASSWORD, secret: ADMIN_SECRET, now: t.clock.now() });
    aliceWeb = await loginWithTotp(supertest.agent(t.app.server), { username: 'alice', password: TEST_PASSWORD, secret: ALICE_SECRET, now: t.clock.now() });
  });
  after(async () => { await t.close(); });

  it('a transaction that fails after the event was written keeps neither the change nor the event', async () => {
    await lockErin();
    const before = await head();
    const abort = new Error('fails after the audit write');
    const codes = await codeIdsOfAlice();
    await assert.rejects(withTransaction(t.ctx, async (tx) => {
      await registerServiceProvider(tx, { metadataXml: genericSpMetadata(), actor: 'root' });
      assert.equal(await clearLock(tx.store, 'erin', { by: 'root' }), true);
      await removeDevice(tx, alice.user, secondDevice, (inner, removed) => recordAudit(inner, { type: 'device.removed', outcome: 'success', username: 'alice', userId: alice.user.id, deviceId: removed.id }));
      await issueRecoveryCodes(tx, alice.user.id, (inner, issued) => recordAudit(inner, { type: 'recovery.regenerated', outcome: 'success', username: 'alice', detail: { count: issued.length } }));
      assert.equal((await tx.store.audit.head())?.seq, before.seq + 4, 'the four events were written in the transaction');
      throw abort;
    }), (e) => e === abort);
    assert.deepEqual(await head(), before, 'no event stayed');
    assert.equal(await spStored(), false, 'the SP was not registered');
    assert.equal(await erinLocked(), true, 'the lock was not cleared');
    assert.ok(await t.ctx.store.devices.findById(secondDevice), 'the device was not removed');
    assert.deepEqual(await codeIdsOfAlice(), codes, 'the recovery codes were not replaced');
    assert.deepEqual(await verifyAuditChain(t.ctx.store), { ok: true, count: before.seq, head: before });
  });

  it('when the event cannot be written, the request fails and the change it records is not made', async () => {
    await registerServiceProvider(t.ctx, { metadataXml: genericSpMetadata(), actor: 'root' });
    const sp = (await t.ctx.store.serviceProviders.findByEntityId(SP_ENTITY_ID))!;
    const codes = await codeIdsOfAlice();
    const before = await head();
    await withoutChainHead(async () => {
      await assert.rejects(registerServiceProvider(t.ctx, { metadataXml: genericSpMetadata(), name: 'Renamed', actor: 'root' }), { code: 'internal' });
      await assert.rejects(clearLock(t.ctx.store, 'erin', { by: 'root' }), { code: 'internal' });
      await admin.agent.delete(`/api/v1/admin/service-providers/${sp.id}`).set('x-csrf-token', admin.csrf).expect(500);
      await admin.agent.post('/api/v1/admin/users/erin/unlock').set('x-csrf-token', admin.csrf).expect(500);
      await admin.agent.post('/api/v1/admin/users/alice/enrollment-link').set('x-csrf-token', admin.csrf).expect(500);
      await aliceWeb.agent.post(`/account/devices/${secondDevice}/remove`).type('form').send({ _csrf: aliceWeb.csrf }).expect(500);
      await aliceWeb.agent.post('/account/recovery-codes').type('form').send({ _csrf: aliceWeb.csrf }).expect(500);
      await aliceWeb.agent.post('/logout').type('form').send({ _csrf: aliceWeb.csrf }).expect(500);
    });
    assert.deepEqual(await head(), before);
    assert.equal((await t.ctx.store.serviceProviders.findByEntityId(SP_ENTITY_ID))?.name, sp.name, 'the SP was neither updated nor removed');
    assert.equal(await erinLocked(), true, 'the lock was not cleared');
    assert.equal(await linksOfAlice(), 0, 'no enrollment link was stored');
    assert.ok(await t.ctx.store.devices.findById(secondDevice), 'the device was not removed');
    assert.deepEqual(await codeIdsOfAlice(), codes, 'the recovery codes were not replaced');
    assert.equal(await sessionsOfAlice(), 1, 'the session did not end');
    assert.equal((await verifyAuditChain(t.ctx.store)).ok, true);
  });

  it('with the chain whole, the same requests make their change and record it', async () => {
    const sp = (await t.ctx.store.serviceProviders.findByEntityId(SP_ENTITY_ID))!;
    const from = (await head()).seq;
    await admin.agent.delete(`/api/v1/admin/service-providers/${sp.id}`).set('x-csrf-token', admin.csrf).expect(204);
    await admin.agent.post('/api/v1/admin/users/erin/unlock').set('x-csrf-token', admin.csrf).expect(200);
    await admin.agent.post('/api/v1/admin/users/alice/enrollment-link').set('x-csrf-token', admin.csrf).expect(200);
    await aliceWeb.agent.post(`/account/devices/${secondDevice}/remove`).type('form').send({ _csrf: aliceWeb.csrf }).expect(303);
    await aliceWeb.agent.post('/account/recovery-codes').type('form').send({ _csrf: aliceWeb.csrf }).expect(200);
    await aliceWeb.agent.post('/logout').type('form').send({ _csrf: aliceWeb.csrf }).expect(303);

    assert.equal(await spStored(), false);
    assert.equal(await erinLocked(), false);
    assert.equal(await linksOfAlice(), 1);
    assert.equal(await t.ctx.store.devices.findById(secondDevice), undefined);
    assert.equal(await sessionsOfAlice(), 0);
    const events = (await t.ctx.store.audit.list({ limit: 50 })).filter((e) => e.seq > from).reverse();
    assert.deepEqual(events.map((e) => e.type), ['sp.removed', 'lockout.cleared', 'enrollment.link_issued', 'device.removed', 'recovery.regenerated', 'logout']);
    const [removed] = events;
    // sp.removed names no person: the admin who removed it is detail.by (docs/audit.md).
    assert.deepEqual([removed?.username, removed?.userId], [null, null]);
    // …the API call's surface (via), the factor and device root signed in with, and the SP as it was (before).
    const { before: removedSp, ...removedDetail } = removed!.detail as { before: { name: string; enabled: boolean } };
    assert.deepEqual(removedDetail, { entityId: SP_ENTITY_ID, by: 'root', via: 'api-session', byFactor: 'totp', byDeviceId: rootDevice, byDevice: 'Phone' });
    assert.deepEqual([removedSp.name, removedSp.enabled], [SP_ENTITY_ID, true]);
    assert.equal((await verifyAuditChain(t.ctx.store)).ok, true);
  });
});
