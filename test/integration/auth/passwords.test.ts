/**
 * Passwords chosen by the person (issue 11), on SQLite and PostgreSQL: /account/password needs the current
 * password (counted like a sign-in) and a second factor, names the field of each error, rotates the session and
 * ends the others; a temporary password set by an admin must be replaced right after the second factor, before
 * any session (and a terminal login is refused until then); a person imported with a TOTP seed and no recovery
 * codes is shown new codes once. The audit log records each change and never a password.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { bothDatabases } from '../../helpers/databases.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { cookieSet, csrfFrom, loginWithTotp, submitPassword, totpCode } from '../../helpers/login.js';
import { postJson } from '../../helpers/cliApi.js';
import { createSoftAuthenticator } from '../../helpers/softAuthenticator.js';
import { verifyPassword } from '../../../src/auth/password.js';
import { lockoutKeys } from '../../../src/auth/lockout.js';
import { setPassword } from '../../../src/auth/setPassword.js';
import { parseDirectoryFile } from '../../../src/directory/directoryFile.js';
import { importDirectory } from '../../../src/directory/applyImport.js';

const NEW_PASSWORD = 'lantern orbit marmalade quietly';
const TEMPORARY = 'given by the helpdesk 7431';
const GENERIC = 'Incorrect username, password or code.';
const json = { accept: 'application/json' };
const alertText = (html: string) => /role="alert"[^>]*>([^<]+)</.exec(html)?.[1];
/** The attributes of the <input> with this id. */
const inputTag = (html: string, id: string) => new RegExp(`<input[^>]*id="${id}"[^>]*>`).exec(html)?.[0] ?? '';

