/**
 * Issue 7, point 10: `/account?done=constructor` showed a built-in value (Object's constructor) as the page's
 * notice. Notices are now looked up with Object.hasOwn: only the page's own keys give a notice.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { loginWithTotp } from '../../helpers/login.js';
import { noticeFor } from '../../../src/http/routes/account.js';

const noticeOf = (html: string): string | undefined => /class="alert notice" role="status">([^<]*)</.exec(html)?.[1];

describe('account page notices', () => {
  let t: TestApp;
  let agent: ReturnType<typeof supertest.agent>;
  before(async () => {
    t = await startTestApp();
    await createTestUser(t.ctx, { username: 'erin', totpSecret: TEST_TOTP_SECRET });
    agent = supertest.agent(t.app.server);
    await loginWithTotp(agent, { username: 'erin', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
  });
  after(async () => { await t.close(); });

  it('the page\'s own notices are shown', async () => {
    assert.equal(noticeOf((await agent.get('/account?done=added').expect(200)).text), 'Your new device is ready.');
    assert.equal(noticeOf((await agent.get('/account?done=removed').expect(200)).text), 'The device was removed.');
  });

  it('names of built-in properties show no notice', async () => {
    for (const done of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf']) {
      const res = await agent.get(`/account?done=${done}`).expect(200);
      assert.equal(noticeOf(res.text), undefined, done);
      assert.doesNotMatch(res.text, /function|native code|\[object/, done);
    }
    const twice = await agent.get('/account?done=added&done=removed').expect(200);
    assert.equal(noticeOf(twice.text), undefined);
  });

  it('noticeFor takes only own keys of its table, and only text', () => {
    assert.equal(noticeFor('added'), 'Your new device is ready.');
    for (const v of ['constructor', '__proto__', 'toString', ['added'], 5, undefined, null, '']) assert.equal(noticeFor(v), null, String(v));
  });
});
