/**
 * Issue 10, "Done when", in real Chromium: an admin signs in with a virtual security key (Chrome's CDP virtual
 * authenticator), adds an AWS account, creates a group, maps it to a role and adds a person to it from the group's
 * page; that person's next assertion, checked by the independent verifiers (our AWS conformance check, node-saml
 * and xmlsec1), carries the role. Then, on a session gone stale, the admin is asked for the key again before
 * resetting that person's MFA, whose next sign-in must enroll; the audit page shows the mapping change and the reset
 * with the admin's security key, and its device filter finds them by that key's name.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { addSecurityKey, launchBrowser, screenshot } from '../helpers/browser.js';
import { createTestUser, TEST_PASSWORD } from '../helpers/users.js';
import { loginWithTotp } from '../helpers/login.js';
import { parseAutoPost, verifyAwsResponse } from '../helpers/verifySamlResponse.js';
import { ensureActiveKey, loadSigningKeys } from '../../src/keys/signingKeyService.js';

const CAROL_SECRET = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU';
const roleAttr = 'https://aws.amazon.com/SAML/Attributes/Role';

describe('admin console end to end: security key, group, role, member → the next assertion carries the role; MFA reset; audit', { timeout: 180_000 }, () => {
  let t: TestApp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;

  async function password(username: string) {
    await page.goto(`${t.url}/login`);
    await page.getByLabel('Username or email').fill(username);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForLoadState('load');
  }

  before(async () => {
    t = await startTestApp({ listen: true });
    await ensureActiveKey(t.ctx);
    await createTestUser(t.ctx, { username: 'root', groups: [t.ctx.config.admin.group] }); // no device yet
    await createTestUser(t.ctx, { username: 'carol', totpSecret: CAROL_SECRET });
    browser = await launchBrowser();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    await addSecurityKey(context, page);
  });
  after(async () => {
    await browser?.close();
    await t?.close();
  });

  test('the admin enrolls a security key, then signs in with it', async () => {
    await password('root');
    await page.waitForURL(/\/login\/enroll$/);
    await page.getByRole('link', { name: 'Security key or passkey' }).click();
    await page.getByLabel('Name for this key').fill('Admin key');
    await page.getByRole('button', { name: 'Add key' }).click();
    await page.waitForURL(/\/login\/recovery-codes$/);
    await page.getByRole('button', { name: /I have saved these codes/ }).click();
    await page.waitForURL(`${t.url}/`);
    await page.getByRole('button', { name: /Sign out/ }).click();
    await page.waitForURL(/\/login\?signed_out=1$/);

    await password('root');
    await page.waitForURL(/\/login\/mfa$/);
    await page.getByRole('button', { name: 'Use security key or passkey' }).click();
    await page.waitForURL(`${t.url}/`);
    const ev = (await t.ctx.store.audit.list({ type: 'login.mfa', limit: 1 }))[0];
    assert.deepEqual([ev?.username, ev?.factor, ev?.deviceName, ev?.outcome], ['root', 'webauthn', 'Admin key', 'success']);
  });

  test('adds an account, creates a group, maps a role and adds carol; her next assertion carries the role', async () => {
    await page.goto(`${t.url}/admin/accounts`);
    await page.getByLabel('Alias').fill('prod');
    await page.getByLabel('Account ID').fill('111122223333');
    await page.getByLabel('IAM SAML provider name').fill('Gatehouse');
    await page.getByRole('button', { name: 'Add account' }).click();
    await page.waitForURL(/\/admin\/accounts\/111122223333\?done=created$/);

    await page.goto(`${t.url}/admin/groups`);
    await page.getByLabel('Name', { exact: true }).fill('data-team');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.waitForURL(/\/admin\/groups\/data-team\?done=created$/);

    await page.getByLabel('AWS account').selectOption('111122223333');
    await page.getByLabel('IAM role name').fill('DataAnalyst');
    await page.getByLabel('Session duration in seconds (optional)').fill('3600');
    await page.getByLabel('Required factor').selectOption('totp');
    await page.getByRole('button', { name: 'Map role' }).click();
    await page.waitForURL(/done=mapping-added/);

    // Before she is a member, Gatehouse refuses carol the role.
    const carol = supertest.agent(t.app.server);
    const { csrf } = await loginWithTotp(carol, { username: 'carol', password: TEST_PASSWORD, secret: CAROL_SECRET, now: t.clock.now() });
    assert.equal((await carol.post('/aws/console').type('form').send({ _csrf: csrf, role: '111122223333/DataAnalyst' })).status, 403);

    await page.getByLabel('Add a person by username').fill('carol');
    await page.getByRole('button', { name: 'Add member' }).click();
    await page.waitForURL(/done=member-added/);
    assert.match(await page.getByRole('region', { name: 'Members', exact: true }).innerText(), /carol/);
    await screenshot(page, 'admin-e2e-group');

    const res = await carol.post('/aws/console').type('form').send({ _csrf: csrf, role: '111122223333/DataAnalyst' }).expect(200);
    const form = parseAutoPost(res.text);
    const { active } = await loadSigningKeys(t.ctx);
    const profile = await verifyAwsResponse(form, { certificatePem: active.certificatePem, audience: 'urn:amazon:webservices', now: new Date(t.clock.now()) });
    assert.equal(profile[roleAttr], 'arn:aws:iam::111122223333:role/DataAnalyst,arn:aws:iam::111122223333:saml-provider/Gatehouse');
    assert.equal(profile['https://aws.amazon.com/SAML/Attributes/SessionDuration'], '3600');

    // Every change the admin made is in the audit log, made by root in the console.
    for (const type of ['account.created', 'group.created', 'role.mapped', 'group.member_added'] as const) {
      const ev = (await t.ctx.store.audit.list({ type, limit: 1 }))[0];
      assert.deepEqual([(ev?.detail as { by: string }).by, (ev?.detail as { via: string }).via], ['root', 'console'], type);
    }
  });

  test('a stale session confirms the key again, then resets carol\'s MFA; her next sign-in must enroll', async () => {
    t.clock.advance((t.ctx.config.admin.reauthSeconds + 60) * 1000);
    await page.goto(`${t.url}/admin/people/carol`);
    await page.getByRole('link', { name: 'Reset MFA…' }).click();
    await page.waitForURL(/\/login\/mfa/);
    assert.match(await page.locator('main').innerText(), /Confirm it's you/);
    await page.getByRole('button', { name: 'Use security key or passkey' }).click();
    await page.waitForURL(/\/admin\/people\/carol\/reset-mfa$/);
    await page.getByRole('button', { name: 'Reset MFA' }).click();
    await page.waitForURL(/\/admin\/people\/carol\?done=mfa-reset$/);

    const carol = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const carolPage = await carol.newPage();
    await carolPage.goto(`${t.url}/login`);
    await carolPage.getByLabel('Username or email').fill('carol');
    await carolPage.getByLabel('Password').fill(TEST_PASSWORD);
    await carolPage.getByRole('button', { name: 'Continue' }).click();
    await carolPage.waitForURL(/\/login\/enroll$/);
    await carol.close();
  });

  test('the audit page shows the mapping change and the MFA reset with the admin\'s security key', async () => {
    const rowOf = async (type: string): Promise<string> => page.locator('tr', { has: page.locator('code', { hasText: new RegExp(`^${type.replace('.', '\\.')}$`) }) }).first().innerText();
    await page.goto(`${t.url}/admin/audit`);
    const reset = await rowOf('user.mfa_reset');
    assert.match(reset, /carol/);
    assert.match(reset, /root: Admin key \(webauthn\)/);
    assert.match(await rowOf('role.mapped'), /root: Admin key \(webauthn\)[\s\S]*group data-team[\s\S]*role DataAnalyst/);
    await screenshot(page, 'admin-e2e-audit');

    // The device filter finds the admin's changes by the key's name, and nothing made with another device.
    await page.getByLabel('Device name or id').fill('Admin key');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/device=Admin\+key/);
    const types = await page.locator('tbody tr td:nth-child(2)').allInnerTexts();
    for (const type of ['account.created', 'group.created', 'role.mapped', 'group.member_added', 'user.mfa_reset']) assert.ok(types.includes(type), `${type} in ${types.join(', ')}`);
    assert.ok(types.includes('login.mfa'), 'the admin\'s own sign-in with the key');
    const rows = await page.locator('tbody tr').allInnerTexts();
    assert.ok(rows.every((r) => /Admin key/.test(r)), rows.join('\n'));

    // The events themselves carry it (the exports and the API read these fields).
    const [ev] = await t.ctx.store.audit.list({ type: 'user.mfa_reset', limit: 1 });
    const detail = ev?.detail as { by: string; byFactor: string; byDevice: string; byDeviceId: string };
    assert.deepEqual([detail.by, detail.byFactor, detail.byDevice], ['root', 'webauthn', 'Admin key']);
    const key = (await t.ctx.store.devices.listForUser((await t.ctx.store.users.findByUsername('root'))!.id))[0];
    assert.equal(detail.byDeviceId, key?.id);
  });
});
