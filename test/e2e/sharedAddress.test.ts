/**
 * One office behind one address, in Chromium (issue 11, "Per-address limits do not lock out an office"): every
 * request comes from the same address (the browser on loopback). Amy guesses her password until she is locked;
 * Ben, at the same address, then signs in at once — no back-off message, straight through to the portal.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../helpers/users.js';
import { totpCode } from '../helpers/login.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';

describe('a second person at a locked address, in Chromium', { timeout: 180_000 }, () => {
  let t: TestApp;
  let browser: Browser;

  before(async () => {
    t = await startTestApp({ listen: true, overrides: { lockout: { backoffAfter: 3, lockAfter: 5, baseDelayMs: 1000, lockSeconds: 600 } } });
    await createTestUser(t.ctx, { username: 'amy', totpSecret: TEST_TOTP_SECRET });
    await createTestUser(t.ctx, { username: 'ben', totpSecret: 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  const alert = async (page: Page) => ((await page.locator('[role=alert]:visible').first().textContent().catch(() => '')) ?? '').trim();

  async function submitPassword(page: Page, username: string, password: string) {
    await page.goto(`${t.url}/login`);
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForLoadState('load');
  }

  test('Amy is locked; Ben signs in from the same address without delay', async () => {
    const amy = await (await browser.newContext()).newPage();
    // Amy guesses as fast as she is let: through her back-off (the clock moves past each wait) until she is locked.
    for (let i = 0; i < 30 && (await t.ctx.store.throttles.get('user:amy'))?.lockedUntil == null; i++) {
      await submitPassword(amy, 'amy', `wrong guess ${i}`);
      const m = /Wait (\d+) second/.exec(await alert(amy));
      if (m) t.clock.advance(Number(m[1]) * 1000);
    }
    const locked = await t.ctx.store.throttles.get('user:amy');
    assert.ok(locked?.lockedUntil && locked.lockedUntil > t.clock.now(), 'amy is locked');
    await screenshot(amy, 'shared-address-amy-locked');

    // Ben, same address, right away: no back-off, no lock, straight to his second step and the portal.
    const ben = await (await browser.newContext({ viewport: { width: 390, height: 844 } })).newPage();
    await submitPassword(ben, 'ben', TEST_PASSWORD);
    assert.doesNotMatch(await alert(ben), /Wait|Too many/);
    await ben.waitForURL(/\/login\/mfa/);
    await ben.getByLabel('Code from your authenticator app').fill(totpCode('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ', t.clock.now()));
    await ben.getByRole('button', { name: 'Verify' }).click();
    await ben.waitForURL(`${t.url}/`);
    await screenshot(ben, 'shared-address-ben-portal');
    assert.equal((await t.ctx.store.throttles.get('user:ben'))?.lockedUntil ?? null, null);
  });
});
