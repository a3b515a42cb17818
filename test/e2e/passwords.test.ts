/**
 * Passwords in real Chromium (issue 11): changing the password at /account (a wrong current password and a weak
 * new one each named next to their field; then a second factor; the other session ends; the old password stops
 * working), the forced change of a temporary password right after the second factor, and the recovery codes shown
 * once to a person imported with a TOTP seed. Each new page is photographed at 1280 and 390 px
 * (artifacts/screenshots/) and must not scroll sideways on the phone.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../helpers/users.js';
import { totpCode } from '../helpers/login.js';
import { setPassword } from '../../src/auth/setPassword.js';
import { parseDirectoryFile } from '../../src/directory/directoryFile.js';
import { importDirectory } from '../../src/directory/applyImport.js';

const GENERIC = 'Incorrect username, password or code.';
const CHOSEN = 'lantern orbit marmalade quietly';
const TEMPORARY = 'given by the helpdesk 7431';
const desktop = { width: 1280, height: 800 };
const phone = { width: 390, height: 844 };

describe('passwords in Chromium', { timeout: 180_000 }, () => {
  let t: TestApp;
  let browser: Browser;

  const alertText = async (page: Page) => (await page.locator('[role=alert]:visible').first().textContent())?.trim();
  /** Screenshots at 1280 and 390 px; on the phone the page must not scroll sideways. */
  async function shots(page: Page, name: string) {
    await screenshot(page, `${name}-1280`);
    await page.setViewportSize(phone);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), `${name} scrolls sideways at 390 px`);
    await screenshot(page, `${name}-390`);
    await page.setViewportSize(desktop);
  }
  async function newPage() {
    return (await browser.newContext({ viewport: desktop })).newPage();
  }
  /** Password, then the TOTP code; waits for wherever the sign-in goes next. */
  async function signIn(page: Page, username: string, password: string) {
    t.clock.advance(30_000);
    await page.goto(`${t.url}/login`);
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/login\/mfa$/);
    await page.getByLabel('Code from your authenticator app').fill(totpCode(TEST_TOTP_SECRET, t.clock.now()));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL((u) => u.pathname !== '/login/mfa');
  }
  /** Fills the form's new password twice (and the current one, when given) and submits it with `button`. */
  async function submitNewPassword(page: Page, password: string, button: string, current?: string) {
    if (current !== undefined) await page.getByLabel('Current password').fill(current);
    await page.getByLabel('New password', { exact: true }).fill(password);
    await page.getByLabel('New password again').fill(password);
    await page.getByRole('button', { name: button }).click();
  }
  async function signOut(page: Page) {
    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.waitForURL(/\/login\?signed_out=1$/);
  }

  before(async () => {
    t = await startTestApp({ listen: true });
    await createTestUser(t.ctx, { username: 'alice', displayName: 'Alice Example', totpSecret: TEST_TOTP_SECRET, recoveryCodes: true });
    const tess = await createTestUser(t.ctx, { username: 'tess', totpSecret: TEST_TOTP_SECRET, recoveryCodes: true });
    await setPassword(t.ctx, tess.user, TEMPORARY, { temporary: true, by: 'cli:helpdesk' });
    await importDirectory(t.ctx, parseDirectoryFile(`users:\n  - {username: ivan, password: "${TEST_PASSWORD}", totp: {secret: ${TEST_TOTP_SECRET}, name: phone}}\n`, 'people.yaml'), { mode: 'import' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  test('change the password at /account: field errors, a second factor, the other session ends', async () => {
    const other = await newPage();
    await signIn(other, 'alice', TEST_PASSWORD);
    const page = await newPage();
    await signIn(page, 'alice', TEST_PASSWORD);
    await page.goto(`${t.url}/account`);
    await page.getByRole('heading', { name: 'Password' }).scrollIntoViewIfNeeded();
    await shots(page, 'account-password-section');
    await page.getByRole('link', { name: 'Change password' }).click();
    await page.waitForURL(/\/account\/password$/);
    await shots(page, 'account-password');

    await submitNewPassword(page, CHOSEN, 'Continue', 'not my password at all');
    assert.match((await alertText(page)) ?? '', /^Current password: this is not the password you sign in with/);
    assert.equal(await page.getByLabel('Current password').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'form-error', 'focus moves to the error');
    await shots(page, 'account-password-wrong-current');

    await submitNewPassword(page, 'alice', 'Continue', TEST_PASSWORD);
    assert.equal(await alertText(page), 'New password is too short: use at least 12 characters.');
    assert.equal(await page.getByLabel('New password', { exact: true }).getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Current password').getAttribute('aria-invalid'), null);
    await shots(page, 'account-password-weak');

    await submitNewPassword(page, CHOSEN, 'Continue', TEST_PASSWORD);
    await page.waitForURL(/\/login\/mfa$/);
    await page.getByRole('heading', { name: 'Confirm it\'s you' }).waitFor();
    await shots(page, 'account-password-confirm');
    t.clock.advance(30_000);
    await page.getByLabel('Code from your authenticator app').fill(totpCode(TEST_TOTP_SECRET, t.clock.now()));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/account\?done=password$/);
    assert.equal((await page.locator('[role=status]').textContent())?.trim(), 'Your password was changed. You were signed out everywhere else.');
    await shots(page, 'account-password-changed');

    await other.goto(`${t.url}/account`);
    assert.match(other.url(), /\/login\?return_to=%2Faccount$/, 'the other session ended');
    await signOut(page);
    t.clock.advance(30_000);
    await page.getByLabel('Username or email').fill('alice');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    assert.equal(await alertText(page), GENERIC, 'the old password is refused');
    await signIn(page, 'alice', CHOSEN);
    assert.equal(page.url(), `${t.url}/`, 'the new one signs in');
  });

  test('a temporary password: choose a new one right after the second factor, then the portal', async () => {
    const page = await newPage();
    await signIn(page, 'tess', TEMPORARY);
    assert.match(page.url(), /\/login\/new-password$/);
    await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
    await shots(page, 'new-password');
    await submitNewPassword(page, TEMPORARY, 'Save and continue');
    assert.equal(await alertText(page), 'New password must be different from the temporary password you were given.');
    await submitNewPassword(page, 'password1234', 'Save and continue');
    assert.equal(await alertText(page), 'New password is too common and easy to guess: choose another one.');
    assert.equal(await page.getByLabel('New password', { exact: true }).getAttribute('aria-invalid'), 'true');
    await shots(page, 'new-password-error');
    await submitNewPassword(page, CHOSEN, 'Save and continue');
    await page.waitForURL(`${t.url}/`);
    await signOut(page);
    await signIn(page, 'tess', CHOSEN);
    assert.equal(page.url(), `${t.url}/`, 'no detour the next time');
  });

  test('imported with a TOTP seed and no recovery codes: the codes once, not at the next sign-in', async () => {
    const page = await newPage();
    await signIn(page, 'ivan', TEST_PASSWORD);
    assert.match(page.url(), /\/login\/recovery-codes$/);
    assert.equal(await page.locator('ol.codes code').count(), 10);
    await shots(page, 'recovery-codes-prompt');
    await page.getByRole('button', { name: /I have saved these codes/ }).click();
    await page.waitForURL(`${t.url}/`);
    await signOut(page);
    await signIn(page, 'ivan', TEST_PASSWORD);
    assert.equal(page.url(), `${t.url}/`);
  });
});
