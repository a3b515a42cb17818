/**
 * The people pages of the admin console in real Chromium, without any page script: an admin finds a person and
 * resets their MFA on a stale session — asked to confirm a second factor first, brought back to the confirmation,
 * then the reset — and that person's next sign-in is forced into enrollment; a locked person's page says until
 * when before the unlock; a person is added and gets an invitation link; a password is generated; a device is
 * renamed and removed; a person is disabled and enabled. Every people page passes axe-core and does not scroll
 * sideways at 1280 and 390 px; screenshots go to artifacts/screenshots/admin-people-*.png.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { assertNoAxeViolations, assertNoSidewaysScroll } from '../helpers/axe.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../helpers/users.js';
import { totpCode } from '../helpers/login.js';
import { lockoutKeys } from '../../src/auth/lockout.js';
import { formatTime } from '../../src/http/formatTime.js';

const ADMIN_SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
const XSS = '<img src=x onerror=alert(1)>';

describe('admin console: people, in Chromium', { timeout: 300_000 }, () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let dialogs = 0;

  const go = (path: string) => page.goto(t.url + path);
  const main = async () => page.locator('main').innerText();
  const notice = async () => (await page.locator('[role=status].alert').textContent())?.trim();

  /** axe and "no sideways scroll" at 1280 px and at 390 px, with a screenshot at each width. */
  async function check(name: string): Promise<void> {
    for (const [width, label] of [[1280, 'desktop'], [390, 'phone']] as const) {
      await page.setViewportSize({ width, height: 900 });
      await assertNoAxeViolations(page, `${name} at ${width} px`);
      await assertNoSidewaysScroll(page, `${name} at ${width} px`);
      await screenshot(page, `admin-people-${name}-${label}`);
    }
    await page.setViewportSize({ width: 1280, height: 900 });
  }

  async function signIn(p: Page, username: string, secret: string): Promise<void> {
    await p.goto(`${t.url}/login`);
    await p.getByLabel('Username or email').fill(username);
    await p.getByLabel('Password').fill(TEST_PASSWORD);
    await p.getByRole('button', { name: 'Continue' }).click();
    await p.waitForURL(/\/login\/mfa/);
    await p.getByLabel('Code from your authenticator app').fill(totpCode(secret, t.clock.now()));
    await p.getByRole('button', { name: 'Verify' }).click();
    await p.waitForURL(`${t.url}/`);
  }

  before(async () => {
    t = await startTestApp({ listen: true });
    await createTestUser(t.ctx, { username: 'root', totpSecret: ADMIN_SECRET, groups: [t.ctx.config.admin.group] });
    const lena = await createTestUser(t.ctx, { username: 'lena', email: 'lena@example.com', displayName: 'Lena Lost-Phone', totpSecret: TEST_TOTP_SECRET, deviceName: 'Lena phone', recoveryCodes: true, groups: ['developers'] });
    const tablet = randomUUID();
    await t.ctx.store.devices.create({
      id: tablet, userId: lena.user.id, kind: 'totp', name: 'Lena tablet', secretEnc: t.ctx.secrets.seal(TEST_TOTP_SECRET, tablet), lastStep: null,
      credentialId: null, publicKey: null, counter: null, transports: [], confirmed: true, createdAt: t.clock.now() + 1,
    });
    await createTestUser(t.ctx, { username: 'mo', displayName: XSS, totpSecret: TEST_TOTP_SECRET, groups: ['auditors'] });
    for (let i = 0; i < 26; i++) await createTestUser(t.ctx, { username: `person${String(i).padStart(2, '0')}`, password: null, email: `person${i}@a-rather-long-domain-name.example.com` });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });
    await signIn(page, 'root', ADMIN_SECRET);
  });

  after(async () => {
    await browser?.close();
    await t?.close();
  });

  test('the list: search, filters and pages; user text is escaped', async () => {
    await go('/admin/people');
    assert.match(await page.getByRole('status').first().innerText(), /Showing 1–25 of 29 people/);
    assert.equal(await page.locator('img').count(), 0, 'a display name is text, never markup');
    assert.match(await main(), /<img src=x onerror=alert\(1\)>/);
    await check('list');
    await page.getByRole('link', { name: 'Next page' }).click();
    assert.match(await page.getByRole('status').first().innerText(), /Showing 26–29 of 29/);
    await page.getByRole('textbox', { name: 'Search' }).fill('LOST-PHONE');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/q=LOST-PHONE/);
    assert.deepEqual(await page.locator('tbody tr td:first-child').allInnerTexts(), ['lena']);
    await page.getByRole('textbox', { name: 'Search' }).fill('');
    await page.getByLabel('Group').selectOption('auditors');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/group=auditors/);
    assert.deepEqual(await page.locator('tbody tr td:first-child').allInnerTexts(), ['mo']);
    await page.getByLabel('Group').selectOption('');
    await page.getByLabel('Lock').selectOption('yes');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.waitForURL(/locked=yes/);
    assert.match(await page.getByRole('status').first().innerText(), /No one matches/);
    await check('list-empty');
  });

  test('a locked person\'s page says until when, then the admin unlocks them', async () => {
    const until = t.clock.now() + 900_000;
    await t.ctx.store.throttles.reserve(lockoutKeys('mo', '').user, t.clock.now(), { windowMs: 900_000, backoffAfter: 100, baseDelayMs: 0, lockAfter: 1, lockMs: 900_000 });
    await go('/admin/people?locked=yes');
    assert.deepEqual(await page.locator('tbody tr td:first-child').allInnerTexts(), ['mo']);
    const when = formatTime(until, t.ctx.config.ui.timeZone).text;
    assert.match(await page.locator('tbody').innerText(), new RegExp(`locked until ${when}`));
    await page.getByRole('link', { name: 'mo', exact: true }).click();
    await page.waitForURL(/\/admin\/people\/mo$/);
    const lock = page.getByRole('region', { name: 'Sign-in lock' });
    assert.match(await lock.innerText(), new RegExp(`Locked\\s+until ${when}`));
    await check('person-locked');
    await page.getByRole('button', { name: 'Unlock mo' }).click();
    await page.waitForURL(/\/admin\/people\/mo\?done=unlocked$/);
    assert.match((await notice()) ?? '', /lock was cleared/);
    assert.match(await lock.innerText(), /Not locked\./);
    assert.equal(await t.ctx.store.throttles.get(lockoutKeys('mo', '').user), undefined);
  });

  test('reset MFA on a stale session: re-authenticate, back to the confirmation, reset; the next sign-in must enroll', async () => {
    await go('/admin/people');
    await page.getByRole('textbox', { name: 'Search' }).fill('lena');
    await page.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: 'lena', exact: true }).click();
    await page.waitForURL(/\/admin\/people\/lena$/);
    assert.match(await page.getByRole('region', { name: 'Devices', exact: true }).innerText(), /Lena phone[\s\S]*Lena tablet/);
    await check('person');

    t.clock.advance((t.ctx.config.admin.reauthSeconds + 60) * 1000);
    await page.getByRole('link', { name: 'Reset MFA…' }).click();
    await page.waitForURL(/\/login\/mfa/);
    assert.match(await main(), /Confirm it's you/);
    await check('reauth');
    await page.getByLabel('Code from your authenticator app').fill(totpCode(ADMIN_SECRET, t.clock.now()));
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/admin\/people\/lena\/reset-mfa$/);
    assert.match(await page.locator('h1').innerText(), /Reset the MFA of lena\?/);
    assert.match(await main(), /They have 2 devices \(Lena phone, Lena tablet\) and 10 unused recovery codes\./);
    await check('confirm-reset-mfa');
    await page.getByRole('button', { name: 'Reset MFA' }).click();
    await page.waitForURL(/\/admin\/people\/lena\?done=mfa-reset$/);
    assert.match((await notice()) ?? '', /MFA was reset/);
    assert.match(await page.getByRole('region', { name: 'Devices', exact: true }).innerText(), /No devices/);
    const [event] = await t.ctx.store.audit.list({ type: 'user.mfa_reset', limit: 1 });
    assert.deepEqual([event?.username, event?.detail.by, event?.detail.via], ['lena', 'root', 'console']);
    assert.deepEqual((event?.detail.before as { devices: { name: string }[] }).devices.map((d) => d.name), ['Lena phone', 'Lena tablet']);

    const lenaContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const lenaPage = await lenaContext.newPage();
    await lenaPage.goto(`${t.url}/login`);
    await lenaPage.getByLabel('Username or email').fill('lena');
    await lenaPage.getByLabel('Password').fill(TEST_PASSWORD);
    await lenaPage.getByRole('button', { name: 'Continue' }).click();
    await lenaPage.waitForURL(/\/login\/enroll$/);
    assert.match(await lenaPage.locator('main').innerText(), /authenticator app|security key/i);
    await lenaContext.close();
  });

  test('add a person (errors first), then an invitation link with which they choose a password', async () => {
    await go('/admin/people');
    await page.getByRole('link', { name: 'Add a person' }).click();
    await page.waitForURL(/\/admin\/new-person$/);
    await check('new');
    await page.getByLabel('Username').fill('-bad name');
    await page.getByLabel('Email (optional)').fill('not an email');
    await page.getByLabel('Display name (optional)').fill(XSS);
    await page.getByLabel('auditors').check();
    await page.getByRole('button', { name: 'Add person' }).click();
    assert.equal(await page.getByLabel('Username').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Email (optional)').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.getByLabel('Display name (optional)').inputValue(), XSS, 'what was typed stays');
    assert.equal(await page.getByLabel('auditors').isChecked(), true);
    await check('new-errors');
    await page.getByLabel('Username').fill('nina');
    await page.getByLabel('Email (optional)').fill('nina@example.com');
    await page.getByRole('button', { name: 'Add person' }).click();
    await page.waitForURL(/\/admin\/people\/nina\?done=created$/);
    assert.match((await notice()) ?? '', /Send them an invitation link/);
    assert.match(await main(), /None yet: they choose one with an invitation link/);
    await page.getByRole('button', { name: 'Make an invitation link' }).click();
    await page.waitForURL(/\/admin\/people\/nina\/enrollment-link$/);
    const link = (await page.locator('#secret-value').innerText()).trim();
    assert.ok(link.startsWith(`${t.url}/setup?token=`), link);
    await check('invitation-link');

    const ninaContext = await browser.newContext();
    const nina = await ninaContext.newPage();
    await nina.goto(link);
    assert.match(await nina.locator('h1').innerText(), /Choose your password/);
    await ninaContext.close();
  });

  test('a generated password is shown once; a typed one that breaks the policy is refused next to its field', async () => {
    await go('/admin/people/nina');
    await page.getByLabel('I type it').check();
    await page.getByLabel('Password (when you type it)').fill('nina');
    await page.getByRole('button', { name: 'Set password' }).click();
    assert.match((await page.getByRole('alert').innerText()) ?? '', /too short/);
    assert.equal(await page.getByLabel('Password (when you type it)').getAttribute('aria-invalid'), 'true');
    await page.getByLabel('Make one for me (shown once)').check();
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.waitForURL(/\/admin\/people\/nina\/password$/);
    assert.match((await page.locator('#secret-value').innerText()).trim(), /^[a-z2-9]{5}(-[a-z2-9]{5}){4}$/);
    await check('generated-password');
  });

  test('rename and remove a device; disable and enable a person', async () => {
    t.clock.advance(30_000);
    const mo = (await t.ctx.store.users.findByUsername('mo'))!;
    const extra = randomUUID();
    await t.ctx.store.devices.create({
      id: extra, userId: mo.id, kind: 'totp', name: 'Spare', secretEnc: t.ctx.secrets.seal(TEST_TOTP_SECRET, extra), lastStep: null,
      credentialId: null, publicKey: null, counter: null, transports: [], confirmed: true, createdAt: t.clock.now(),
    });
    await go('/admin/people/mo');
    await page.getByRole('link', { name: 'Rename Spare' }).click();
    await page.waitForURL(/\/rename$/);
    await page.getByLabel('New name').fill('   ');
    await page.getByRole('button', { name: 'Save name' }).click();
    assert.equal(await page.getByLabel('New name').getAttribute('aria-invalid'), 'true');
    await check('rename-device');
    await page.getByLabel('New name').fill('Spare key');
    await page.getByRole('button', { name: 'Save name' }).click();
    await page.waitForURL(/\?done=renamed$/);
    assert.match(await page.getByRole('region', { name: 'Devices', exact: true }).innerText(), /Spare key/);

    await page.getByRole('link', { name: 'Remove Spare key' }).click();
    await page.waitForURL(/\/remove$/);
    assert.match(await page.locator('h1').innerText(), /Remove “Spare key” of mo\?/);
    await check('confirm-remove-device');
    await page.getByRole('button', { name: 'Remove device' }).click();
    await page.waitForURL(/\?done=device-removed$/);
    assert.doesNotMatch(await page.getByRole('region', { name: 'Devices', exact: true }).innerText(), /Spare key/);
    assert.equal(await page.getByRole('link', { name: /^Remove / }).count(), 0, 'the last device is not offered for removal');

    await page.getByLabel('Add to group').selectOption('developers');
    await page.getByRole('button', { name: 'Add to group' }).click();
    await page.waitForURL(/\?done=group-added$/);
    await page.getByRole('button', { name: 'Remove from auditors' }).click();
    await page.waitForURL(/\?done=group-removed$/);
    assert.deepEqual((await t.ctx.store.groups.groupsOf(mo.id)).map((g) => g.name), ['developers']);

    await page.getByRole('link', { name: 'Disable…' }).click();
    await page.waitForURL(/\/admin\/people\/mo\/disable$/);
    await check('confirm-disable');
    await page.getByRole('button', { name: 'Disable mo' }).click();
    await page.waitForURL(/\?done=disabled$/);
    assert.equal((await t.ctx.store.users.findByUsername('mo'))?.status, 'disabled');
    await page.getByRole('button', { name: 'Enable mo' }).click();
    await page.waitForURL(/\?done=enabled$/);
    assert.equal((await t.ctx.store.users.findByUsername('mo'))?.status, 'active');
    assert.equal(dialogs, 0, 'no script ran from user text');
  });
});
