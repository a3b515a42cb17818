/**
 * The CLI's approval pages in real Chromium: a browser login (PKCE) whose approval redirects to a loopback listener
 * standing in for `gatehouse login` (browsers apply the page's CSP form-action to that redirect), and a device login
 * approved in a second browser context by another person. Screenshots go to artifacts/screenshots/cli-*.png.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { BOB_TOTP_SECRET, pkcePair, startCliApp } from '../helpers/cliApi.js';
import { totpCode } from '../helpers/login.js';
import { TEST_PASSWORD, TEST_TOTP_SECRET } from '../helpers/users.js';
import type { TestApp } from '../helpers/app.js';

describe('CLI approval pages in Chromium', { timeout: 120_000 }, () => {
  let t: TestApp;
  let browser: Browser;
  let listener: Server;
  let port = 0;
  const callbacks: URL[] = [];

  before(async () => {
    t = await startCliApp({ listen: true });
    listener = createServer((req, res) => {
      callbacks.push(new URL(req.url ?? '/', `http://127.0.0.1:${port}`));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('Signed in. You can close this window.');
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as AddressInfo).port;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => listener?.close(resolve));
    await t?.close();
  });

  async function signIn(page: Page, username: string, secret: string) {
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByLabel('Code from your authenticator app').fill(totpCode(secret, t.clock.now()));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForLoadState('load');
    if (new URL(page.url()).pathname === '/login/recovery-codes') { // imported with a TOTP seed and no codes: shown once
      await page.getByRole('button', { name: /I have saved these codes/ }).click();
      await page.waitForURL((u) => u.pathname !== '/login/recovery-codes');
    }
  }

  test('browser login: sign in, approve, and the code and state arrive at the loopback listener', async () => {
    const page = await (await browser.newContext({ viewport: { width: 1000, height: 760 } })).newPage();
    const pkce = pkcePair();
    const q = new URLSearchParams({
      redirect_uri: `http://127.0.0.1:${port}/callback`, code_challenge: pkce.challenge, code_challenge_method: 'S256', state: 'state-from-the-cli', client_name: 'alice-laptop',
    });
    await page.goto(`${t.url}/cli/authorize?${q.toString()}`);
    await signIn(page, 'alice', TEST_TOTP_SECRET);
    await page.getByRole('heading', { name: 'Sign in to the AWS CLI on this computer?' }).waitFor();
    assert.equal(await page.locator('dd.mono').textContent(), 'alice-laptop');
    await screenshot(page, 'cli-authorize');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Approve sign-in on alice-laptop', 'Approve has the focus and names the computer');
    await page.getByRole('button', { name: 'Approve sign-in on alice-laptop' }).click();
    await page.waitForURL(new RegExp(`^http://127\\.0\\.0\\.1:${port}/callback\\?`));
    assert.match(await page.textContent('body') ?? '', /You can close this window/);
    const cb = callbacks.filter((u) => u.pathname === '/callback').at(-1)!;
    assert.equal(cb.searchParams.get('state'), 'state-from-the-cli');
    const res = await fetch(`${t.url}/api/v1/cli/token`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', code: cb.searchParams.get('code'), code_verifier: pkce.verifier, redirect_uri: `http://127.0.0.1:${port}/callback` }),
    });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { username: string }).username, 'alice');
  });

  test('device login: bob opens the link in another browser, compares the code, approves; the CLI gets bob\'s session', async () => {
    const start = await fetch(`${t.url}/api/v1/cli/device`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientName: 'build-vm' }) });
    const d = await start.json() as { device_code: string; user_code: string; verification_uri_complete: string };
    const page = await (await browser.newContext({ viewport: { width: 1000, height: 760 } })).newPage();
    await page.goto(d.verification_uri_complete);
    await signIn(page, 'bob', BOB_TOTP_SECRET);
    assert.equal(await page.getByLabel('Code shown in your terminal').inputValue(), d.user_code, 'the link fills the code in');
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'BODY', 'no focus on Continue: a stray Enter must not move on');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('.user-code').waitFor();
    assert.equal(await page.locator('.user-code').textContent(), d.user_code);
    assert.match(await page.locator('#device-who').textContent() ?? '', /as you, bob/);
    assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'BODY', 'nor on Approve');
    await screenshot(page, 'cli-device-confirm');
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.getByRole('status').waitFor();
    assert.match(await page.getByRole('status').textContent() ?? '', /build-vm is signed in to the AWS CLI as bob/);
    await screenshot(page, 'cli-device-done');

    await page.goto(`${t.url}/cli/device`);
    await page.getByLabel('Code shown in your terminal').fill('bcdf ghjk');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'form-error', 'the error is announced and focused');
    await screenshot(page, 'cli-device-wrong-code');

    const poll = await fetch(`${t.url}/api/v1/cli/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: d.device_code }) });
    assert.equal(poll.status, 200);
    assert.equal(((await poll.json()) as { username: string }).username, 'bob');
  });
});
