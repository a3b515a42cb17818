/**
 * `gatehouse login` with a browser, the real CLI as a child process against a running Gatehouse (PostgreSQL)
 * and the STS stand-in, and real Chromium with a virtual security key (CDP WebAuthn): the PKCE login the CLI
 * opens through GATEHOUSE_BROWSER, a step-up with the key for a role that needs one, device login approved
 * from a second browser context, the real `aws` CLI through `credential_process` (cached, and a sign-in again
 * after `gatehouse logout`), and `gatehouse console`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { addSecurityKey, launchBrowser, screenshot } from '../../helpers/browser.js';
import { runProcess } from '../../helpers/runProcess.js';
import { TEST_PASSWORD } from '../../helpers/users.js';
import { startCliWorld, startProcess, type CliWorld, type RunningCli } from './cliWorld.js';

describe('gatehouse login with a browser', { timeout: 600_000 }, () => {
  let w: CliWorld;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  const cli = (args: string[], env: Record<string, string> = {}): RunningCli => {
    const p = startProcess(join(w.home, 'bin', 'gatehouse'), args, { cwd: w.home, env: w.env(env) });
    p.end();
    return p;
  };
  const awsCli = (args: string[]): RunningCli => {
    const p = startProcess('aws', [...args, '--output', 'json'], { cwd: w.home, env: w.env({ AWS_DEFAULT_REGION: 'us-east-1' }) });
    p.end();
    return p;
  };
  const assumeCalls = () => w.sts.calls.filter((c) => c.action === 'AssumeRoleWithSAML' && c.ok).length;

  async function signIn(p: Page): Promise<void> {
    await p.goto(`${w.t.url}/login`);
    await p.getByLabel('Username or email').fill('alice');
    await p.getByLabel('Password').fill(TEST_PASSWORD);
    await p.getByRole('button', { name: 'Continue' }).click();
    await p.waitForURL(/\/login\/mfa/);
    const totpLink = p.getByRole('link', { name: /authenticator app/i });
    if (!/factor=totp/.test(p.url()) && await totpLink.count() > 0) await totpLink.first().click();
    await p.getByLabel('Code from your authenticator app').fill(await w.totp());
    await p.getByRole('button', { name: 'Verify' }).click();
    await p.waitForURL((u) => u.pathname === '/' || u.pathname === '/login/recovery-codes');
    if (new URL(p.url()).pathname === '/login/recovery-codes') { // imported with a TOTP seed and no codes: shown once
      await p.getByRole('button', { name: /I have saved these codes/ }).click();
    }
    await p.waitForURL(`${w.t.url}/`);
  }

  /** Opens what the CLI opened and approves "Sign in to the AWS CLI on this computer". */
  async function approve(url: string, shot?: string): Promise<void> {
    await page.goto(url);
    await page.getByRole('heading', { name: 'Sign in to the AWS CLI on this computer?' }).waitFor();
    assert.match(await page.locator('main').innerText(), new RegExp(hostname().replace(/[^\w]/g, '.')));
    if (shot) await screenshot(page, shot);
    await page.getByRole('button', { name: 'Approve' }).click();
    await page.waitForURL(/^http:\/\/127\.0\.0\.1:\d+\/callback\?/);
    assert.match(await page.locator('body').innerText(), /You are signed in to the AWS CLI/);
  }

  before(async () => {
    w = await startCliWorld({ app: { db: 'postgres' } });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    page = await context.newPage();
    await addSecurityKey(context, page);
    await signIn(page);
    await page.goto(`${w.t.url}/account`);
    await page.getByLabel('Security key or passkey').check();
    await page.getByRole('button', { name: 'Add device' }).click();
    await page.waitForURL(/\/login\/enroll\/webauthn$/);
    await page.getByLabel('Name for this key').fill('Virtual key');
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.waitForURL(/\/account\?done=added$/);
  });
  after(async () => {
    await browser?.close();
    await w?.close();
  });

  it('browser login with PKCE: the CLI opens /cli/authorize, the person approves, the code comes back to its loopback port', async () => {
    const p = cli(['login', '--url', w.t.url, '--role', 'prod/ReadOnly']);
    const opened = new URL(await w.waitForUrl(1));
    assert.equal(opened.origin + opened.pathname, `${w.t.url}/cli/authorize`);
    const q = Object.fromEntries(opened.searchParams);
    assert.match(q.redirect_uri ?? '', /^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    assert.match(q.code_challenge ?? '', /^[A-Za-z0-9_-]{43}$/);
    assert.equal(q.code_challenge_method, 'S256');
    assert.match(q.state ?? '', /^[A-Za-z0-9_-]{22}$/);
    assert.equal(q.factor, undefined);
    await p.waitFor(/If the browser did not open, visit:/);
    await approve(opened.href, 'cli-authorize');
    const r = await p.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Sign in to http:\/\/localhost:\d+ in the browser\.$/m);
    assert.match(r.stderr, /^Signed in as alice \(authenticator app\) until (\d{4}-\d\d-\d\d )?\d\d:\d\d\.$/m);
    assert.match(r.stdout, /^prod\/ReadOnly → profile prod-ReadOnly /m);
  });

  it('a role that needs a security key asks for it in the browser (step-up with the virtual key) instead of failing', async () => {
    const p = cli(['login', '--url', w.t.url, '--role', 'prod/Admin']);
    const opened = new URL(await w.waitForUrl(2));
    assert.equal(opened.searchParams.get('factor'), 'webauthn');
    await p.waitFor(/prod\/Admin needs your security key: confirm with it in the browser\./);
    await page.goto(opened.href);
    await page.waitForURL(/\/login\/mfa\?factor=webauthn/);
    await screenshot(page, 'cli-step-up');
    await page.getByRole('button', { name: 'Use security key or passkey' }).click();
    await page.waitForURL(/\/cli\/authorize\?/);
    await approve(page.url());
    const r = await p.done;
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^Signed in as alice \(security key\)/m);
    assert.match(r.stdout, /^prod\/Admin → profile prod-Admin /m);
    assert.equal(w.sts.calls.at(-1)?.roleArn, 'arn:aws:iam::111122223333:role/Admin');
  });

  it('device login: the terminal shows a code and a URL; a second browser signed in elsewhere approves it', async () => {
    const other = await browser.newContext();
    try {
      const phone = await other.newPage();
      await signIn(phone);
      const p = cli(['login', '--url', w.t.url, '--device', '--role', 'prod/ReadOnly', '--print', 'json']);
      await p.waitFor(/Waiting for approval/);
      const code = /enter the code ([A-Z]{4}-[A-Z]{4})/.exec(p.output())?.[1];
      const link = /or open (\S+)/.exec(p.output())?.[1];
      assert.ok(code && link, p.output());
      assert.equal(link, `${w.t.url}/cli/device?user_code=${code}`);
      await phone.goto(link);
      await phone.getByRole('button', { name: 'Continue' }).click();
      assert.match(await phone.locator('main').innerText(), new RegExp(`Check that your terminal shows this code:\\s+${code}`));
      await screenshot(phone, 'cli-device');
      await phone.getByRole('button', { name: 'Approve' }).click();
      const r = await p.done;
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /^Signed in as alice \(authenticator app\)/m);
      assert.equal((JSON.parse(r.stdout) as { Version: number }).Version, 1);
      assert.equal(w.openedUrls().length, 2, 'device login opens no browser here');
    } finally {
      await other.close();
    }
  });

  it('credential_process: the aws CLI gets an identity, the next call comes from the cache, and after logout a sign-in is asked for', async () => {
    const c = await runProcess(join(w.home, 'bin', 'gatehouse'), ['configure', '--profile', 'cp', '--url', w.t.url, '--role', 'prod/ReadOnly', '--credential-process'], { env: w.env(), cwd: w.home });
    assert.equal(c.code, 0, c.stderr);
    assert.match(readFileSync(join(w.home, '.aws', 'config'), 'utf8'), /^\[profile cp\]\n(?:.*\n)*credential_process = gatehouse credential-process --profile cp$/m);
    const arn = 'arn:aws:sts::111122223333:assumed-role/ReadOnly/alice';
    const opened = w.openedUrls().length;

    const assumed = assumeCalls();
    const first = await awsCli(['sts', 'get-caller-identity', '--profile', 'cp']).done;
    assert.equal(first.code, 0, first.stderr);
    assert.equal((JSON.parse(first.stdout) as { Arn: string }).Arn, arn);
    assert.equal(assumeCalls(), assumed + 1, 'new credentials with the saved Gatehouse session');
    const cacheDir = join(w.home, '.gatehouse', 'cli', readdirSync(join(w.home, '.gatehouse', 'cli'))[0]!, 'credentials');
    const [cacheFile] = readdirSync(cacheDir);
    assert.equal(statSync(join(cacheDir, cacheFile!)).mode & 0o777, 0o600);

    const second = await awsCli(['sts', 'get-caller-identity', '--profile', 'cp']).done;
    assert.equal(second.code, 0, second.stderr);
    assert.equal((JSON.parse(second.stdout) as { Arn: string }).Arn, arn);
    assert.equal(assumeCalls(), assumed + 1, 'served from the cache: no new assertion, no STS call');
    assert.equal(w.openedUrls().length, opened, 'and no sign-in');

    const out = await runProcess(join(w.home, 'bin', 'gatehouse'), ['logout'], { env: w.env(), cwd: w.home });
    assert.equal(out.code, 0, out.stderr);
    assert.equal(existsSync(cacheDir), false, 'logout deletes the cached credentials');

    const third = awsCli(['sts', 'get-caller-identity', '--profile', 'cp']);
    const url = await w.waitForUrl(opened + 1);
    assert.match(url, /\/cli\/authorize\?/, 'a browser sign-in is asked for again');
    await approve(url);
    const r = await third.done;
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { Arn: string }).Arn, arn);
    assert.equal(assumeCalls(), assumed + 2);
  });

  it('console: opens the portal\'s signed sign-in for the role in the browser', async () => {
    const r = await cli(['console', '--url', w.t.url, '--role', 'prod/ReadOnly']).done;
    assert.equal(r.code, 0, r.stderr);
    const url = w.openedUrls().at(-1)!;
    assert.equal(url, `${w.t.url}/aws/console?role=111122223333%2FReadOnly`);
    assert.match(r.stderr, /^Opening the AWS console as prod\/ReadOnly; if the browser did not open, visit:$/m);
    await page.goto(url);
    await page.getByRole('button', { name: 'Continue to AWS' }).waitFor();
    assert.match(await page.locator('main').innerText(), /ReadOnly/);
  });
});
