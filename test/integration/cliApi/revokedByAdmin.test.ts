// CLI sessions end when an admin disables the person or sets a new password (`gatehouse user …`), or a directory
// import disables them: revoked in the same transaction, so enabling the person again does not bring a token back.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BOB_TOTP_SECRET, getWithToken, startCliApp, terminalLogin } from '../../helpers/cliApi.js';
import { runProcess } from '../../helpers/runProcess.js';
import { gatehouseArgs } from '../../helpers/gatehouseBin.js';
import { TEST_PASSWORD, TEST_TOTP_SECRET } from '../../helpers/users.js';
import { samlDirectory } from '../../helpers/samlSetup.js';
import { parseDirectoryFile } from '../../../src/directory/directoryFile.js';
import { importDirectory } from '../../../src/directory/applyImport.js';
import type { TestApp } from '../../helpers/app.js';

const root = new URL('../../../', import.meta.url).pathname;

describe('CLI sessions end with the admin commands that end browser sessions', () => {
  let t: TestApp;
  const key = randomBytes(32).toString('base64');
  before(async () => { t = await startCliApp({ db: 'sqlite', overrides: { secrets: { key } } }); });
  after(async () => { await t.close(); });

  const gatehouse = async (args: string[], input?: string) => {
    const r = await runProcess(process.execPath, gatehouseArgs(args), {
      cwd: root, env: { PATH: process.env.PATH, HOME: root, GATEHOUSE_DATABASE_URL: t.ctx.config.database.url, GATEHOUSE_SECRET_KEY: key }, ...(input !== undefined ? { input } : {}),
    });
    assert.equal(r.code, 0, r.stderr);
  };
  const reasonOfLastRefusal = async () => (await t.ctx.store.audit.list({ type: 'cli.session_refused', limit: 1 }))[0]?.reason;

  it('gatehouse user disable, then enable: the token stays refused (revoked by the command, not only by the check on use)', async () => {
    const grant = await terminalLogin(t.app, { username: 'bob', password: TEST_PASSWORD, secret: BOB_TOTP_SECRET, now: t.clock.now() });
    await gatehouse(['user', 'disable', 'bob']);
    await gatehouse(['user', 'enable', 'bob']);
    assert.equal((await getWithToken(t.app, '/api/v1/cli/me', grant.accessToken)).statusCode, 401);
    assert.equal(await reasonOfLastRefusal(), 'revoked');
  });

  it('gatehouse user set-password ends the person\'s CLI sessions', async () => {
    t.clock.advance(30_000);
    const grant = await terminalLogin(t.app, { username: 'bob', password: TEST_PASSWORD, secret: BOB_TOTP_SECRET, now: t.clock.now() });
    await gatehouse(['user', 'set-password', 'bob'], 'another long passphrase here\n');
    assert.equal((await getWithToken(t.app, '/api/v1/cli/me', grant.accessToken)).statusCode, 401);
    assert.equal(await reasonOfLastRefusal(), 'revoked');
  });

  it('a directory import that disables the person ends their CLI sessions', async () => {
    const grant = await terminalLogin(t.app, { username: 'alice', password: TEST_PASSWORD, secret: TEST_TOTP_SECRET, now: t.clock.now() });
    const disabled = samlDirectory.replace('    display_name: Alice Example\n', '    display_name: Alice Example\n    status: disabled\n');
    assert.notEqual(disabled, samlDirectory);
    await importDirectory(t.ctx, parseDirectoryFile(disabled, 'directory.yaml'), { mode: 'import' });
    await importDirectory(t.ctx, parseDirectoryFile(samlDirectory, 'directory.yaml'), { mode: 'import' });
    assert.equal((await getWithToken(t.app, '/api/v1/cli/me', grant.accessToken)).statusCode, 401);
    assert.equal(await reasonOfLastRefusal(), 'revoked');
  });
});
