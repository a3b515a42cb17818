/**
 * Two nodes on one PostgreSQL database (issue 12, "Several nodes, no node-local state"): each node is a whole
 * app with its own store, connection pool and signing-key cache, listening on 127.0.0.1; a browser with one
 * cookie jar sends each request to the node the test names, as a load balancer without sticky sessions would.
 * Nothing a node keeps in memory may decide an outcome: the login flow, the session, TOTP steps, lockout
 * counters and signing keys must all be the database's.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../../helpers/databases.js';
import { createClock } from '../../helpers/app.js';
import { Browser, newSecretKey, startNode, type Node } from '../../helpers/nodes.js';
import { csrfFrom, totpCode } from '../../helpers/login.js';
import { createTestUser, TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { samlDirectory } from '../../helpers/samlSetup.js';
import { parseAutoPost, verifyAwsResponse } from '../../helpers/verifySamlResponse.js';
import { parseDirectoryFile } from '../../../src/directory/directoryFile.js';
import { importDirectory } from '../../../src/directory/applyImport.js';
import { activateKey, ensureActiveKey, loadSigningKeys, rotateKey } from '../../../src/keys/signingKeyService.js';
import { checkAwsSamlResponse } from '../../../src/aws/checkAwsSamlResponse.js';
import { xmlsecVerify } from '../../interop/helpers.js';

const GENERIC = 'Incorrect username, password or code.';
const alertText = (html: string): string | undefined => /role="alert"[^>]*>([^<]+)</.exec(html)?.[1];
const lockout = { backoffAfter: 50, lockAfter: 4, baseDelayMs: 0, lockSeconds: 600, windowSeconds: 900 };
const role = '111122223333/ReadOnly';
const certOf = (xml: string): string => /<ds:X509Certificate>([^<]+)<\/ds:X509Certificate>/.exec(xml)![1]!;
const pem = (b64: string): string => `-----BEGIN CERTIFICATE-----\n${b64.replace(/.{1,64}/g, '$&\n')}-----END CERTIFICATE-----\n`;

describe('two nodes on one PostgreSQL', () => {
  let db: TestDatabase;
  let a: Node;
  let b: Node;
  const clock = createClock();

  before(async () => {
    db = await createTestDatabase('postgres');
    const secretKey = newSecretKey();
    a = await startNode({ name: 'A', databaseUrl: db.url, clock, secretKey, overrides: { lockout } });
    b = await startNode({ name: 'B', databaseUrl: db.url, clock, secretKey, overrides: { lockout } });
    await ensureActiveKey(a.ctx);
    await importDirectory(a.ctx, parseDirectoryFile(samlDirectory, 'directory.yaml'), { mode: 'import' });
    for (const username of ['bob', 'carol', 'dave']) await createTestUser(b.ctx, { username, totpSecret: TEST_TOTP_SECRET });
    await createTestUser(b.ctx, { username: 'erin', totpSecret: TEST_TOTP_SECRET, groups: ['platform-admins'] });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  /** The password step on `node`; returns the response (303 to /login/mfa when the password was right and nothing is locked). */
  const passwordOn = async (browser: Browser, node: Node, username: string, password: string) => {
    const page = await browser.get(node, '/login');
    assert.equal(page.status, 200);
    return browser.post(node, '/login/password', { _csrf: csrfFrom(page.text), username, password });
  };
  /** The TOTP step on `node` with `code`. */
  const totpOn = async (browser: Browser, node: Node, code: string) => {
    const page = await browser.get(node, '/login/mfa?factor=totp');
    assert.equal(page.status, 200, `MFA page on ${node.name}: ${page.status} ${page.text.slice(0, 200)}`);
    return browser.post(node, '/login/totp', { _csrf: csrfFrom(page.text), code });
  };
  /** The AWS console sign-in on `node` for a signed-in browser: the auto-POST form. */
  const ssoOn = async (browser: Browser, node: Node) => {
    const account = await browser.get(node, '/account');
    assert.equal(account.status, 200, `/account on ${node.name}: ${account.status}`);
    const res = await browser.post(node, '/aws/console', { _csrf: csrfFrom(account.text), role });
    assert.equal(res.status, 200, `SSO on ${node.name}: ${res.status} ${res.text.slice(0, 300)}`);
    return parseAutoPost(res.text);
  };

  test('sign in on A, finish MFA on B, get an assertion on A; the session is one session on both nodes', async () => {
    const browser = new Browser();
    const pw = await passwordOn(browser, a, 'alice', TEST_PASSWORD);
    assert.equal(pw.status, 303);
    assert.equal(pw.location, '/login/mfa');
    const done = await totpOn(browser, b, totpCode(TEST_TOTP_SECRET, clock.now()));
    assert.equal(done.status, 303, `TOTP on B: ${alertText(done.text) ?? done.status}`);
    assert.equal(done.location, '/login/recovery-codes', 'alice was imported with a TOTP seed and no codes: new ones are shown once');
    const codes = await browser.get(a, '/login/recovery-codes');
    assert.equal((await browser.post(b, '/login/recovery-codes', { _csrf: csrfFrom(codes.text) })).status, 303, 'the codes shown on A are confirmed on B');
    assert.ok(browser.cookie('gatehouse_session'), 'B started the session');

    const form = await ssoOn(browser, a);
    const { active } = await loadSigningKeys(a.ctx);
    const profile = await verifyAwsResponse(form, { certificatePem: active.certificatePem, audience: 'urn:amazon:webservices', now: new Date(clock.now()) });
    assert.equal(profile['https://aws.amazon.com/SAML/Attributes/RoleSessionName'], 'alice');
    const issued = await b.ctx.store.audit.list({ type: 'saml.assertion', limit: 5 });
    assert.ok(issued.some((e) => e.username === 'alice' && e.outcome === 'success'), 'the assertion A issued is in the audit log B reads');

    assert.equal((await browser.get(b, '/account')).status, 200, 'B knows the session too');
    const account = await browser.get(b, '/account');
    const out = await browser.post(b, '/logout', { _csrf: csrfFrom(account.text) });
    assert.ok(out.status < 400, `logout on B: ${out.status}`);
    const after = await browser.get(a, '/account');
    assert.equal(after.status, 303, 'signed out on B is signed out on A');
    assert.match(after.location ?? '', /^\/login/);
  });

  test('a TOTP code used on A is refused on B', async () => {
    clock.advance(60_000);
    const code = totpCode(TEST_TOTP_SECRET, clock.now());
    const first = new Browser();
    assert.equal((await passwordOn(first, a, 'bob', TEST_PASSWORD)).status, 303);
    const ok = await totpOn(first, a, code);
    assert.equal(ok.status, 303, 'the code works once, on A');

    const second = new Browser();
    assert.equal((await passwordOn(second, b, 'bob', TEST_PASSWORD)).status, 303);
    const replay = await totpOn(second, b, code);
    assert.equal(replay.status, 401, 'the same code on B is refused');
    assert.equal(second.cookie('gatehouse_session'), undefined, 'no session for the replay');
    const refused = (await a.ctx.store.audit.list({ type: 'login.mfa', limit: 20 })).find((e) => e.username === 'bob' && e.outcome === 'failure');
    assert.equal(refused?.reason, 'replayed');
  });

  /**
   * Wrong passwords from one browser on `nodes` in turn, each followed by the right password on the next
   * node, until the right one is refused: returns how many failures that took.
   */
  const failuresUntilLocked = async (nodes: Node[], username: string): Promise<number> => {
    for (let failures = 1; failures <= lockout.lockAfter + 2; failures++) {
      const wrong = await passwordOn(new Browser(), nodes[(failures - 1) % nodes.length]!, username, 'definitely the wrong password');
      assert.equal(wrong.status, 401);
      const right = await passwordOn(new Browser(), nodes[failures % nodes.length]!, username, TEST_PASSWORD);
      if (right.status === 401) {
        assert.equal(alertText(right.text), GENERIC);
        return failures;
      }
      assert.equal(right.status, 303, `after ${failures} failures the right password still passes`);
    }
    assert.fail(`${username} was never locked`);
  };

  test('failures spread over A and B lock the person at the same count as on one node', async () => {
    const oneNode = await failuresUntilLocked([a], 'carol');
    const twoNodes = await failuresUntilLocked([a, b], 'dave');
    assert.equal(oneNode, lockout.lockAfter);
    assert.equal(twoNodes, oneNode);
    assert.equal((await b.ctx.store.throttles.get('user:dave'))?.failures, lockout.lockAfter);
    const locked = await a.ctx.store.audit.list({ type: 'lockout.locked' });
    assert.equal(locked.filter((e) => e.username === 'dave').length, 1, 'one lock, recorded once');
  });

  test('a key rotated and activated through A signs B\'s next assertion within the key cache lifetime', async () => {
    clock.advance(60_000);
    const browser = new Browser();
    assert.equal((await passwordOn(browser, b, 'erin', TEST_PASSWORD)).status, 303);
    assert.equal((await totpOn(browser, b, totpCode(TEST_TOTP_SECRET, clock.now()))).status, 303);

    const oldCert = certOf((await ssoOn(browser, b)).xml); // B has the old key cached now
    const next = await rotateKey(a.ctx);
    await activateKey(a.ctx, next.id);
    const { active } = await loadSigningKeys(a.ctx);
    const newCert = active.certificateB64;
    assert.notEqual(newCert, oldCert);

    clock.advance(31_000); // the signing-key cache keeps keys for 30 s
    const form = await ssoOn(browser, b);
    assert.equal(certOf(form.xml), newCert, 'B signs with the key activated through A');
    const now = new Date(clock.now());
    assert.deepEqual(checkAwsSamlResponse(form.xml, { now, expectedAcs: form.action, certificates: [pem(newCert)] }).violations, []);
    assert.notDeepEqual(checkAwsSamlResponse(form.xml, { now, expectedAcs: form.action, certificates: [pem(oldCert)] }).violations, [], 'the old key no longer verifies it');
    assert.ok(xmlsecVerify(form.xml, pem(newCert)).ok);
    assert.equal(new X509Certificate(Buffer.from(newCert, 'base64')).publicKey.asymmetricKeyDetails?.modulusLength, 3072);
    const meta = await fetch(`${b.url}/saml/metadata`).then((r) => r.text());
    assert.ok(meta.includes(newCert), 'B publishes the new key in its metadata');
  });
});
