// Device login of the CLI (RFC 8628): the CLI starts, polls (slow_down when too fast), a signed-in person compares the
// code and approves or denies; the CLI gets a session of the person who approved, once. Codes expire after 10
// minutes, are decided once, wrong user codes count like failed sign-ins, and starts are limited per address.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { bothDatabases } from '../../helpers/databases.js';
import { BOB_TOTP_SECRET, getWithToken, postJson, startCliApp } from '../../helpers/cliApi.js';
import { csrfFrom, loginWithTotp } from '../../helpers/login.js';
import { TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { rawSql } from '../../helpers/rawSql.js';
import type { TestApp } from '../../helpers/app.js';

const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';
interface DeviceStart { device_code: string; user_code: string; verification_uri: string; verification_uri_complete: string; expires_in: number; interval: number }

for (const db of bothDatabases) describe(`CLI device login (${db})`, () => {
  let t: TestApp & { certificatePem: string };
  let alice: ReturnType<typeof supertest.agent>;
  let bob: ReturnType<typeof supertest.agent>;
  const sessions: { sessionId: string; csrf: string }[] = [];
  before(async () => {
    t = await startCliApp({ db, listen: true, overrides: { cli: { deviceStartsPerAddress: 8 } } });
    alice = supertest.agent(t.app.server);
    bob = supertest.agent(t.app.server);
    sessions.push(await loginWithTotp(alice, { username: 'alice', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() }));
    sessions.push(await loginWithTotp(bob, { username: 'bob', password: TEST_PASSWORD, secret: BOB_TOTP_SECRET, now: t.clock.now() }));
  });
  after(async () => { await t.close(); });

  const start = async (clientName = 'vm-1'): Promise<DeviceStart> => {
    const r = await postJson(t.app, '/api/v1/cli/device', { clientName });
    assert.equal(r.statusCode, 200, r.body);
    return r.json() as DeviceStart;
  };
  const poll = (d: DeviceStart) => postJson(t.app, '/api/v1/cli/token', { grant_type: deviceGrant, device_code: d.device_code });
  /** Polls after waiting the interval (the app's clock). */
  const pollLater = (d: DeviceStart, seconds = d.interval) => { t.clock.advance(seconds * 1000); return poll(d); };
  const lastEvent = async (type: string) => (await t.ctx.store.audit.list({ type, limit: 1 }))[0];
  /** Opens the page (from the link, or empty) and posts the code as typed: the confirmation page, or an error. */
  async function lookUp(agent: ReturnType<typeof supertest.agent>, typed: string) {
    const entry = await agent.get('/cli/device').expect(200);
    return agent.post('/cli/device').type('form').send({ _csrf: csrfFrom(entry.text), user_code: typed });
  }
  /** Looks the code up (as typed: lower case, no hyphen) and posts the decision from the confirmation page. */
  async function decide(agent: ReturnType<typeof supertest.agent>, d: DeviceStart, decision: 'approve' | 'deny') {
    const page = await lookUp(agent, d.user_code.replace('-', '').toLowerCase());
    assert.equal(page.status, 200, page.text.slice(0, 300));
    return agent.post('/cli/device').type('form').send({ _csrf: csrfFrom(page.text), user_code: d.user_code, decision });
  }

  it('start: RFC 8628 shapes, a user code of 8 consonants, audited', async () => {
    const d = await start();
    assert.match(d.user_code, /^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
    assert.match(d.device_code, /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual({ ...d, device_code: undefined, user_code: undefined }, {
      device_code: undefined, user_code: undefined, verification_uri: `${t.url}/cli/device`, verification_uri_complete: `${t.url}/cli/device?user_code=${d.user_code}`, expires_in: 600, interval: 5,
    });
    const ev = await lastEvent('cli.device_start');
    assert.deepEqual([ev?.outcome, (ev?.detail as { clientName: string }).clientName], ['info', 'vm-1']);
  });

  it('pending → slow_down when polled too fast (interval + 5 s, audited) → approved by alice → alice\'s token, once', async () => {
    const d = await start();
    assert.equal((await poll(d)).json().error, 'authorization_pending');
    const fast = await poll(d);
    assert.deepEqual([fast.statusCode, fast.json().error, fast.json().interval], [400, 'slow_down', 10]);
    const slow = await lastEvent('cli.grant_refused');
    assert.deepEqual([slow?.reason, (slow?.detail as { via: string }).via], ['slow_down', 'device']);
    assert.equal((await pollLater(d, 9)).json().error, 'slow_down', 'the new interval holds');
    assert.equal((await pollLater(d, 15)).json().error, 'authorization_pending');

    const throttled = await t.ctx.store.throttles.get('user:alice');
    const link = await alice.get(new URL(d.verification_uri_complete).pathname + new URL(d.verification_uri_complete).search).expect(200);
    assert.match(link.text, /<label for="user_code">Code shown in your terminal<\/label>/);
    assert.match(link.text, new RegExp(`name="user_code" class="code" value="${d.user_code}"`), 'the link fills the code in');
    const junk = await alice.get('/cli/device?user_code=ZZZZ-ZZZZ').expect(200);
    assert.doesNotMatch(junk.text, /role="alert"/, 'a GET looks nothing up (another site can make the browser send one)');
    assert.deepEqual(await t.ctx.store.throttles.get('user:alice'), throttled, 'and counts nothing');
    const page = await lookUp(alice, d.user_code.replace('-', ' ').toLowerCase());
    assert.equal(page.status, 200);
    assert.match(page.text, new RegExp(`<p class="user-code mono">${d.user_code}</p>`));
    assert.match(page.text, /<dd class="mono">vm-1<\/dd>/);
    assert.match(page.text, /signed in to the AWS CLI as <strong>you, alice<\/strong>/);
    assert.match(page.text, />Approve sign-in on vm-1<\/button>/, 'the buttons name the computer');
    assert.match(page.text, />Deny sign-in on vm-1<\/button>/);
    const done = await alice.post('/cli/device').type('form').send({ _csrf: csrfFrom(page.text), user_code: d.user_code, decision: 'approve' }).expect(200);
    assert.match(done.text, /role="status">Done: vm-1 is signed in to the AWS CLI as alice/);
    const decision = await lastEvent('cli.device_decision');
    assert.deepEqual([decision?.outcome, decision?.username, (decision?.detail as { decision: string }).decision], ['success', 'alice', 'approve']);

    const ok = await pollLater(d, 15);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual([ok.json().username, ok.json().factor], ['alice', 'totp']);
    assert.equal((await getWithToken(t.app, '/api/v1/cli/me', ok.json().accessToken)).json().username, 'alice');
    const issued = await lastEvent('cli.token');
    assert.deepEqual([issued?.outcome, (issued?.detail as { via: string; clientName: string }).via], ['success', 'device']);

    const again = await pollLater(d, 15);
    assert.deepEqual([again.statusCode, again.json().error], [400, 'invalid_grant']);
    const replay = await lastEvent('cli.token');
    assert.deepEqual([replay?.outcome, replay?.reason, replay?.username], ['failure', 'replayed', 'alice']);
  });

  it('a code approved by another person gives the CLI a session of THAT person, never of whoever started it; a second approval is refused and audited', async () => {
    // alice's terminal starts; bob approves (the page told him he signs himself in there).
    const d = await start('alice-laptop');
    const byBob = await decide(bob, d, 'approve');
    assert.equal(byBob.status, 200);
    assert.match(byBob.text, /as bob\./);
    const page = await lookUp(alice, d.user_code);
    assert.equal(page.status, 400);
    assert.match(page.text, /already approved or denied/);
    const post = await alice.post('/cli/device').type('form').send({ _csrf: csrfFrom(page.text), user_code: d.user_code, decision: 'approve' });
    assert.equal(post.status, 400);
    assert.match(post.text, /role="alert"[^>]*>This code was already approved or denied/);
    const refused = await lastEvent('cli.device_decision');
    assert.deepEqual([refused?.outcome, refused?.reason, refused?.username], ['failure', 'already_decided', 'alice']);

    const grant = (await pollLater(d)).json();
    assert.equal(grant.username, 'bob');
    assert.equal((await getWithToken(t.app, '/api/v1/cli/me', grant.accessToken)).json().username, 'bob');
    const roles = (await getWithToken(t.app, '/api/v1/cli/roles', grant.accessToken)).json().roles as { key: string }[];
    assert.ok(!roles.some((r) => r.key === '777788889999/GovReadOnly'), 'bob\'s roles, not alice\'s');
  });

  it('denied → access_denied for the CLI, audited', async () => {
    const d = await start();
    const res = await decide(alice, d, 'deny');
    assert.match(res.text, /Denied: vm-1 was not signed in/);
    const r = await pollLater(d);
    assert.deepEqual([r.statusCode, r.json().error], [400, 'access_denied']);
    const ev = await lastEvent('cli.token');
    assert.deepEqual([ev?.reason, ev?.username], ['denied', 'alice']);
  });

  it('expired after 10 minutes: expired_token for the CLI and no approval any more, both audited', async () => {
    const d = await start();
    t.clock.advance(600_000);
    const page = await lookUp(alice, d.user_code);
    assert.equal(page.status, 400);
    assert.match(page.text, /expired/);
    const post = await alice.post('/cli/device').type('form').send({ _csrf: csrfFrom(page.text), user_code: d.user_code, decision: 'approve' });
    assert.equal(post.status, 400);
    assert.equal((await lastEvent('cli.device_decision'))?.reason, 'expired');
    const r = await poll(d);
    assert.deepEqual([r.statusCode, r.json().error], [400, 'expired_token']);
    assert.equal((await lastEvent('cli.grant_refused'))?.reason, 'expired');
  });

  it('wrong user codes count like failed sign-ins: back-off after lockout.backoffAfter, and the right code waits too', async () => {
    const d = await start();
    for (const wrong of ['BBBB-BBBB', 'CCCC-CCCC', 'not a code', 'DDDDDDDD', 'FFFF-FFFF']) {
      const r = await lookUp(alice, wrong);
      assert.equal(r.status, 400);
      assert.match(r.text, /That code is not valid/);
    }
    const audited = await lastEvent('cli.device_decision');
    assert.deepEqual([audited?.outcome, audited?.reason, audited?.username], ['failure', 'unknown_code', 'alice']);
    const blocked = await lookUp(alice, d.user_code);
    assert.equal(blocked.status, 429);
    assert.match(String(blocked.headers['retry-after']), /^\d+$/);
    t.clock.advance(Number(blocked.headers['retry-after']) * 1000);
    assert.equal((await lookUp(alice, d.user_code)).status, 200);
    const ev = await t.ctx.store.throttles.get('ip:127.0.0.1');
    assert.ok(ev && ev.failures >= 5, 'the address counted the wrong codes');
    const post = await alice.post('/cli/device').type('form').send({ _csrf: 'forged', user_code: d.user_code, decision: 'approve' });
    assert.equal(post.status, 403, 'the decision needs the session\'s CSRF value');
    await t.ctx.store.throttles.clear('user:alice');
    await t.ctx.store.throttles.clear('ip:127.0.0.1');
  });

  it('not signed in: the page sends the browser to sign in and back to the code', async () => {
    const r = await supertest(t.app.server).get('/cli/device?user_code=BCDF-GHJK').expect(303);
    assert.equal(r.headers.location, `/login?return_to=${encodeURIComponent('/cli/device?user_code=BCDF-GHJK')}`);
    const bad = await alice.get('/cli/device?user_code=a&user_code=b').set('accept', 'application/json');
    assert.deepEqual([bad.status, bad.body.error.message], [400, 'user_code: must be given once']);
  });

  const count = async (sql: string) => Number((await rawSql<{ n: number | string }>(t.ctx.config.database.url, sql))[0]!.n);
  const postOverSocket = (path: string, body: string, type: string, cookie?: string) => fetch(`${t.url}${path}`, {
    method: 'POST', headers: { 'content-type': type, ...(cookie ? { cookie } : {}) }, body,
  });

  it('200 concurrent polls of an approved code over real sockets → exactly one token', async () => {
    const d = await start();
    await decide(alice, d, 'approve');
    t.clock.advance(5_000);
    const before = await count("select count(*) as n from cli_tokens where via = 'device'");
    const body = JSON.stringify({ grant_type: deviceGrant, device_code: d.device_code });
    const answers = await Promise.all(Array.from({ length: 200 }, async () => {
      const r = await postOverSocket('/api/v1/cli/token', body, 'application/json');
      return { status: r.status, error: ((await r.json()) as { error?: string }).error };
    }));
    assert.equal(answers.filter((a) => a.status === 200).length, 1);
    assert.ok(answers.every((a) => a.status === 200 || (a.status === 400 && (a.error === 'slow_down' || a.error === 'invalid_grant'))), JSON.stringify(answers.filter((a) => a.status !== 200).slice(0, 3)));
    assert.equal(await count("select count(*) as n from cli_tokens where via = 'device'") - before, 1);
  });

  it('200 concurrent approvals of one code by two people over real sockets → decided once, and the CLI gets the winner\'s session', async () => {
    const d = await start();
    const answers = await Promise.all(Array.from({ length: 200 }, async (_, i) => {
      const s = sessions[i % 2]!;
      const form = new URLSearchParams({ _csrf: s.csrf, user_code: d.user_code, decision: 'approve' }).toString();
      const r = await postOverSocket('/cli/device', form, 'application/x-www-form-urlencoded', `gatehouse_session=${s.sessionId}`);
      await r.text();
      return r.status;
    }));
    assert.equal(answers.filter((a) => a === 200).length, 1, `statuses: ${[...new Set(answers)].join(', ')}`);
    assert.ok(answers.every((a) => a === 200 || a === 400 || a === 429));
    const row = (await t.ctx.store.deviceCodes.findByUserCode(d.user_code.replace('-', '')))!;
    const winner = (await t.ctx.store.users.findById(row.userId!))!.username;
    assert.equal(await count(`select count(*) as n from audit_events where type = 'cli.device_decision' and outcome = 'success' and detail like '%${row.deviceCodeHash.slice(0, 12)}%'`), 1);
    t.clock.advance(5_000);
    const grant = (await poll(d)).json();
    assert.equal(grant.username, winner);
    for (const key of ['user:alice', 'user:bob', 'ip:127.0.0.1']) await t.ctx.store.throttles.clear(key);
  });

  it('200 concurrent device starts from one address over real sockets → exactly cli.deviceStartsPerAddress', async () => {
    await t.ctx.store.throttles.clear('cli-device:127.0.0.1');
    const body = JSON.stringify({ clientName: 'vm-race' });
    const statuses = await Promise.all(Array.from({ length: 200 }, async () => {
      const r = await postOverSocket('/api/v1/cli/device', body, 'application/json');
      await r.text();
      return r.status;
    }));
    assert.equal(statuses.filter((x) => x === 200).length, 8);
    assert.equal(statuses.filter((x) => x === 429).length, 192);
    t.clock.advance(600_000);
  });

  it('starts are limited per address (cli.deviceStartsPerAddress), with Retry-After', async () => {
    await t.ctx.store.throttles.clear('cli-device:127.0.0.1');
    for (let i = 0; i < 8; i++) await start();
    const r = await postJson(t.app, '/api/v1/cli/device', { clientName: 'vm-9' });
    assert.deepEqual([r.statusCode, r.json().error.code], [429, 'too_many_attempts']);
    assert.equal(r.headers['retry-after'], '600');
    t.clock.advance(600_000);
    await start();
  });
});
