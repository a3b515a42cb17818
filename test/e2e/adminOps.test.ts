/**
 * The admin console's service provider, signing key, audit log and API token pages in real Chromium: each page
 * passes axe-core (no serious or critical finding) and does not scroll sideways at 1280 and 390 px, with
 * screenshots (artifacts/screenshots/admin-<page>-desktop|phone.png). The flows: add an SP by pasting its metadata
 * and another by uploading the file — without JavaScript —, disable one and see it refused, remove one after a
 * confirmation; rotate and activate a signing key (a stale session is sent to re-authenticate first); filter the
 * audit log, open an event, export the filtered view; create an API token (shown once, with a copy button) and
 * revoke it. User text (an SP or token named like an <img> tag) is shown as text.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { launchBrowser, screenshot } from '../helpers/browser.js';
import { assertNoAxeViolations, assertNoSidewaysScroll } from '../helpers/axe.js';
import { loginWithTotp } from '../helpers/login.js';
import { createTestUser, TEST_PASSWORD } from '../helpers/users.js';
import { fixture, genericSpMetadata } from '../unit/saml/spFixtures.js';
import { ensureActiveKey } from '../../src/keys/signingKeyService.js';
import { cookieName } from '../../src/http/session.js';

const XSS = '<img src=x onerror=alert(1)>';
const SECRET = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';

describe('admin console: service providers, keys, audit log, API tokens (Chromium)', { timeout: 300_000 }, () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const dialogs: string[] = [];

  /** A browser context signed in as the admin (the session cookie of a sign-in through the real pages). */
  async function adminContext(javaScriptEnabled: boolean): Promise<BrowserContext> {
    t.clock.advance(30_000); // a fresh TOTP time step for each sign-in
    const { sessionId } = await loginWithTotp(supertest.agent(t.app.server), { username: 'root', password: TEST_PASSWORD, secret: SECRET, now: t.clock.now() });
    const c = await browser.newContext({ viewport: { width: 1280, height: 900 }, javaScriptEnabled });
    await c.addCookies([{ name: cookieName(t.ctx, t.ctx.config.session.cookieName), value: sessionId, url: t.url }]);
    return c;
  }

  /** axe and sideways scrolling at desktop and phone width, with a screenshot of each. */
  async function check(name: string, p: Page = page): Promise<void> {
    for (const [width, label] of [[1280, 'desktop'], [390, 'phone']] as const) {
      await p.setViewportSize({ width, height: 900 });
      await assertNoAxeViolations(p, `${name} at ${width} px`);
      await assertNoSidewaysScroll(p, `${name} at ${width} px`);
      await screenshot(p, `admin-${name}-${label}`);
    }
    await p.setViewportSize({ width: 1280, height: 900 });
  }

  const notice = async (p: Page = page) => (await p.locator('[role=status].alert').textContent())?.trim() ?? '';

  before(async () => {
    t = await startTestApp({ listen: true });
    await ensureActiveKey(t.ctx);
    await createTestUser(t.ctx, { username: 'root', totpSecret: SECRET, deviceName: 'Root phone', groups: [t.ctx.config.admin.group] });
    browser = await launchBrowser();
    context = await adminContext(true);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: t.url });
    page = await context.newPage();
    page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss(); });
  });

  after(async () => {
    assert.deepEqual(dialogs, [], 'no script ran from user text');
    await browser?.close();
    await t?.close();
  });

  // axe runs as page script: pages are checked in the context with JavaScript below.
  test('service providers without JavaScript: upload a metadata file, paste one, bad input keeps what was typed', async () => {
    const nojs = await adminContext(false);
    const p = await nojs.newPage();
    try {
      await p.goto(`${t.url}/admin/service-providers`);
      await p.getByRole('button', { name: 'Add service provider' }).click();
      assert.match(await p.locator('#form-error').textContent() ?? '', /metadata: must not be empty/);
      assert.equal(await p.locator('#metadata').getAttribute('aria-invalid'), 'true');

      await p.getByLabel('Display name (optional)').fill('Identity Center');
      await p.getByLabel('Or paste the metadata XML').fill('<not-metadata/>');
      await p.getByRole('button', { name: 'Add service provider' }).click();
      assert.match(await p.locator('#form-error').textContent() ?? '', /SP metadata/);
      assert.equal(await p.getByLabel('Display name (optional)').inputValue(), 'Identity Center', 'the name is kept');
      assert.equal(await p.getByLabel('Or paste the metadata XML').inputValue(), '<not-metadata/>', 'the pasted text is kept');

      await p.getByLabel('Or paste the metadata XML').fill('');
      await p.setInputFiles('#metadata-file', { name: 'ic.xml', mimeType: 'application/xml', buffer: Buffer.from(fixture('identity-center-sp-metadata.xml')) });
      await p.getByLabel('Kind').selectOption('identity-center');
      await p.getByRole('button', { name: 'Add service provider' }).click();
      await p.waitForURL(/\/admin\/service-providers\/[^/?]+\?done=registered$/);
      assert.equal(await notice(p), 'Service provider saved.');
      const ic = (await t.ctx.store.serviceProviders.list()).find((s) => s.kind === 'identity-center');
      assert.equal(ic?.name, 'Identity Center');

      await p.goto(`${t.url}/admin/service-providers`);
      await p.getByLabel('Or paste the metadata XML').fill(genericSpMetadata());
      await p.getByLabel('Display name (optional)').fill(XSS);
      await p.getByRole('button', { name: 'Add service provider' }).click();
      await p.waitForURL(/\?done=registered$/);
      assert.equal((await p.getByRole('heading', { level: 1 }).textContent())?.includes(XSS), true, 'the name is shown as text');
      assert.equal(await p.locator('img[src=x]').count(), 0);

      await p.getByRole('button', { name: `Disable ${XSS}` }).click();
      await p.waitForURL(/\?done=disabled$/);
      assert.match(await notice(p), /disabled/);
      assert.equal((await t.ctx.store.serviceProviders.findByEntityId('https://sp.example.com/saml/metadata'))?.enabled, false);
    } finally {
      await nojs.close();
    }
  });

  test('service provider pages: list, one SP with its ACS URLs, enable, remove after a confirmation', async () => {
    await page.goto(`${t.url}/admin/service-providers`);
    assert.equal(await page.locator('td .badge.warn', { hasText: 'disabled' }).count(), 1);
    await check('service-providers');
    await page.getByLabel('Or paste the metadata XML').fill('<not-metadata/>');
    await page.getByRole('button', { name: 'Add service provider' }).click();
    await page.locator('#form-error').waitFor();
    await check('service-providers-error');
    await page.goto(`${t.url}/admin/service-providers`);
    await page.getByRole('link', { name: XSS }).click();
    assert.equal(await page.getByRole('cell', { name: 'https://sp.example.com/acs', exact: true }).count(), 1);
    await check('service-provider');
    await page.getByRole('button', { name: `Enable ${XSS}` }).click();
    await page.waitForURL(/\?done=enabled$/);
    await page.getByRole('link', { name: 'Remove…' }).click();
    await check('service-provider-remove');
    await page.getByRole('button', { name: 'Remove service provider' }).click();
    await page.waitForURL(/\/admin\/service-providers\?done=removed$/);
    assert.equal(await notice(), 'Service provider removed.');
    assert.equal(await t.ctx.store.serviceProviders.findByEntityId('https://sp.example.com/saml/metadata'), undefined);
  });

  test('signing keys: a stale session re-authenticates first; rotate, then activate, each saying what it means for IAM', async () => {
    const first = (await t.ctx.store.signingKeys.findActive())!;
    await page.goto(`${t.url}/admin/keys`);
    assert.match(await page.locator('#rotate-title').locator('..').textContent() ?? '', /update every IAM SAML provider/);
    await check('keys');
    const stale = (t.ctx.config.admin.reauthSeconds + 60) * 1000;
    t.clock.advance(stale);
    try {
      const stepUp = page.waitForRequest(/\/login\/step-up\?reauth=1&return_to=%2Fadmin%2Fkeys$/);
      await page.getByRole('button', { name: 'Rotate: create the next key' }).click();
      await stepUp;
      await page.waitForURL(/\/login\/mfa/);
      assert.equal((await t.ctx.store.signingKeys.list()).length, 1, 'nothing rotated');
    } finally {
      t.clock.advance(-stale);
    }
    await page.goto(`${t.url}/admin/keys`);
    await page.getByRole('button', { name: 'Rotate: create the next key' }).click();
    await page.waitForURL(/\/admin\/keys\?done=rotated$/);
    assert.match(await page.locator('#activate-title').locator('..').textContent() ?? '', /Before activating: add the new certificate to every IAM SAML provider.*or sign-ins to AWS will fail until you do/s);
    await check('keys-rotation');
    await page.getByRole('button', { name: 'Activate the next key' }).click();
    await page.waitForURL(/\/admin\/keys\?done=activated$/);
    const active = (await t.ctx.store.signingKeys.findActive())!;
    assert.notEqual(active.id, first.id);
    assert.equal(await page.getByRole('button', { name: /^Activate retired key / }).count(), 1, 'the old key can be rolled back to');
  });

  test('audit log: filter, open an event, export the filtered view', async () => {
    await page.goto(`${t.url}/admin/audit`);
    await check('audit');
    // At desktop width the whole table shows, Details included: its box does not have to scroll.
    const box = page.locator('.table-scroll').filter({ has: page.locator('table.audit-table') });
    assert.deepEqual(await box.evaluate((e) => ({ fits: e.scrollWidth <= e.clientWidth, width: e.clientWidth > 0 })), { fits: true, width: true });
    await page.getByLabel('Event type').selectOption('sp.disabled');
    await page.getByLabel('Person (username)').fill('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/type=sp\.disabled/);
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match(await rows.first().textContent() ?? '', /by root; via console/);
    const csvHref = await page.getByRole('link', { name: 'CSV' }).getAttribute('href');
    assert.match(csvHref ?? '', /^\/admin\/audit\/export\?type=sp\.disabled&format=csv$/);
    const csv = await page.request.get(t.url + csvHref!);
    assert.equal(csv.status(), 200);
    const lines = (await csv.text()).trimEnd().split('\r\n');
    assert.equal(lines.length, 2);
    assert.match(lines[1]!, /,sp\.disabled,success,/);
    await rows.first().getByRole('link').click();
    await page.waitForURL(/\/admin\/audit\/\d+$/);
    assert.match(await page.locator('pre.detail').textContent() ?? '', /"before": \{[\s\S]*"enabled": true/);
    assert.equal(await page.getByText('matches its hash').count(), 1);
    await check('audit-event');
    await page.goto(`${t.url}/admin/audit?from=not-a-time&person=root`);
    assert.match(await page.locator('#form-error').textContent() ?? '', /^from: must be/);
    assert.equal(await page.getByLabel('Person (username)').inputValue(), 'root');
    await check('audit-error');
  });

  test('API tokens: create (shown once, copy button), use, revoke after a confirmation', async () => {
    await page.goto(`${t.url}/admin/tokens`);
    await check('tokens');
    await page.getByLabel('Name').fill(XSS);
    await page.getByLabel('Scope').selectOption('write');
    await page.getByLabel('Valid for (days)').fill('7');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.locator('#new-token').inputValue();
    assert.match(token, /^gha_[A-Za-z0-9_-]{43}$/);
    assert.match(await page.getByRole('alert').first().textContent() ?? '', /shown only this once/);
    await page.getByRole('button', { name: 'Copy token' }).click();
    await page.getByText('Copied.').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), token);
    await check('tokens-created');
    await supertest(t.app.server).get('/api/v1/admin/keys').set('Authorization', `Bearer ${token}`).expect(200);

    await page.goto(`${t.url}/admin/tokens`);
    assert.equal(await page.locator('#new-token').count(), 0, 'never shown again');
    await page.getByRole('link', { name: `Revoke ${XSS}` }).click();
    await check('token-revoke');
    await page.getByRole('button', { name: 'Revoke token' }).click();
    await page.waitForURL(/\/admin\/tokens\?done=revoked$/);
    await supertest(t.app.server).get('/api/v1/admin/keys').set('Authorization', `Bearer ${token}`).expect(401);
    const ev = (await t.ctx.store.audit.list({ type: 'admin.token_revoked', limit: 1 }))[0]!;
    assert.deepEqual([ev.detail.by, ev.detail.via, (ev.detail.after as { name: string }).name], ['root', 'console', XSS]);
  });
});
