/**
 * The console pages for groups, role mappings, AWS accounts and effective access in real Chromium:
 * - every page passes axe-core (no serious or critical finding) and does not scroll sideways at 1280 and 390 px,
 *   with a screenshot of each (artifacts/screenshots/admin-<page>-<desktop|phone>.png);
 * - the forms work without JavaScript (a context with JavaScript off): create a group, add a member, set a tag,
 *   map a role (errors shown next to their fields), change the mapping, add and change an account;
 * - a stale session is sent to re-authenticate before a mapping change, then back to the page;
 * - the Copy button copies exactly the trust policy the API gives; user text is escaped.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startSamlApp, type SamlTestApp } from '../helpers/samlSetup.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { assertNoAxeViolations, assertNoSidewaysScroll } from '../helpers/axe.js';
import { createTestUser, TEST_PASSWORD } from '../helpers/users.js';
import { totpCode } from '../helpers/login.js';
import { signInAdmin } from '../helpers/admin.js';

const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const XSS = '<img src=x onerror=alert(1)>';

describe('admin console: groups, accounts, effective access (Chromium)', { timeout: 300_000 }, () => {
  let t: SamlTestApp;
  let browser: Browser;
  let desktop: BrowserContext;
  let phone: BrowserContext;
  let noJs: BrowserContext;
  let mappingId = '';

  /** Signs the admin in through the pages (password, then the authenticator app). */
  async function signIn(p: Page) {
    await p.goto(`${t.url}/login`);
    await p.getByLabel('Username or email').fill('root');
    await p.getByLabel('Password').fill(TEST_PASSWORD);
    await p.getByRole('button', { name: 'Continue' }).click();
    await p.waitForURL(/\/login\/mfa/);
    t.clock.advance(30_000); // a fresh TOTP step for every sign-in
    await p.getByLabel('Code from your authenticator app').fill(totpCode(SECRET, t.clock.now()));
    await p.getByRole('button', { name: 'Verify' }).click();
    await p.waitForURL(`${t.url}/`);
  }

  /** Checks one page at the context's width: axe, no sideways scroll, screenshot. */
  async function check(p: Page, path: string, name: string, width: 'desktop' | 'phone') {
    const res = await p.goto(t.url + path);
    assert.equal(res?.status(), 200, `${path}: ${res?.status()}`);
    await assertNoAxeViolations(p, `${name} at ${width}`);
    await assertNoSidewaysScroll(p, `${name} at ${width}`);
    await screenshot(p, `admin-${name}-${width}`);
  }

  before(async () => {
    t = await startSamlApp({ listen: true });
    await signInAdmin(t, 'root', SECRET); // creates root (TOTP, in the admin group)
    await createTestUser(t.ctx, { username: 'bob', displayName: XSS });
    browser = await launchBrowser();
    desktop = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    noJs = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled: false });
    await desktop.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    for (const c of [desktop, phone, noJs]) await signIn(await c.newPage());
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  test('without JavaScript: create a group, add a member, set a tag, map a role, change the mapping', async () => {
    const p = await noJs.newPage();
    await p.goto(`${t.url}/admin/groups`);
    await p.getByLabel('Name', { exact: true }).fill('bad name');
    await p.getByRole('button', { name: 'Create group' }).click();
    assert.match((await p.locator('#group-name-error').innerText()), /letters, digits/);
    assert.equal(await p.getByLabel('Name', { exact: true }).getAttribute('aria-invalid'), 'true');
    await p.getByLabel('Name', { exact: true }).fill('developers');
    await p.getByLabel('Description (optional)').fill(XSS);
    await p.getByRole('button', { name: 'Create group' }).click();
    await p.waitForURL(/\/admin\/groups\/developers\?done=created$/);
    assert.equal(await p.locator('#description').inputValue(), XSS, 'the description is kept as text');
    assert.equal(await p.locator('main img').count(), 0, 'user text is escaped');

    await p.getByLabel('Add a person by username').fill('nobody');
    await p.getByRole('button', { name: 'Add member' }).click();
    assert.match(await p.locator('[role=alert]').innerText(), /No user named "nobody"\./);
    await p.getByLabel('Add a person by username').fill('bob');
    await p.getByRole('button', { name: 'Add member' }).click();
    await p.waitForURL(/done=member-added/);
    assert.match(await p.getByRole('region', { name: 'Members', exact: true }).locator('table').innerText(), /bob/);

    await p.getByLabel('Key').fill('AuthMethod');
    await p.getByLabel('Value').fill('x');
    await p.getByRole('button', { name: 'Set tag' }).click();
    assert.match(await p.locator('#tag-key-error').innerText(), /reserved/);
    await p.getByLabel('Key').fill('Team');
    await p.getByLabel('Value').fill('dev');
    await p.getByRole('button', { name: 'Set tag' }).click();
    await p.waitForURL(/done=tag-set/);

    await p.getByLabel('AWS account').selectOption('111122223333');
    await p.getByLabel('IAM role name').fill('a,b');
    await p.getByLabel('Session duration in seconds (optional)').fill('60');
    await p.getByLabel('Allowed client addresses (optional)').fill('10.0.0.0/33');
    await p.getByRole('button', { name: 'Map role' }).click();
    for (const id of ['mapping-role', 'mapping-duration', 'mapping-ips']) assert.equal(await p.locator(`#${id}`).getAttribute('aria-invalid'), 'true', id);
    await screenshot(p, 'admin-group-errors-desktop');
    await p.getByLabel('IAM role name').fill('Developer');
    await p.getByLabel('Session duration in seconds (optional)').fill('7200');
    await p.getByLabel('Required factor').selectOption('totp');
    await p.getByLabel('Allowed client addresses (optional)').fill('10.0.0.0/8, 2001:db8::/32');
    await p.getByRole('button', { name: 'Map role' }).click();
    await p.waitForURL(/done=mapping-added/);
    const m = (await t.ctx.store.accounts.listMappings()).find((x) => x.roleName === 'Developer' && x.accountId === '111122223333')!;
    assert.deepEqual([m.sessionDuration, m.requireFactor, m.sourceIps], [7200, 'totp', ['10.0.0.0/8', '2001:db8::/32']]);
    mappingId = m.id;

    await p.getByRole('link', { name: 'Edit prod/Developer' }).click();
    await p.getByLabel('Required factor').selectOption('webauthn');
    await p.getByLabel('Allowed client addresses (optional)').fill('');
    await p.getByRole('button', { name: 'Save mapping' }).click();
    await p.waitForURL(/done=mapping-changed/);
    const changed = (await t.ctx.store.accounts.listMappings()).find((x) => x.id === mappingId)!;
    assert.deepEqual([changed.requireFactor, changed.sourceIps], ['webauthn', []]);
    const ev = (await t.ctx.store.audit.list({ type: 'role.mapped', limit: 1 }))[0]!;
    assert.deepEqual([(ev.detail as { via: string }).via, (ev.detail as { before: { requireFactor: string } }).before.requireFactor], ['console', 'totp']);
  });

  test('without JavaScript: add an AWS account and change it', async () => {
    const p = await noJs.newPage();
    await p.goto(`${t.url}/admin/accounts`);
    await p.getByLabel('Alias').fill('sandbox');
    await p.getByLabel('Account ID').fill('12');
    await p.getByLabel('IAM SAML provider name').fill('Gatehouse');
    await p.getByRole('button', { name: 'Add account' }).click();
    assert.match(await p.locator('#account-id-error').innerText(), /12 digits/);
    await p.getByLabel('Account ID').fill('999988887777');
    await p.getByRole('button', { name: 'Add account' }).click();
    await p.waitForURL(/\/admin\/accounts\/999988887777\?done=created$/);
    await p.getByText('Change this account').click();
    await p.getByLabel('Region of the sign-in endpoint (optional)').fill('eu-west-1');
    await p.getByRole('button', { name: 'Save account' }).click();
    await p.waitForURL(/done=updated/);
    assert.equal((await t.ctx.store.accounts.find('sandbox'))?.region, 'eu-west-1');
  });

  test('a stale session confirms its second factor before a mapping change, then comes back', async () => {
    const p = await desktop.newPage();
    t.clock.advance((t.ctx.config.admin.reauthSeconds + 60) * 1000);
    await p.goto(`${t.url}/admin/groups/developers`);
    await p.getByRole('button', { name: 'Remove prod/Developer' }).click();
    await p.waitForURL(/\/login\/mfa/);
    assert.match(await p.locator('main').innerText(), /Confirm it's you/);
    await screenshot(p, 'admin-reauth-desktop');
    await p.getByLabel('Code from your authenticator app').fill(totpCode(SECRET, t.clock.now()));
    await p.getByRole('button', { name: 'Verify' }).click();
    await p.waitForURL(`${t.url}/admin/groups/developers`);
    assert.ok((await t.ctx.store.accounts.listMappings()).some((x) => x.id === mappingId), 'nothing changed before re-authentication');
    await p.getByRole('button', { name: 'Remove prod/Developer' }).click();
    await p.waitForURL(/done=mapping-removed/);
    assert.ok(!(await t.ctx.store.accounts.listMappings()).some((x) => x.id === mappingId));
  });

  test('the Copy button copies exactly the trust policy the API gives', async () => {
    const p = await desktop.newPage();
    await p.goto(`${t.url}/admin/accounts/prod`);
    const admin = (await p.locator('.copyable', { hasText: 'Admin' }).first());
    await admin.getByRole('button', { name: /Copy trust policy/ }).click();
    await admin.getByRole('status').filter({ hasText: 'Copied.' }).waitFor();
    const copied = await p.evaluate(() => window.navigator.clipboard.readText());
    const api = await p.evaluate(async () => (await (await fetch('/api/v1/admin/accounts/prod/trust-policy?role=Admin')).json()).policy);
    assert.deepEqual(JSON.parse(copied), api);
    assert.match(copied, /aws:RequestTag\/AuthMethod/);
    const download = await p.request.get(`${t.url}/admin/accounts/prod/trust-policy.json?role=Admin`);
    assert.match(download.headers()['content-disposition'] ?? '', /attachment; filename="trust-policy-prod-Admin\.json"/);
    assert.deepEqual(JSON.parse(await download.text()), api);
  });

  test('every page: axe, no sideways scroll and a screenshot at 1280 and 390 px', async () => {
    const pages: [string, string][] = [
      ['/admin/groups', 'groups'], ['/admin/groups/platform-admins', 'group'], [`/admin/groups/platform-admins/mappings/${(await t.ctx.store.accounts.listMappings()).find((m) => m.roleName === 'Admin')!.id}`, 'mapping'],
      ['/admin/groups/developers/delete', 'group-delete'], ['/admin/accounts', 'accounts'], ['/admin/accounts/prod', 'account'],
      ['/admin/accounts/sandbox/delete', 'account-delete'], ['/admin/access/alice', 'access'], ['/admin/access/alice?factor=webauthn&source_ip=10.1.2.3', 'access-what-if'],
      ['/admin/access/bob', 'access-no-device'],
    ];
    for (const [context, width] of [[desktop, 'desktop'], [phone, 'phone']] as const) {
      const p = await context.newPage();
      for (const [path, name] of pages) await check(p, path, name, width);
      assert.equal(await p.locator('main img').count(), 0);
      // The preview is a POST from the access page.
      await p.goto(`${t.url}/admin/access/alice`);
      await p.getByLabel('Second factor').nth(1).selectOption('totp');
      await p.getByRole('button', { name: 'Preview the assertion' }).click();
      await p.waitForURL(/\/admin\/access\/alice\/preview$/);
      assert.match(await p.locator('main').innerText(), /Nothing was signed[\s\S]*passes the AWS lint/);
      await assertNoAxeViolations(p, `preview at ${width}`);
      await assertNoSidewaysScroll(p, `preview at ${width}`);
      await screenshot(p, `admin-preview-${width}`);
      await p.close();
    }
    // bob's display name is shown as text on his access page.
    const p = await desktop.newPage();
    // The overview links to the pages of a person's access, a group and an account.
    await p.goto(`${t.url}/admin`);
    await p.getByRole('link', { name: 'access of bob' }).click();
    await p.waitForURL(`${t.url}/admin/access/bob`);
    await p.goto(`${t.url}/admin`);
    await p.getByRole('link', { name: 'developers', exact: true }).click();
    await p.waitForURL(`${t.url}/admin/groups/developers`);
    await p.goto(`${t.url}/admin`);
    await p.getByRole('link', { name: 'sandbox', exact: true }).click();
    await p.waitForURL(`${t.url}/admin/accounts/999988887777`);
    await p.goto(`${t.url}/admin/access/bob`);
    assert.match(await p.locator('main').innerText(), /<img src=x onerror=alert\(1\)>/);
  });
});