for (const db of bothDatabases) {
  describe(`passwords (${db})`, () => {
    let t: TestApp;
    const agent = () => supertest.agent(t.app.server);
    const signIn = (username: string, password = TEST_PASSWORD) => {
      t.clock.advance(30_000);
      return loginWithTotp(agent(), { username, password, secret: TEST_TOTP_SECRET, now: t.clock.now() });
    };
    const failures = async (username: string) => (await t.ctx.store.throttles.get(lockoutKeys(username, '').user))?.failures ?? 0;
    const user = async (username: string) => (await t.ctx.store.users.findByUsername(username))!;

    before(async () => {
      t = await startTestApp({ db });
      await createTestUser(t.ctx, { username: 'alice', email: 'alice@example.com', totpSecret: TEST_TOTP_SECRET, recoveryCodes: true });
      await createTestUser(t.ctx, { username: 'bruno', totpSecret: TEST_TOTP_SECRET, recoveryCodes: true });
      await createTestUser(t.ctx, { username: 'tess', totpSecret: TEST_TOTP_SECRET, recoveryCodes: true });
    });
    after(async () => { await t.close(); });

    test('/account/password: each error names its field; only a wrong current password counts toward lockout', async () => {
      const { agent: a, csrf } = await signIn('alice');
      const form = await a.get('/account/password').expect(200);
      assert.match(inputTag(form.text, 'current-password'), /autocomplete="current-password"/);
      assert.match(inputTag(form.text, 'new-password'), /autocomplete="new-password"/);
      const post = (fields: Record<string, string>) => a.post('/account/password').type('form').send({ _csrf: csrf, ...fields });

      const weak = await post({ current_password: TEST_PASSWORD, password: 'short', confirm: 'short' });
      assert.equal(weak.status, 400);
      assert.equal(alertText(weak.text), 'New password is too short: use at least 12 characters.');
      assert.match(inputTag(weak.text, 'new-password'), /aria-invalid="true"/);
      assert.doesNotMatch(inputTag(weak.text, 'current-password'), /aria-invalid/);
      const common = await post({ current_password: TEST_PASSWORD, password: 'password1234', confirm: 'password1234' });
      assert.equal(alertText(common.text), 'New password is too common and easy to guess: choose another one.');
      const email = await post({ current_password: TEST_PASSWORD, password: 'ALICE@example.com', confirm: 'ALICE@example.com' });
      assert.equal(alertText(email.text), 'New password must not be the same as your email.');
      const differ = await post({ current_password: TEST_PASSWORD, password: NEW_PASSWORD, confirm: `${NEW_PASSWORD}!` });
      assert.match(alertText(differ.text) ?? '', /^New password again: the two passwords are not the same/);
      assert.match(inputTag(differ.text, 'confirm-password'), /aria-invalid="true"/);
      const same = await post({ current_password: TEST_PASSWORD, password: TEST_PASSWORD, confirm: TEST_PASSWORD });
      assert.equal(alertText(same.text), 'New password must be different from your current password.');
      const empty = await post({ current_password: '', password: NEW_PASSWORD, confirm: NEW_PASSWORD });
      assert.equal(empty.status, 400);
      assert.match(alertText(empty.text) ?? '', /^Current password: type the password/);
      assert.equal(await failures('alice'), 0, 'refused new passwords and an empty current one cost no attempt');

      const wrong = await post({ current_password: 'not my password at all', password: NEW_PASSWORD, confirm: NEW_PASSWORD });
      assert.equal(wrong.status, 401);
      assert.match(alertText(wrong.text) ?? '', /^Current password: this is not the password you sign in with/);
      assert.match(inputTag(wrong.text, 'current-password'), /aria-invalid="true" aria-describedby="form-error"/);
      assert.equal(await failures('alice'), 1, 'a wrong current password counts like a wrong sign-in');
      const ev = (await t.ctx.store.audit.list({ type: 'login.password', limit: 1 }))[0];
      assert.deepEqual([ev?.outcome, ev?.reason, ev?.username, ev?.detail.purpose], ['failure', 'wrong_password', 'alice', 'password-change']);
      await a.get('/account').expect(200);
      await a.post('/logout').type('form').send({ _csrf: csrf }).expect(303);
    });

    test('/account/password: a second factor, then the session is rotated, the others end, and the change is audited', async () => {
      const other = await signIn('alice');
      const { agent: a, csrf, sessionId } = await signIn('alice');
      const oldHash = (await user('alice')).passwordHash;
      const start = await a.post('/account/password').type('form').send({ _csrf: csrf, current_password: TEST_PASSWORD, password: NEW_PASSWORD, confirm: NEW_PASSWORD });
      assert.equal(start.status, 303, alertText(start.text));
      assert.equal(start.headers.location, '/login/mfa');
      const mfa = await a.get('/login/mfa?factor=totp').expect(200);
      assert.match(mfa.text, /<h1[^>]*>Confirm it/);
      // Cancel leads back to the account page, not to a new sign-in.
      assert.match(mfa.text, /<a href="\/account">Cancel: keep my password<\/a>/);
      assert.doesNotMatch(mfa.text, /href="\/login">Cancel/);
      const wrongCode = totpCode(TEST_TOTP_SECRET, t.clock.now()) === '000000' ? '111111' : '000000';
      assert.equal((await a.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: wrongCode })).status, 401);
      assert.equal((await user('alice')).passwordHash, oldHash, 'nothing changes before the second factor passes');
      t.clock.advance(30_000);
      const done = await a.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
      assert.equal(done.status, 303, alertText(done.text));
      assert.equal(done.headers.location, '/account?done=password');
      const rotated = cookieSet(done, 'gatehouse_session');
      assert.ok(rotated && rotated !== sessionId, 'the session gets a new id');
      assert.notEqual((await user('alice')).passwordHash, oldHash);
      const page = await a.get('/account?done=password').expect(200);
      assert.match(page.text, /role="status">Your password was changed\. You were signed out everywhere else\./);
      await supertest(t.app.server).get('/account').set('cookie', `gatehouse_session=${sessionId}`).expect(303);
      await other.agent.get('/account').expect(303).expect('location', '/login?return_to=%2Faccount');

      const changed = (await t.ctx.store.audit.list({ type: 'user.password_changed', limit: 1 }))[0];
      assert.deepEqual([changed?.username, changed?.factor, changed?.deviceName], ['alice', 'totp', 'Phone']);
      assert.deepEqual(changed?.detail, { temporary: false, sessions: 1, cliSessions: 0 });
      const everything = JSON.stringify(await t.ctx.store.audit.list({ limit: 500 }));
      for (const secret of [NEW_PASSWORD, TEST_PASSWORD]) assert.ok(!everything.includes(secret), 'no password in the audit log');
      assert.equal(await failures('alice'), 0, 'a complete change clears the failure counter');

      t.clock.advance(30_000);
      const old = await submitPassword(agent(), { username: 'alice', password: TEST_PASSWORD });
      assert.equal(old.status, 401);
      assert.equal(alertText(old.text), GENERIC);
      const fresh = await signIn('alice', NEW_PASSWORD);
      assert.equal(fresh.location, '/');
    });

    test('a security key or a recovery code confirms a change too', async () => {
      const key = createSoftAuthenticator({ rpId: 'localhost', origin: t.url });
      const kim = await createTestUser(t.ctx, { username: 'kim', totpSecret: TEST_TOTP_SECRET, recoveryCodes: true });
      const { agent: a, csrf } = await signIn('kim');
      await a.post('/account/devices/add').type('form').send({ _csrf: csrf, kind: 'webauthn' }).expect(303);
      const enroll = await a.get('/login/enroll/webauthn').expect(200);
      const regOptions = await a.post('/login/enroll/webauthn/options').set(json).set('x-csrf-token', csrfFrom(enroll.text)).send({}).expect(200);
      await a.post('/login/enroll/webauthn/verify').set(json).set('x-csrf-token', csrfFrom(enroll.text)).send({ response: key.register(regOptions.body), name: 'Blue key' }).expect(200);

      const change = (password: string) => a.post('/account/password').type('form').send({ _csrf: csrf, current_password: TEST_PASSWORD, password, confirm: password }).expect(303);
      await change(NEW_PASSWORD);
      const mfa = await a.get('/login/mfa?factor=webauthn').expect(200);
      const options = await a.post('/login/webauthn/options').set(json).set('x-csrf-token', csrfFrom(mfa.text)).send({}).expect(200);
      const done = await a.post('/login/webauthn/verify').set(json).set('x-csrf-token', csrfFrom(mfa.text)).send({ response: key.authenticate(options.body) }).expect(200);
      assert.equal(done.body.redirect, '/account?done=password');
      const byKey = (await t.ctx.store.audit.list({ type: 'user.password_changed', limit: 1 }))[0];
      assert.deepEqual([byKey?.username, byKey?.factor, byKey?.deviceName], ['kim', 'webauthn', 'Blue key']);

      const session = csrfFrom((await a.get('/account').expect(200)).text);
      await a.post('/account/password').type('form').send({ _csrf: session, current_password: NEW_PASSWORD, password: TEST_PASSWORD, confirm: TEST_PASSWORD }).expect(303);
      const recovery = await a.get('/login/mfa?factor=recovery').expect(200);
      const byCode = await a.post('/login/recovery').type('form').send({ _csrf: csrfFrom(recovery.text), code: kim.recoveryCodes![0]! });
      // A recovery code confirms it; the person is then told how many codes remain, and goes on to the account page.
      assert.equal(byCode.headers.location, '/account/recovery-used?return_to=%2Faccount%3Fdone%3Dpassword');
      const withCode = (await t.ctx.store.audit.list({ type: 'user.password_changed', limit: 1 }))[0];
      assert.deepEqual([withCode?.username, withCode?.factor], ['kim', 'recovery']);
      const stored = (await user('kim')).passwordHash!;
      assert.ok(await verifyPassword(stored, TEST_PASSWORD), 'the second change is stored');
    });

    test('a password change whose session ended cannot be finished', async () => {
      const { agent: a, csrf } = await signIn('bruno');
      const before = (await user('bruno')).passwordHash;
      await a.post('/account/password').type('form').send({ _csrf: csrf, current_password: TEST_PASSWORD, password: NEW_PASSWORD, confirm: NEW_PASSWORD }).expect(303);
      const mfa = await a.get('/login/mfa?factor=totp').expect(200);
      await a.post('/logout').type('form').send({ _csrf: csrf }).expect(303);
      t.clock.advance(30_000);
      const res = await a.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
      assert.equal(res.status, 400);
      assert.equal((await user('bruno')).passwordHash, before, 'the password is unchanged');
    });

    test('a temporary password: a new one right after the second factor, before any session; audited both times', async () => {
      await setPassword(t.ctx, await user('tess'), TEMPORARY, { temporary: true, by: 'cli:helpdesk' });
      const set = (await t.ctx.store.audit.list({ type: 'user.password_set', limit: 1 }))[0];
      assert.deepEqual(set?.detail, { by: 'cli:helpdesk', temporary: true, sessions: 0, cliSessions: 0 });
      assert.equal((await user('tess')).passwordTemporary, true);

      const a = agent();
      t.clock.advance(30_000);
      const pw = await submitPassword(a, { username: 'tess', password: TEMPORARY, returnTo: '/account' });
      assert.equal(pw.headers.location, '/login/mfa');
      const mfa = await a.get('/login/mfa?factor=totp').expect(200);
      const totp = await a.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
      assert.equal(totp.status, 303);
      assert.equal(totp.headers.location, '/login/new-password');
      assert.equal(cookieSet(totp, 'gatehouse_session'), undefined, 'no session yet');
      const blocked = await a.get('/account').set('accept', 'application/json');
      assert.equal(blocked.status, 403);
      assert.equal(blocked.body.error.code, 'password_change_required');

      const page = await a.get('/login/new-password').expect(200);
      assert.match(page.text, /Choose a new password/);
      const csrf = csrfFrom(page.text);
      const again = await a.post('/login/new-password').type('form').send({ _csrf: csrf, password: TEMPORARY, confirm: TEMPORARY });
      assert.equal(again.status, 400);
      assert.equal(alertText(again.text), 'New password must be different from the temporary password you were given.');
      const weak = await a.post('/login/new-password').type('form').send({ _csrf: csrf, password: 'tess', confirm: 'tess' });
      assert.match(alertText(weak.text) ?? '', /^New password is too short/);
      assert.match(inputTag(weak.text, 'new-password'), /aria-invalid="true"/);
      const done = await a.post('/login/new-password').type('form').send({ _csrf: csrf, password: NEW_PASSWORD, confirm: NEW_PASSWORD });
      assert.equal(done.status, 303, alertText(done.text));
      assert.equal(done.headers.location, '/account', 'then on to where the sign-in was going');
      assert.ok(cookieSet(done, 'gatehouse_session'));
      await a.get('/account').expect(200);

      assert.equal((await user('tess')).passwordTemporary, false);
      const changed = (await t.ctx.store.audit.list({ type: 'user.password_changed', limit: 1 }))[0];
      assert.deepEqual([changed?.username, changed?.factor], ['tess', 'totp']);
      assert.deepEqual(changed?.detail, { temporary: true, sessions: 0, cliSessions: 0 });
      const everything = JSON.stringify(await t.ctx.store.audit.list({ limit: 500 }));
      for (const secret of [NEW_PASSWORD, TEMPORARY]) assert.ok(!everything.includes(secret), 'no password in the audit log');

      t.clock.advance(30_000);
      assert.equal((await submitPassword(agent(), { username: 'tess', password: TEMPORARY })).status, 401, 'the temporary password stopped working');
      assert.equal((await signIn('tess', NEW_PASSWORD)).location, '/', 'no more detour');
    });

    test('a temporary password refuses a terminal login until it is replaced in the browser', async () => {
      await setPassword(t.ctx, await user('tess'), TEMPORARY, { temporary: true, by: 'cli:helpdesk' });
      t.clock.advance(30_000);
      const start = await postJson(t.app, '/api/v1/cli/flows', { clientName: 'laptop-7' });
      const pw = await postJson(t.app, '/api/v1/cli/flows/password', { flowToken: start.json().flowToken, username: 'tess', password: TEMPORARY });
      assert.equal(pw.json().state, 'mfa');
      const done = await postJson(t.app, '/api/v1/cli/flows/totp', { flowToken: pw.json().flowToken, code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
      assert.equal(done.statusCode, 403);
      assert.equal(done.json().error.code, 'password_change_required');
      assert.match(done.json().error.message, /sign in once in a browser at http:\/\/localhost:\d+\/login/);
      assert.equal((await t.ctx.store.audit.list({ type: 'cli.token', limit: 5 })).filter((e) => e.username === 'tess' && e.outcome === 'success').length, 0);
    });

    test('imported with a TOTP seed and no recovery codes: new codes once, after the next sign-in only', async () => {
      await createTestUser(t.ctx, { username: 'rita', totpSecret: TEST_TOTP_SECRET, recoveryCodes: true });
      const file = parseDirectoryFile([
        'users:',
        `  - {username: ivan, password: "${TEST_PASSWORD}", totp: {secret: ${TEST_TOTP_SECRET}, name: phone}}`,
        `  - {username: rita, password: "${TEST_PASSWORD}", totp: {secret: ${TEST_TOTP_SECRET}, name: new phone}}`,
      ].join('\n'), 'people.yaml');
      await importDirectory(t.ctx, file, { mode: 'import' });
      assert.equal((await user('ivan')).recoveryCodesPrompt, true);
      assert.equal((await user('rita')).recoveryCodesPrompt, false, 'rita has codes already');

      const a = agent();
      t.clock.advance(30_000);
      await submitPassword(a, { username: 'ivan', password: TEST_PASSWORD });
      const mfa = await a.get('/login/mfa?factor=totp').expect(200);
      const totp = await a.post('/login/totp').type('form').send({ _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, t.clock.now()) });
      assert.equal(totp.headers.location, '/login/recovery-codes');
      const page = await a.get('/login/recovery-codes').expect(200);
      const codes = [...page.text.matchAll(/<li><code>([a-z2-7-]+)<\/code><\/li>/g)].map((m) => m[1]!);
      assert.equal(codes.length, 10);
      const done = await a.post('/login/recovery-codes').type('form').send({ _csrf: csrfFrom(page.text) });
      assert.equal(done.headers.location, '/');
      await a.get('/account').expect(200);
      assert.equal((await user('ivan')).recoveryCodesPrompt, false);
      assert.equal(await t.ctx.store.devices.remainingRecoveryCodes((await user('ivan')).id), 10);
      const issued = (await t.ctx.store.audit.list({ type: 'recovery.issued', limit: 1 }))[0];
      assert.deepEqual([issued?.username, issued?.reason, issued?.detail.count], ['ivan', 'prompt', 10]);

      assert.equal((await signIn('ivan')).location, '/', 'not asked again');
      const b = agent();
      await submitPassword(b, { username: 'ivan', password: TEST_PASSWORD });
      const byCode = await b.get('/login/mfa?factor=recovery').expect(200);
      const withCode = await b.post('/login/recovery').type('form').send({ _csrf: csrfFrom(byCode.text), code: codes[3]! });
      assert.equal(withCode.headers.location, '/account/recovery-used?return_to=%2F', 'a code shown then signs in (and the remaining count is shown)');
      assert.equal((await signIn('rita')).location, '/');
    });
  });
}
