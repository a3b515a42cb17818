/**
 * Issue 11, "no dead ends" and "recovery codes and devices", walked in real Chromium (playwright-core, Chrome's
 * virtual authenticator for the security key, the app clock injected):
 * - a role that needs a security key, for a person without one: "Add a security key" → /account → add the key →
 *   back where they were → step-up with the key → the role opens; the CLI's browser step-up leads to the same place;
 * - an expired sign-in says it timed out and after how long (from config), and starting again returns to the page
 *   that was asked for; an interrupted authenticator-app set-up says to delete the entry already scanned;
 * - error pages keep the top menu and offer the next step;
 * - after a recovery-code sign-in the person sees how many codes remain; new codes need a confirmation and can be
 *   copied and downloaded;
 * - devices are renamed (and a name is shown as text, never run);
 * - the TOTP page offers a tap-to-add otpauth:// link with the right secret and issuer.
 * Screenshots of every page this changed, at 1280 and 390 px: artifacts/screenshots/deadends-<name>-<width>.png.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { addSecurityKey, launchBrowser, screenshot } from '../helpers/browser.js';
import { totpCode } from '../helpers/login.js';
import { samlDirectory } from '../helpers/samlSetup.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../helpers/users.js';
import { parseDirectoryFile } from '../../src/directory/directoryFile.js';
import { importDirectory } from '../../src/directory/applyImport.js';
import { ensureActiveKey } from '../../src/keys/signingKeyService.js';
import { issueRecoveryCodes } from '../../src/auth/devices.js';
import { hashRecoveryCode } from '../../src/auth/recoveryCodes.js';

const FLOW_TTL_SECONDS = 600;

describe('no dead ends, in Chromium', { timeout: 300_000 }, () => {
  let t: TestApp;
  let browser: Browser;

  /** Screenshots of the page at desktop and phone width (then back to desktop), with no sideways scrolling on the phone. */
  async function shots(page: Page, name: string): Promise<void> {
    await page.setViewportSize({ width: 1280, height: 800 });
    await screenshot(page, `deadends-${name}-1280`);
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, `deadends-${name}-390`);
    await page.setViewportSize({ width: 1280, height: 800 });
  }

  async function newPage(opts: { key?: boolean; width?: number } = {}): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({ viewport: { width: opts.width ?? 1280, height: 800 } });
    const page = await context.newPage();
    if (opts.key) {
      await addSecurityKey(context, page);
    }
    return { context, page };
  }

  async function password(page: Page, username: string, path = '/login'): Promise<void> {
    await page.goto(t.url + path);
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForLoadState('load');
  }

  async function signInWithTotp(page: Page, username: string, path = '/login'): Promise<void> {
    t.clock.advance(30_000);
    await password(page, username, path);
    await page.waitForURL(/\/login\/mfa/);
    if (!/factor=totp/.test(page.url())) await page.goto(`${t.url}/login/mfa?factor=totp`);
    await page.getByLabel('Code from your authenticator app').fill(totpCode(TEST_TOTP_SECRET, t.clock.now()));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForLoadState('load');
    // Imported with a TOTP seed and no recovery codes: the first sign-in shows new codes once (issue 11).
    if (new URL(page.url()).pathname === '/login/recovery-codes') {
      await page.getByRole('button', { name: /I have saved these codes/ }).click();
      await page.waitForLoadState('load');
    }
  }

  before(async () => {
    t = await startTestApp({ listen: true, overrides: { auth: { flowTtlSeconds: FLOW_TTL_SECONDS } } });
    await ensureActiveKey(t.ctx);
    await importDirectory(t.ctx, parseDirectoryFile(samlDirectory, 'directory.yaml'), { mode: 'import' });
    await createTestUser(t.ctx, { username: 'bob', totpSecret: TEST_TOTP_SECRET, deviceName: 'Phone', groups: ['platform-admins'] });
    await createTestUser(t.ctx, { username: 'newbie' });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  test('a role that needs a security key, for a person with none: Add a security key → /account → back → step-up → the role opens', async () => {
    const { context, page } = await newPage({ key: true });
    const captured: string[] = [];
    await page.route('https://signin.aws.amazon.com/**', async (route) => {
      captured.push(route.request().url());
      await route.fulfill({ status: 200, contentType: 'text/html', body: '<h1>AWS (stand-in)</h1>' });
    });
    await signInWithTotp(page, 'alice', '/login?return_to=%2F');
    await page.getByRole('heading', { name: 'AWS accounts' }).waitFor();
    assert.equal(await page.getByRole('link', { name: /Verify with your security key/ }).count(), 0, 'no step-up that cannot succeed');
    const add = page.getByRole('link', { name: 'Add a security key to use Admin in prod' });
    assert.equal((await add.innerText()).trim(), 'Add a security key');
    await shots(page, 'portal-add-key');

    await add.click();
    await page.waitForURL(/\/account\?add=webauthn&return_to=%2F#add-device$/);
    assert.equal(await page.getByLabel('Security key or passkey').isChecked(), true, 'the security key is chosen');
    assert.match(await page.getByRole('status').innerText(), /To continue, add a security key below\./);
    await shots(page, 'account-add-key');
    await page.getByRole('button', { name: 'Add device' }).click();
    await page.waitForURL(/\/login\/enroll\/webauthn$/);
    // The add-device page keeps the top menu and a way back.
    assert.equal(await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Account' }).count(), 1);
    assert.equal(await page.getByRole('link', { name: 'Back to your account' }).getAttribute('href'), '/account');
    await shots(page, 'enroll-webauthn-from-account');
    await page.getByLabel('Name for this key').fill('Blue key');
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.waitForURL(/\/account\?done=added&return_to=%2F$/);
    assert.match(await page.getByRole('status').innerText(), /Your new device is ready/);
    await shots(page, 'account-key-added');
    await page.getByRole('link', { name: 'Continue where you were' }).click();
    await page.waitForURL(`${t.url}/`);

    // Now alice has a key: the portal asks her to confirm with it, and the role opens.
    await page.getByRole('link', { name: 'Verify with your security key' }).click();
    await page.waitForURL(/\/login\/mfa\?factor=webauthn$/);
    await page.getByRole('button', { name: 'Use security key or passkey' }).click();
    await page.waitForURL(`${t.url}/`);
    await page.getByRole('button', { name: /^Open (the AWS )?console as Admin in prod$/ }).click();
    await page.waitForURL('https://signin.aws.amazon.com/saml');
    assert.equal(captured.length, 1);
    await context.close();
  });

  test('the CLI\'s browser step-up for a person without a key leads to adding one, and back to the CLI page', async () => {
    const { context, page } = await newPage();
    await signInWithTotp(page, 'bob');
    const authorize = `/cli/authorize?${new URLSearchParams({
      redirect_uri: 'http://127.0.0.1:45678/callback', code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
      state: 'state-12345678', client_name: 'laptop', factor: 'webauthn',
    }).toString()}`;
    await page.goto(t.url + authorize);
    await page.waitForURL(/\/login\/step-up\?/);
    await page.getByRole('heading', { name: 'Add a security key' }).waitFor();
    assert.match(await page.locator('main').innerText(), /You have no security key or passkey on your account yet, and this needs one/);
    assert.equal(await page.getByRole('button', { name: /Sign out/ }).count(), 1, 'the top menu is there');
    await shots(page, 'step-up-add-key');
    await page.getByRole('link', { name: 'Add a security key' }).click();
    await page.waitForURL(/\/account\?/);
    const back = new URL(page.url()).searchParams.get('return_to');
    assert.equal(back, authorize, 'the add-device form comes back to the CLI page');
    assert.equal(await page.locator('#add-device input[name=return_to]').getAttribute('value'), authorize);
    await context.close();
  });

  test('an expired sign-in says it timed out, after how long, and starting again returns to the page asked for', async () => {
    const { context, page } = await newPage();
    await page.goto(`${t.url}/account`);
    await page.waitForURL(/\/login\?return_to=%2Faccount$/);
    await password(page, 'alice', new URL(page.url()).pathname + new URL(page.url()).search);
    await page.waitForURL(/\/login\/mfa/);
    await page.goto(`${t.url}/login/mfa?factor=totp`);
    t.clock.advance(FLOW_TTL_SECONDS * 1000 + 1000);
    await page.getByLabel('Code from your authenticator app').fill(totpCode(TEST_TOTP_SECRET, t.clock.now()));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('heading', { name: 'Sign-in timed out' }).waitFor();
    assert.equal((await page.getByRole('alert').innerText()).trim(), 'Sign-in timed out after 10 minutes. Start again.');
    const again = page.getByRole('link', { name: 'Start again' });
    assert.equal(await again.getAttribute('href'), '/login?return_to=%2Faccount');
    await shots(page, 'error-timed-out');
    await again.click();
    await page.getByLabel('Username or email').fill('alice');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(/\/login\/mfa/);
    await page.goto(`${t.url}/login/mfa?factor=totp`);
    t.clock.advance(30_000);
    await page.getByLabel('Code from your authenticator app').fill(totpCode(TEST_TOTP_SECRET, t.clock.now()));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(`${t.url}/account`);
    await context.close();
  });

  test('authenticator-app set-up at phone width: a tap-to-add otpauth:// link; an interrupted set-up says to delete the scanned entry', async () => {
    const { context, page } = await newPage({ width: 390 });
    await password(page, 'newbie');
    await page.waitForURL(/\/login\/enroll$/);
    // The portal refuses a person who has not finished setting up, and offers the set-up, not the portal again.
    await page.goto(`${t.url}/`);
    assert.deepEqual(await page.locator('main .actions a').allInnerTexts(), ['Continue setting up', 'Start again']);
    await page.getByRole('link', { name: 'Continue setting up' }).click();
    await page.waitForURL(/\/login\/enroll$/);
    await page.getByRole('link', { name: 'Authenticator app' }).click();
    await page.waitForURL(/\/login\/enroll\/totp$/);
    const secret = ((await page.locator('code.secret').textContent()) ?? '').replace(/\s/g, '');
    const link = page.getByRole('link', { name: 'Add to authenticator app on this phone' });
    assert.equal(await link.isVisible(), true, 'the tap-to-add link is shown on a phone');
    const uri = new URL((await link.getAttribute('href'))!);
    assert.equal(uri.protocol, 'otpauth:');
    assert.equal(uri.host, 'totp');
    assert.equal(decodeURIComponent(uri.pathname), '/Gatehouse:newbie');
    assert.equal(uri.searchParams.get('secret'), secret);
    assert.equal(uri.searchParams.get('issuer'), 'Gatehouse');
    assert.equal(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth), false, 'no sideways scrolling at 390 px');
    await shots(page, 'enroll-totp');

    // The set-up runs out of time after the code was scanned: the error page says to delete that entry.
    t.clock.advance(FLOW_TTL_SECONDS * 1000 + 1000);
    await page.getByLabel('First code').fill(totpCode(secret, t.clock.now()));
    await page.getByLabel('Next code').fill(totpCode(secret, t.clock.now() + 30_000));
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByRole('heading', { name: 'Sign-in timed out' }).waitFor();
    assert.match(await page.locator('main').innerText(), /delete that entry from your authenticator app/);
    await shots(page, 'error-timed-out-enrolling');
    await page.getByRole('link', { name: 'Start again' }).click();
    await page.getByLabel('Username or email').fill('newbie');
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('link', { name: 'Authenticator app' }).click();
    await page.waitForURL(/\/login\/enroll\/totp$/);
    const fresh = ((await page.locator('code.secret').textContent()) ?? '').replace(/\s/g, '');
    assert.notEqual(fresh, secret, 'starting again gives a new secret');
    assert.match(await page.getByRole('status').innerText(), /This is a new QR code\. If you already scanned a QR code, delete that entry from your authenticator app/);
    await shots(page, 'enroll-totp-restarted');
    await context.close();
  });

  test('error pages keep the top menu and offer the next step', async () => {
    const { context, page } = await newPage();
    await signInWithTotp(page, 'bob');
    const missing = await page.goto(`${t.url}/no-such-page`);
    assert.equal(missing?.status(), 404);
    const nav = page.getByRole('navigation', { name: 'Account' });
    assert.equal(await nav.getByRole('link', { name: 'Portal' }).count(), 1);
    assert.equal(await nav.getByRole('link', { name: 'Account' }).count(), 1);
    const steps = page.locator('main .actions a');
    assert.deepEqual(await steps.allInnerTexts(), ['Back to the portal', 'Your account']);
    await shots(page, 'error-not-found');

    // A sign-in page whose flow is gone: start again, or the portal and the account page.
    const gone = await page.goto(`${t.url}/login/mfa`);
    assert.equal(gone?.status(), 400);
    assert.deepEqual(await steps.allInnerTexts(), ['Start again', 'Back to the portal', 'Your account']);
    await shots(page, 'error-flow-invalid');
    // The menu's sign-out works from an error page (it carries the session's CSRF value).
    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.waitForURL(/\/login\?signed_out=1$/);
    const signedOut = await page.goto(`${t.url}/no-such-page`);
    assert.equal(signedOut?.status(), 404);
    assert.equal(await page.getByRole('navigation', { name: 'Account' }).count(), 0, 'no menu when signed out');
    assert.deepEqual(await steps.allInnerTexts(), ['Back to the portal']);
    await context.close();
  });

  test('after a recovery-code sign-in the person sees how many remain, and is urged to make new ones when few do', async () => {
    const bob = (await t.ctx.store.users.findByUsername('bob'))!;
    const codes = await issueRecoveryCodes(t.ctx, bob.id);
    const { context, page } = await newPage();
    const useCode = async (code: string) => {
      await password(page, 'bob', '/login?return_to=%2Faccount');
      await page.getByRole('link', { name: 'Use a recovery code' }).click();
      await page.getByLabel('Recovery code', { exact: true }).fill(code);
      await page.getByRole('button', { name: 'Verify' }).click();
      await page.waitForURL(/\/account\/recovery-used\?return_to=%2Faccount$/);
    };
    await useCode(codes[0]!);
    assert.match(await page.getByRole('status').innerText(), /You have 9 recovery codes left/);
    assert.equal(await page.getByRole('link', { name: 'Make new recovery codes' }).count(), 0, 'plenty left: no urging');
    await shots(page, 'recovery-used');
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.waitForURL(`${t.url}/account`);
    await page.getByRole('button', { name: /Sign out/ }).click();

    for (const c of codes.slice(1, 7)) assert.equal(await t.ctx.store.devices.consumeRecoveryCode(bob.id, hashRecoveryCode(c), t.clock.now()), true);
    await useCode(codes[7]!);
    assert.match(await page.getByRole('status').innerText(), /You have 2 recovery codes left/);
    await shots(page, 'recovery-used-low');
    await page.getByRole('link', { name: 'Make new recovery codes' }).click();
    await page.waitForURL(/\/account\/recovery-codes$/);
    await context.close();
  });

  test('new recovery codes need a confirmation; they can be copied and downloaded', async () => {
    const { context, page } = await newPage();
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    await signInWithTotp(page, 'bob', '/login?return_to=%2Faccount');
    const bob = (await t.ctx.store.users.findByUsername('bob'))!;
    const before = await t.ctx.store.devices.remainingRecoveryCodes(bob.id);
    await page.getByRole('link', { name: 'Make new recovery codes' }).click();
    await page.waitForURL(/\/account\/recovery-codes$/);
    assert.match(await page.locator('main').innerText(), new RegExp(`Your ${before} unused codes stop working at once`));
    await shots(page, 'recovery-confirm');
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.waitForURL(`${t.url}/account`);
    assert.equal(await t.ctx.store.devices.remainingRecoveryCodes(bob.id), before, 'cancel changes nothing');

    await page.getByRole('link', { name: 'Make new recovery codes' }).click();
    await page.getByRole('button', { name: 'Replace my codes' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    const codes = await page.locator('ol.codes code').allTextContents();
    assert.equal(codes.length, 10);
    assert.equal(await t.ctx.store.devices.remainingRecoveryCodes(bob.id), 10);

    await page.getByRole('button', { name: 'Copy codes' }).click();
    await page.getByText('Copied the codes.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), codes.join('\n') + '\n');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download as .txt' }).click()]);
    assert.equal(download.suggestedFilename(), 'gatehouse-recovery-codes.txt');
    const text = readFileSync((await download.path())!, 'utf8');
    assert.match(text, /^Gatehouse recovery codes for bob\n/);
    assert.deepEqual(text.split('\n').filter((l) => /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/.test(l)), codes);
    await shots(page, 'recovery-codes');
    await context.close();
  });

  test('recovery codes without JavaScript: Copy stays hidden, Download still works', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, javaScriptEnabled: false });
    const page = await context.newPage();
    await signInWithTotp(page, 'bob', '/login?return_to=%2Faccount');
    await page.goto(`${t.url}/account/recovery-codes`);
    await page.getByRole('button', { name: 'Replace my codes' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    assert.equal(await page.locator('#copy-codes').isHidden(), true);
    const codes = await page.locator('ol.codes code').allTextContents();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download as .txt' }).click()]);
    assert.deepEqual(readFileSync((await download.path())!, 'utf8').split('\n').filter((l) => codes.includes(l)), codes);
    await context.close();
  });

  test('a device is renamed on /account; a name is shown as text, never run', async () => {
    const { context, page } = await newPage();
    let dialogs = 0;
    page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });
    await signInWithTotp(page, 'bob', '/login?return_to=%2Faccount');
    await shots(page, 'account');
    await page.getByRole('link', { name: 'Rename Phone' }).click();
    await page.waitForURL(/\/account\/devices\/[^/]+\/rename$/);
    assert.equal(await page.getByLabel('New name').inputValue(), 'Phone');
    await shots(page, 'device-rename');
    await page.getByLabel('New name').fill('   ');
    await page.getByRole('button', { name: 'Save name' }).click();
    assert.match(await page.getByRole('alert').innerText(), /Give the device a name of 1 to 64 characters/);
    assert.equal(await page.getByLabel('New name').getAttribute('aria-invalid'), 'true');
    await shots(page, 'device-rename-error');

    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    await page.getByLabel('New name').fill(evil);
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.waitForURL(/\/account\?done=renamed$/);
    assert.match(await page.getByRole('status').innerText(), /The device was renamed/);
    assert.equal((await page.locator('td[data-label="Name"]').first().innerText()).trim(), evil);
    assert.equal(await page.locator('table script, table img').count(), 0, 'the name is text, not markup');
    assert.equal(dialogs, 0);
    const ev = (await t.ctx.store.audit.list({ type: 'device.renamed' }))[0];
    assert.deepEqual(ev?.detail, { before: 'Phone', after: evil });

    await page.getByRole('link', { name: `Rename ${evil}` }).click();
    await page.getByLabel('New name').fill('Work phone');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.waitForURL(/\/account\?done=renamed$/);
    assert.equal((await page.locator('td[data-label="Name"]').first().innerText()).trim(), 'Work phone');
    assert.equal(dialogs, 0);
    await context.close();
  });
});
