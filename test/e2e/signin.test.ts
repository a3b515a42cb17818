/**
 * Browser sign-in in real Chromium (Debian's /usr/bin/chromium through playwright-core): first login → forced
 * TOTP enrollment with two consecutive codes → recovery codes → portal; logout → login with TOTP; add a
 * security key with Chrome's virtual authenticator (CDP WebAuthn) → logout → login with the key; recovery-code
 * login; back-off and lockout. The app clock is injected, so two consecutive TOTP codes need no waiting.
 * Screenshots of every page go to artifacts/screenshots/<name>.png.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addSecurityKey, launchBrowser, screenshot } from '../helpers/browser.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestUser, TEST_PASSWORD } from '../helpers/users.js';
import { totpCode } from '../helpers/login.js';
import { firstRun } from '../../src/http/firstRun.js';

const GENERIC = 'Incorrect username, password or code.';

describe('sign-in in Chromium', { timeout: 180_000 }, () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let secret = '';
  let recoveryCodes: string[] = [];
  let setupLink = '';

  const shot = (name: string, p: Page = page) => screenshot(p, name);
  const go = (path: string) => page.goto(t.url + path);
  const alertText = async () => (await page.locator('[role=alert]:visible').first().textContent())?.trim();

  async function signInWithPassword(username: string, password: string) {
    await go('/login');
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForLoadState('load');
  }

  async function signOut() {
    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.waitForURL(/\/login\?signed_out=1$/);
  }

  before(async () => {
    t = await startTestApp({ listen: true, overrides: { lockout: { backoffAfter: 3, lockAfter: 5, baseDelayMs: 1000, lockSeconds: 600 } } });
    setupLink = (await firstRun(t.ctx, () => undefined)) ?? '';
    await createTestUser(t.ctx, { username: 'alice', email: 'alice@example.com', displayName: 'Alice Example' });
    await createTestUser(t.ctx, { username: 'mallory-target' });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
    page = await context.newPage();
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  test('first run: the first admin\'s setup page', async () => {
    const url = new URL(setupLink);
    await go(url.pathname + url.search);
    await page.getByLabel('New password', { exact: true }).waitFor();
    await shot('setup-password');
    await page.getByLabel('New password', { exact: true }).fill('short');
    await page.getByLabel('New password again').fill('short');
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.match((await alertText()) ?? '', /at least 12 characters/);
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'form-error', 'focus moves to the error');
    await shot('setup-password-error');
  });

  test('first login → forced TOTP enrollment with two consecutive codes → recovery codes → portal', async () => {
    await go('/login');
    await shot('login');
    await signInWithPassword('alice', TEST_PASSWORD);
    await page.waitForURL(/\/login\/enroll$/);
    await shot('enroll-choose');
    await page.getByRole('link', { name: 'Authenticator app' }).click();
    await page.waitForURL(/\/login\/enroll\/totp$/);
    assert.equal(await page.locator('figure.qr-code svg').count(), 1, 'server-rendered QR code');
    secret = ((await page.locator('code.secret').textContent()) ?? '').replace(/\s/g, '');
    assert.match(secret, /^[A-Z2-7]{32}$/);
    await shot('enroll-totp');
    await page.getByLabel('First code').fill(totpCode(secret, t.clock.now()));
    t.clock.advance(30_000);
    await page.getByLabel('Next code').fill(totpCode(secret, t.clock.now()));
    await page.getByLabel('Name for this device').fill('Work phone');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.waitForURL(/\/login\/recovery-codes$/);
    recoveryCodes = await page.locator('ol.codes code').allTextContents();
    assert.equal(recoveryCodes.length, 10);
    await shot('recovery-codes');
    await page.getByRole('button', { name: /I have saved these codes/ }).click();
    await page.waitForURL(`${t.url}/`);
    await shot('portal');
    await go('/account');
    assert.match(await page.locator('main').innerText(), /Work phone/);
    await shot('account');
  });

  test('logout → login with TOTP', async () => {
    await signOut();
    await shot('signed-out');
    t.clock.advance(30_000);
    await signInWithPassword('alice', TEST_PASSWORD);
    await page.waitForURL(/\/login\/mfa$/);
    await shot('mfa-totp');
    await page.getByLabel('Code from your authenticator app').fill('000000' === totpCode(secret, t.clock.now()) ? '111111' : '000000');
    await page.getByRole('button', { name: 'Verify' }).click();
    assert.match((await alertText()) ?? '', /not correct/);
    await shot('mfa-totp-error');
    await page.getByLabel('Code from your authenticator app').fill(totpCode(secret, t.clock.now()));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${t.url}/`);
  });

  test('add a security key (virtual authenticator) → logout → login with the key', async () => {
    await addSecurityKey(context, page);
    await go('/account');
    await page.getByLabel('Security key or passkey').check();
    await page.getByRole('button', { name: 'Add device' }).click();
    await page.waitForURL(/\/login\/enroll\/webauthn$/);
    await shot('enroll-webauthn');
    await page.getByLabel('Name for this key').fill('Blue YubiKey');
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.waitForURL(/\/account\?done=added$/);
    const row = page.getByRole('row', { name: /Blue YubiKey/ });
    assert.equal((await row.locator('td[data-label="Kind"]').innerText()).trim(), 'Security key or passkey');
    await shot('account-with-key');

    await signOut();
    await signInWithPassword('alice', TEST_PASSWORD);
    await page.waitForURL(/\/login\/mfa$/);
    await page.getByRole('link', { name: 'Use your security key or passkey' }).click();
    await page.waitForURL(/factor=webauthn/);
    await shot('mfa-webauthn');
    await page.getByRole('button', { name: 'Use security key or passkey' }).click();
    await page.waitForURL(`${t.url}/`);
    const ev = (await t.ctx.store.audit.list({ type: 'login.mfa' }))[0];
    assert.equal(ev?.factor, 'webauthn');
    assert.equal(ev?.deviceName, 'Blue YubiKey');
    // the key was used last, so it is offered first next time
    await signOut();
    await signInWithPassword('alice', TEST_PASSWORD);
    await page.getByRole('button', { name: 'Use security key or passkey' }).waitFor();
    await page.getByRole('button', { name: 'Use security key or passkey' }).click();
    await page.waitForURL(`${t.url}/`);
  });

  test('recovery code login', async () => {
    await signOut();
    await signInWithPassword('alice', TEST_PASSWORD);
    await page.getByRole('link', { name: 'Use a recovery code' }).click();
    await page.waitForURL(/factor=recovery/);
    await shot('mfa-recovery');
    await page.getByLabel('Recovery code', { exact: true }).fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/account\/recovery-used\?return_to=%2F$/);
    assert.match(await page.locator('main').innerText(), /You have 9 recovery codes left/);
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.waitForURL(`${t.url}/`);
    const ev = (await t.ctx.store.audit.list({ type: 'login.recovery' }))[0];
    assert.equal(ev?.outcome, 'success');
    await signOut();
  });

  test('back-off and lockout after repeated failures; the right password then gets the generic message', async () => {
    for (let i = 0; i < 3; i++) {
      await signInWithPassword('mallory-target', 'not the right password');
      assert.equal(await alertText(), GENERIC);
    }
    await shot('login-failed');
    await signInWithPassword('mallory-target', 'not the right password');
    assert.match((await alertText()) ?? '', /Too many attempts\. Wait 1 second /);
    await shot('login-backoff');
    for (let i = 0; i < 2; i++) {
      t.clock.advance(60_000);
      await signInWithPassword('mallory-target', 'not the right password');
      assert.equal(await alertText(), GENERIC);
    }
    t.clock.advance(60_000);
    await signInWithPassword('mallory-target', TEST_PASSWORD);
    assert.equal(await alertText(), GENERIC, 'locked: the right password gets the same message');
    assert.match(page.url(), /\/login\/password$/);
    await shot('login-locked');
  });

  test('an expired sign-in page says start again', async () => {
    await go('/login');
    t.clock.advance(t.ctx.config.auth.flowTtlSeconds * 1000 + 1000);
    await page.getByLabel('Username or email').fill('alice');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('link', { name: 'Start again' }).waitFor();
    await shot('flow-expired');
  });

  test('phone-sized pages', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    const p = await phone.newPage();
    await p.goto(`${t.url}/login`);
    await shot('phone-login', p);
    await p.getByLabel('Username or email').fill('alice');
    await p.getByLabel('Password').fill(TEST_PASSWORD);
    await p.getByRole('button', { name: 'Continue' }).click();
    await p.waitForURL(/\/login\/mfa$/);
    await shot('phone-mfa', p);
    await p.getByRole('link', { name: 'Use your authenticator app' }).click();
    await p.getByLabel('Code from your authenticator app').fill(totpCode(secret, t.clock.now()));
    await p.getByRole('button', { name: 'Verify' }).click();
    await p.waitForURL(`${t.url}/`);
    await p.goto(`${t.url}/account`);
    await shot('phone-account', p);
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
    assert.equal(overflow, false, 'no horizontal scrolling on a phone');
    await phone.close();
  });
});
