// Every JSON column is read through one validating helper (src/store/json.ts): a row changed behind the store's
// back (bad JSON, or JSON of the wrong shape) is an `internal` error naming the table, column and row where the
// repository reads it, on SQLite and PostgreSQL; a route answers it with a generic 500.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bothDatabases } from '../../helpers/databases.js';
import { rawSql } from '../../helpers/rawSql.js';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { submitPassword } from '../../helpers/login.js';
import { createTestUser, TEST_PASSWORD } from '../../helpers/users.js';
import { recordAudit } from '../../../src/audit/recordAudit.js';
import { readDirectorySettings, writeDirectorySettings } from '../../../src/directory/directorySettings.js';
import { registerServiceProvider } from '../../../src/directory/registerServiceProvider.js';
import { genericSpMetadata } from '../../unit/saml/spFixtures.js';

/** Rejects with an `internal` error whose message names `where`. */
async function assertMalformed(read: () => Promise<unknown>, where: RegExp): Promise<void> {
  await assert.rejects(read, (e: { code?: string; message?: string }) => {
    assert.equal(e.code, 'internal', e.message);
    assert.match(e.message ?? '', /^the database holds a malformed value in /);
    assert.match(e.message ?? '', where);
    return true;
  });
}

for (const db of bothDatabases) describe(`malformed JSON columns (${db})`, () => {
  let t: TestApp;
  let url: string;
  const sql = (text: string, params: unknown[] = []) => rawSql(url, text, params);
  const now = Date.now();

  before(async () => {
    t = await startTestApp({ db });
    url = t.ctx.config.database.url;
    const s = t.ctx.store;
    await s.users.create({ id: 'u1', username: 'alice', attributes: { CostCenter: 'CC-1' } }, now);
    await s.groups.create({ id: 'g1', name: 'devs', tags: { Team: 'dev' } }, now);
    await s.accounts.upsert({ id: '111122223333', alias: 'prod', partition: 'aws', providerName: 'Gatehouse', region: null });
    await s.accounts.addMapping({ id: 'm1', groupId: 'g1', accountId: '111122223333', roleName: 'Dev', sessionDuration: null, requireFactor: null, sourceIps: [] });
    await s.devices.create({ id: 'd1', userId: 'u1', kind: 'webauthn', name: 'key', secretEnc: null, lastStep: null, credentialId: 'c1', publicKey: 'pk', counter: 0, transports: ['usb'], confirmed: true, createdAt: now });
    await s.sessions.create({ idHash: 'h1', userId: 'u1', factors: ['password', 'totp'], authMethod: 'totp', deviceId: null, csrf: 'x', createdAt: now, lastSeenAt: now, expiresAt: now + 60_000 });
    await s.sessions.createFlow({ id: 'f1', state: 'password', userId: null, factorsDone: [], pending: { returnTo: '/' }, csrf: 'y', data: { purpose: 'login' }, createdAt: now, expiresAt: now + 60_000 });
    await registerServiceProvider(t.ctx, { metadataXml: genericSpMetadata() });
    await writeDirectorySettings(s, { sessionTags: ['CostCenter'] });
    await recordAudit(s, { type: 'logout', outcome: 'success', username: 'alice' });
  });
  after(async () => { await t.close(); });

  it('users.attributes, groups.tags, role_mappings.source_ips, mfa_devices.transports', async () => {
    const s = t.ctx.store;
    await sql(`UPDATE users SET attributes = '{"CostCenter":' WHERE id = 'u1'`);
    await assertMalformed(() => s.users.findById('u1'), /users\.attributes \(row u1\): not JSON/);
    await sql(`UPDATE users SET attributes = '{"CostCenter":["CC-1"]}' WHERE id = 'u1'`);
    await assertMalformed(() => s.users.findByUsername('alice'), /users\.attributes \(row u1\): CostCenter: /);
    await sql(`UPDATE users SET attributes = '{}' WHERE id = 'u1'`);

    await sql(`UPDATE groups SET tags = '"dev"' WHERE id = 'g1'`);
    await assertMalformed(() => s.groups.findByName('devs'), /groups\.tags \(row g1\)/);
    await sql(`UPDATE groups SET tags = '{}' WHERE id = 'g1'`);

    await sql(`UPDATE role_mappings SET source_ips = '[10]' WHERE id = 'm1'`);
    await assertMalformed(() => s.accounts.listMappings(), /role_mappings\.source_ips \(row m1\)/);
    await sql(`UPDATE role_mappings SET source_ips = '[]', require_factor = 'sms' WHERE id = 'm1'`);
    await assertMalformed(() => s.accounts.listMappings(), /role_mappings\.require_factor \(row m1\)/);
    await sql(`UPDATE role_mappings SET require_factor = NULL WHERE id = 'm1'`);

    await sql(`UPDATE mfa_devices SET transports = '{"usb":true}' WHERE id = 'd1'`);
    await assertMalformed(() => s.devices.findById('d1'), /mfa_devices\.transports \(row d1\)/);
    await sql(`UPDATE mfa_devices SET transports = NULL WHERE id = 'd1'`);
    assert.deepEqual((await s.devices.findById('d1'))?.transports, [], 'NULL transports read as none');
  });

  it('service_providers.acs and signing_certs, sessions.factors, login_flows.pending and data, audit detail, settings', async () => {
    const s = t.ctx.store;
    const sp = (await s.serviceProviders.list())[0]!;
    await sql(`UPDATE service_providers SET acs = '[{"url":"https://sp.example.com/acs"}]' WHERE id = $1`, [sp.id]);
    await assertMalformed(() => s.serviceProviders.findByEntityId(sp.entityId), new RegExp(`service_providers\\.acs \\(row ${sp.id}\\): 0\\.`));
    await sql(`UPDATE service_providers SET acs = '[]', signing_certs = '' WHERE id = $1`, [sp.id]);
    await assertMalformed(() => s.serviceProviders.list(), /service_providers\.signing_certs .*: empty/);

    await sql(`UPDATE sessions SET factors = '["password","sms"]' WHERE id_hash = 'h1'`);
    await assertMalformed(() => s.sessions.find('h1'), /sessions\.factors \(row of user u1\)/);

    await sql(`UPDATE login_flows SET pending = '[]' WHERE id = 'f1'`);
    await assertMalformed(() => s.sessions.findFlow('f1'), /login_flows\.pending: /);
    await sql(`UPDATE login_flows SET pending = '{}', data = 'purpose=login' WHERE id = 'f1'`);
    await assertMalformed(() => s.sessions.findFlow('f1'), /login_flows\.data: not JSON/);

    await sql(`UPDATE audit_events SET detail = '1' WHERE seq = 1`);
    await assertMalformed(() => s.audit.list(), /audit_events\.detail \(row seq 1\)/);

    await sql(`UPDATE settings SET value = '{"CostCenter":1}' WHERE key = 'directory.session_tags'`);
    await assertMalformed(() => readDirectorySettings(s), /settings\.value \(row directory\.session_tags\)/);
  });

  it('a route that reads a malformed row answers with a generic 500 (the column is named in the log only)', async () => {
    await createTestUser(t.ctx, { username: 'bob' });
    await sql(`UPDATE users SET attributes = 'oops' WHERE username = 'bob'`);
    const res = await submitPassword(supertest.agent(t.app.server), { username: 'bob', password: TEST_PASSWORD });
    assert.equal(res.status, 500);
    assert.doesNotMatch(res.text, /malformed|users\.attributes|oops/);
  });
});
