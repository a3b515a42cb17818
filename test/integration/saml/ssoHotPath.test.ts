/**
 * The SSO hot path (issue 12): an AWS console sign-in for a person already signed in reads the session with
 * its person and device in one query and the entitlements in one query, then writes the audit event. The
 * statements are counted through the store's query hook (Kysely's log), on both databases; transaction
 * control (BEGIN/COMMIT) counts too.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bothDatabases, createTestDatabase, type TestDatabase } from '../../helpers/databases.js';
import { createClock } from '../../helpers/app.js';
import { Browser, newSecretKey, startNode, type Node } from '../../helpers/nodes.js';
import { csrfFrom, totpCode } from '../../helpers/login.js';
import { samlDirectory } from '../../helpers/samlSetup.js';
import { TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { parseAutoPost } from '../../helpers/verifySamlResponse.js';
import { parseDirectoryFile } from '../../../src/directory/directoryFile.js';
import { importDirectory } from '../../../src/directory/applyImport.js';
import { ensureActiveKey } from '../../../src/keys/signingKeyService.js';
import { directorySettingKeys, readDirectorySettings, parseDirectorySettings } from '../../../src/directory/directorySettings.js';
import { createTestUser } from '../../helpers/users.js';

/**
 * The audit append. SQLite: BEGIN, read the chain head, insert the event, move the head, COMMIT. PostgreSQL: one
 * statement that inserts the event and moves the head if it is still where this node last left it.
 */
const auditStatements = { sqlite: 5, postgres: 1 } as const;
/** Session with person and device, entitlements. */
const readStatements = 2;

for (const kind of bothDatabases) {
  describe(`SSO hot path (${kind})`, () => {
    let db: TestDatabase;
    let node: Node;
    const clock = createClock();
    let counting = false;
    const statements: string[] = [];
    const browser = new Browser();
    let csrf = '';

    before(async () => {
      db = await createTestDatabase(kind);
      node = await startNode({ databaseUrl: db.url, clock, secretKey: newSecretKey(), onQuery: (e) => { if (counting) statements.push(e.sql); } });
      await ensureActiveKey(node.ctx);
      await importDirectory(node.ctx, parseDirectoryFile(samlDirectory, 'directory.yaml'), { mode: 'import' });
      const login = await browser.get(node, '/login');
      await browser.post(node, '/login/password', { _csrf: csrfFrom(login.text), username: 'alice', password: TEST_PASSWORD });
      const mfa = await browser.get(node, '/login/mfa?factor=totp');
      const done = await browser.post(node, '/login/totp', { _csrf: csrfFrom(mfa.text), code: totpCode(TEST_TOTP_SECRET, clock.now()) });
      assert.equal(done.location, '/login/recovery-codes', 'alice was imported with a TOTP seed and no codes: new ones are shown once');
      const codes = await browser.get(node, '/login/recovery-codes');
      assert.equal((await browser.post(node, '/login/recovery-codes', { _csrf: csrfFrom(codes.text) })).status, 303);
      csrf = csrfFrom((await browser.get(node, '/account')).text);
    });
    after(async () => {
      await node?.close();
      await db?.drop();
    });

    const sso = async () => {
      const res = await browser.post(node, '/aws/console', { _csrf: csrf, role: '111122223333/ReadOnly' });
      assert.equal(res.status, 200, res.text.slice(0, 300));
      return parseAutoPost(res.text);
    };

    test(`one SSO runs ${readStatements} reads plus the audit append`, async () => {
      await sso(); // loads the signing keys into the node's cache
      clock.advance(1000);
      statements.length = 0;
      counting = true;
      const form = await sso();
      counting = false;
      const listing = statements.map((s, i) => `${i + 1}. ${s.slice(0, 160)}`).join('\n');
      assert.equal(statements.length, readStatements + auditStatements[kind], `statements of one SSO:\n${listing}`);
      const audit = await node.ctx.store.audit.list({ type: 'saml.assertion', limit: 1 });
      assert.equal(audit[0]?.deviceName, 'phone', 'the audit event still names the device');
      assert.match(form.xml, /CostCenter/, 'the entitlements (tags from the person and the group) are all there');
    });

    test('the one-statement read gives what the per-table reads give: several groups, a group without roles, no group at all', async () => {
      const store = node.ctx.store;
      await createTestUser(node.ctx, { username: 'nogroups' });
      await createTestUser(node.ctx, { username: 'emptygroup', groups: ['no-roles-here', 'gov-users'] });
      for (const username of ['alice', 'nogroups', 'emptygroup']) {
        const user = (await store.users.findByUsername(username))!;
        const got = await store.entitlementInputs.forUser(user.id, directorySettingKeys);
        const groups = await store.groups.groupsOf(user.id);
        const mappings = await store.accounts.mappingsForUser(user.id);
        const accountIds = new Set(mappings.map((m) => m.accountId));
        const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((x, y) => x.id.localeCompare(y.id));
        assert.deepEqual(got.groups, groups, `${username}: groups`);
        assert.deepEqual(byId(got.mappings), byId(mappings), `${username}: mappings`);
        assert.deepEqual(byId(got.accounts), byId((await store.accounts.list()).filter((a) => accountIds.has(a.id))), `${username}: accounts`);
        assert.deepEqual(parseDirectorySettings(got.settings), await readDirectorySettings(store), `${username}: settings`);
      }
    });
  });
}
