/**
 * Issue 11, "no dead ends", through HTTP on SQLite and PostgreSQL: a step-up for a factor the person has no device
 * for shows "Add a security key" (JSON clients keep `enrollment_required`), and one that another device of theirs
 * meets asks for that device; adding a device from there comes back; an expired sign-in says so, after how long, and
 * keeps saying so (its flow and cookie outlive it; the purge removes it an hour later); after a recovery code the
 * person sees how many remain; new codes are confirmed first and a wrong password shows the confirmation again.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { bothDatabases } from '../../helpers/databases.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { csrfFrom, enrollTotpThroughPages, loginWithTotp, setCookies, submitPassword, totpCode } from '../../helpers/login.js';
import { createSoftAuthenticator } from '../../helpers/softAuthenticator.js';
import { beginWebauthnEnrollment, finishWebauthnEnrollment, issueRecoveryCodes } from '../../../src/auth/devices.js';
import { EXPIRED_FLOW_KEPT_MS } from '../../../src/auth/flow/storedFlow.js';

const json = { accept: 'application/json' };

for (const db of bothDatabases) {
  describe(`no dead ends (${db})`, () => {
    let t: TestApp;
    let kimKey: ReturnType<typeof createSoftAuthenticator>;
    const agent = () => supertest.agent(t.app.server);
    const login = (username: string, returnTo?: string) => {
      t.clock.advance(30_000);
      return loginWithTotp(agent(), { username, password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now(), returnTo });
    };

    before(async () => {
      t = await startTestApp({ db });
      await createTestUser(t.ctx, { username: 'tom', totpSecret: TEST_TOTP_SECRET, recoveryCodes: true });
      const kim = await createTestUser(t.ctx, { username: 'kim' });
      kimKey = createSoftAuthenticator({ rpId: 'localhost', origin: t.url });
      const options = await beginWebauthnEnrollment(t.ctx, kim.user);
      await finishWebauthnEnrollment(t.ctx, kim.user, { response: kimKey.register(options), expectedChallenge: options.challenge, name: 'Key' });
    });
    after(async () => { await t.close(); });

    it('a step-up for a security key without one: "Add a security key" to /account and back; JSON clients get enrollment_required', async () => {
      const { agent: a, csrf } = await login('tom');
      const back = '/cli/authorize?client_name=laptop&factor=webauthn';
      const page = await a.get(`/login/step-up?factor=webauthn&return_to=${encodeURIComponent(back)}`);
      assert.equal(page.status, 403);
      assert.match(page.text, /<h1 id="add-title">Add a security key<\/h1>/);
      const href = /<a class="button" href="([^"]+)">Add a security key<\/a>/.exec(page.text)?.[1]?.replace(/&amp;/g, '&');
      assert.equal(href, `/account?add=webauthn&return_to=${encodeURIComponent(back)}#add-device`);
      assert.equal(setCookies(page).some((c) => /gatehouse_flow$/.test(c.name)), false, 'no step-up flow is started');
      const asJson = await a.get('/login/step-up?factor=webauthn').set(json);
      assert.deepEqual([asJson.status, asJson.body.error.code], [403, 'enrollment_required']);

      const account = await a.get(href!.replace(/#.*/, '')).expect(200);
      assert.match(account.text, /id="kind-webauthn" name="kind" value="webauthn" checked/);
      assert.ok(account.text.includes(`<input type="hidden" name="return_to" value="${back.replace(/&/g, '&amp;')}">`));
      assert.match(account.text, /role="status">To continue, add a security key below\./);

      // Adding a device (here an authenticator app) from that form ends back at /account, offering the way back.
      await a.post('/account/devices/add').type('form').send({ _csrf: csrf, kind: 'totp', return_to: back }).expect(303).expect('location', '/login/enroll/totp');
      const enroll = await a.get('/login/enroll/totp').expect(200);
      assert.match(enroll.text, /<nav aria-label="Account">/, 'the add-device page has the top menu');
      assert.match(enroll.text, /<a href="\/account">Back to your account<\/a>/);
      const { res } = await enrollTotpThroughPages(a, t.clock, 'Second phone');
      assert.equal(res.headers.location, `/account?${new URLSearchParams({ done: 'added', return_to: back }).toString()}`);
      const done = await a.get(res.headers.location as string).expect(200);
      assert.ok(done.text.includes(`<a class="button" href="${back.replace(/&/g, '&amp;')}">Continue where you were</a>`));
    });

    it('the return path is never another site', async () => {
      const { agent: a, csrf } = await login('tom');
      const page = await a.get('/account?done=added&return_to=https%3A%2F%2Fevil.example%2F').expect(200);
      assert.doesNotMatch(page.text, /evil\.example/);
      const add = await a.get('/account?add=webauthn&return_to=%2F%2Fevil.example').expect(200);
      assert.doesNotMatch(add.text, /evil\.example/);
      await a.post('/account/devices/add').type('form').send({ _csrf: csrf, kind: 'webauthn', return_to: '//evil.example' }).expect(303);
      const used = await a.get('/account/recovery-used?return_to=https%3A%2F%2Fevil.example').expect(200);
      assert.doesNotMatch(used.text, /evil\.example/);
    });

    it('a step-up for an authenticator app, by a person with only a security key, asks for the key (it meets the requirement)', async () => {
      const a = agent();
      assert.equal((await submitPassword(a, { username: 'kim', password: TEST_PASSWORD })).status, 303);
      const mfa = await a.get('/login/mfa?factor=webauthn').expect(200);
      const mcsrf = csrfFrom(mfa.text);
      const opts = await a.post('/login/webauthn/options').set(json).set('x-csrf-token', mcsrf).send({}).expect(200);
      await a.post('/login/webauthn/verify').set(json).set('x-csrf-token', mcsrf).send({ response: kimKey.authenticate(opts.body) }).expect(200);
      const start = await a.get('/login/step-up?factor=totp&return_to=%2F').expect(303);
      assert.equal(start.headers.location, '/login/mfa?factor=webauthn');
    });

    it('an expired sign-in says it timed out and after how long, again on a second try; its cookie outlives it', async () => {
      const a = agent();
      const pw = await submitPassword(a, { username: 'tom', password: TEST_PASSWORD, returnTo: '/account' });
      const cookie = setCookies(pw).find((c) => /gatehouse_flow$/.test(c.name));
      assert.equal(Number(cookie?.attributes['max-age']), t.ctx.config.auth.flowTtlSeconds + EXPIRED_FLOW_KEPT_MS / 1000);
      const mfa = await a.get('/login/mfa?factor=totp').expect(200);
      t.clock.advance(t.ctx.config.auth.flowTtlSeconds * 1000 + 1);
      for (let i = 0; i < 2; i++) {
        const res = await a.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
        assert.equal(res.status, 410);
        assert.match(res.text, /<h1>Sign-in timed out<\/h1>/);
        assert.match(res.text, /Sign-in timed out after 15 minutes\. Start again\./);
        assert.match(res.text, /<a class="button" href="\/login\?return_to=%2Faccount">Start again<\/a>/, 'back to the page asked for');
      }
      const asJson = await a.post('/login/totp').set(json).type('form').send({ _csrf: csrfFrom(mfa.text), code: '123456' });
      assert.deepEqual([asJson.status, asJson.body.error.code], [410, 'flow_expired']);
    });

    it('the purge keeps an expired flow for an hour, then removes it', async () => {
      const now = t.clock.now();
      const flow = (ttl: number, id: string) => t.ctx.store.sessions.createFlow({ id, state: 'password', userId: null, factorsDone: [], pending: { returnTo: '/' }, csrf: 'c', data: { purpose: 'login' }, createdAt: now, expiresAt: now + ttl });
      await flow(-EXPIRED_FLOW_KEPT_MS + 60_000, `recent-${db}`);
      await flow(-EXPIRED_FLOW_KEPT_MS - 60_000, `old-${db}`);
      await t.ctx.store.sessions.purgeExpired(now, EXPIRED_FLOW_KEPT_MS);
      assert.ok(await t.ctx.store.sessions.findFlow(`recent-${db}`), 'expired less than an hour ago: kept');
      assert.equal(await t.ctx.store.sessions.findFlow(`old-${db}`), undefined, 'expired more than an hour ago: gone');
    });

    it('after a recovery code: how many remain, then on to the page asked for', async () => {
      const tom = (await t.ctx.store.users.findByUsername('tom'))!;
      const codes = await issueRecoveryCodes(t.ctx, tom.id);
      const a = agent();
      assert.equal((await submitPassword(a, { username: 'tom', password: TEST_PASSWORD, returnTo: '/account' })).status, 303);
      const mfa = await a.get('/login/mfa?factor=recovery').expect(200);
      const res = await a.post('/login/recovery').type('form').send({ _csrf: csrfFrom(mfa.text), code: codes[0] }).expect(303);
      assert.equal(res.headers.location, '/account/recovery-used?return_to=%2Faccount');
      const page = await a.get(res.headers.location as string).expect(200);
      assert.match(page.text, /You have <strong>9<\/strong> recovery codes left/);
      assert.match(page.text, /<a class="button" href="\/account">Continue<\/a>/);
      assert.doesNotMatch(page.text, /Make new recovery codes/, 'plenty left');
    });

    it('new recovery codes: a confirmation page first; with a stale sign-in a wrong password shows it again', async () => {
      const { agent: a, csrf } = await login('tom');
      const confirm = await a.get('/account/recovery-codes').expect(200);
      assert.match(confirm.text, /Your <strong>9<\/strong> unused codes stop working at once/);
      assert.match(confirm.text, /<button type="submit">Replace my codes<\/button>/);
      t.clock.advance(6 * 60_000);
      const wrong = await a.post('/account/recovery-codes').type('form').send({ _csrf: csrf, password: 'not my password at all' });
      assert.equal(wrong.status, 401);
      assert.match(wrong.text, /Make new recovery codes\?/);
      assert.match(wrong.text, /autocomplete="current-password"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*autocomplete/);
      const tom = (await t.ctx.store.users.findByUsername('tom'))!;
      assert.equal(await t.ctx.store.devices.remainingRecoveryCodes(tom.id), 9, 'nothing replaced');
      const ok = await a.post('/account/recovery-codes').type('form').send({ _csrf: csrf, password: TEST_PASSWORD }).expect(200);
      const href = /href="(data:text\/plain;charset=utf-8,[^"]+)" download="gatehouse-recovery-codes\.txt"/.exec(ok.text)?.[1];
      assert.ok(href);
      const text = decodeURIComponent(href.slice('data:text/plain;charset=utf-8,'.length).replace(/&amp;/g, '&'));
      const shown = [...ok.text.matchAll(/<li><code>([a-z2-7-]{14})<\/code><\/li>/g)].map((m) => m[1]);
      assert.equal(shown.length, 10);
      assert.deepEqual(text.split('\n').filter((l) => shown.includes(l)), shown, 'the download holds exactly the codes shown');
      assert.equal(await t.ctx.store.devices.remainingRecoveryCodes(tom.id), 10);
    });
  });
}
