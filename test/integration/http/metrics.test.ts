// The metrics fed from the store and the signer, in one process on both databases: sign-ins by factor and result,
// assertions by SP and account, lockouts, signing time, query time, and the PostgreSQL pool.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { loginWithTotp, submitPassword } from '../../helpers/login.js';
import { TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { bothDatabases } from '../../helpers/databases.js';
import { createMetrics, instrumentStore, type Metrics } from '../../../src/http/metrics.js';
import { parsePrometheus, type Sample } from '../../helpers/prometheusText.js';

for (const db of bothDatabases) describe(`metrics from the store and the signer (${db})`, () => {
  let t: SamlTestApp;
  let metrics: Metrics;
  let stop: () => void;
  before(async () => {
    t = await startSamlApp({ db, overrides: { lockout: { lockAfter: 2 } } });
    metrics = createMetrics();
    stop = instrumentStore(metrics, t.ctx.store);
  });
  after(async () => { await t.close(); });

  const samples = async (name: string): Promise<Sample[]> => parsePrometheus(await metrics.registry.metrics()).filter((s) => s.name === name);
  const value = async (name: string, labels: Record<string, string>): Promise<number | undefined> =>
    (await samples(name)).find((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v) && Object.keys(s.labels).length === Object.keys(labels).length)?.value;

  it('an assertion to the AWS console: counted by SP and account, its signature timed, its queries timed', async () => {
    await t.agent.post('/aws/console').type('form').send({ _csrf: t.csrf, role: '111122223333/ReadOnly' }).expect(200);
    await t.agent.post('/aws/console').type('form').send({ _csrf: t.csrf, role: '444455556666/Developer' }).expect(200);
    assert.equal(await value('gatehouse_saml_assertions_total', { sp: 'urn:amazon:webservices', account: '111122223333', result: 'success' }), 1);
    assert.equal(await value('gatehouse_saml_assertions_total', { sp: 'urn:amazon:webservices', account: '444455556666', result: 'success' }), 1);
    assert.ok((await value('gatehouse_signing_duration_seconds_count', {}))! >= 2, 'each signature timed');
    assert.ok((await value('gatehouse_signing_duration_seconds_sum', {}))! > 0);
    assert.ok((await value('gatehouse_db_query_duration_seconds_count', { outcome: 'success' }))! > 0, 'queries timed');
  });

  it('sign-ins by factor and result, and a lock', async () => {
    t.clock.advance(30_000); // alice's TOTP step of the set-up sign-in is used
    await loginWithTotp(supertest.agent(t.app.server), { username: 'alice', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
    for (let i = 0; i < 3; i += 1) await submitPassword(supertest.agent(t.app.server), { username: 'mallory', password: 'wrong password here' });
    assert.equal(await value('gatehouse_sign_ins_total', { factor: 'password', result: 'success' }), 1);
    assert.equal(await value('gatehouse_sign_ins_total', { factor: 'totp', result: 'success' }), 1);
    assert.equal(await value('gatehouse_sign_ins_total', { factor: 'password', result: 'failure' }), 2, 'two wrong passwords, the second locks');
    assert.equal(await value('gatehouse_sign_ins_total', { factor: 'password', result: 'locked' }), 1, 'the third is refused unchecked');
    assert.equal(await value('gatehouse_lockouts_total', { key: 'user' }), 1);
  });

  it(db === 'postgres' ? 'the connection pool: open, idle, busy, waiting and the cap' : 'no pool series on SQLite', async () => {
    const pool = await samples('gatehouse_db_pool_connections');
    if (db === 'sqlite') {
      assert.deepEqual(pool, []);
      return;
    }
    const by = Object.fromEntries(pool.map((s) => [s.labels.state, s.value]));
    assert.equal(by.max, 10);
    assert.ok(by.total! >= 1 && by.total! <= 10);
    assert.equal(by.busy, by.total! - by.idle!);
    assert.equal(by.waiting, 0);
  });

  it('stops counting once the app is closed (the observer is removed)', async () => {
    stop();
    const before = await value('gatehouse_saml_assertions_total', { sp: 'urn:amazon:webservices', account: '111122223333', result: 'success' });
    await t.agent.post('/aws/console').type('form').send({ _csrf: t.csrf, role: '111122223333/ReadOnly' }).expect(200);
    assert.equal(await value('gatehouse_saml_assertions_total', { sp: 'urn:amazon:webservices', account: '111122223333', result: 'success' }), before);
  });
});
