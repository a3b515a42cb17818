/**
 * Issue 11, "Passwords": `import` and `apply` hold a directory file's plaintext passwords to the same policy as
 * `gatehouse user set-password` (file:line for each refused one, nothing written), and warn about every plaintext
 * password; on SQLite and PostgreSQL, then the real CLI (the warning goes to stderr).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import supertest from 'supertest';
import { parseDirectoryFile } from '../../../src/directory/directoryFile.js';
import { importDirectory } from '../../../src/directory/applyImport.js';
import { isGatehouseError } from '../../../src/errors.js';
import { bothDatabases } from '../../helpers/databases.js';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { submitPassword } from '../../helpers/login.js';
import { runProcess } from '../../helpers/runProcess.js';
import { gatehouseArgs } from '../../helpers/gatehouseBin.js';

const root = new URL('../../../', import.meta.url).pathname;
const GOOD = 'purple tractor violin sunrise';
const file = (users: { username: string; password?: string; email?: string }[]) => `users:\n${users.map((u) =>
  `  - username: ${u.username}\n${u.email ? `    email: ${u.email}\n` : ''}${u.password !== undefined ? `    password: "${u.password}"\n` : ''}`).join('')}`;

for (const db of bothDatabases) {
  describe(`directory file passwords (${db})`, () => {
    let t: TestApp;
    before(async () => { t = await startTestApp({ db }); });
    after(async () => { await t.close(); });

    for (const mode of ['import', 'apply'] as const) {
      it(`${mode}: a password the policy refuses is a file:line error and nothing is written`, async () => {
        const text = file([
          { username: 'ann', password: GOOD },
          { username: 'bob', password: 'bob' },
          { username: 'cy', password: 'password1234' },
          { username: 'dee', email: 'dee.longname@example.com', password: 'DEE.longname@example.com' },
        ]);
        await assert.rejects(importDirectory(t.ctx, parseDirectoryFile(text, 'people.yaml'), { mode }), (e) => {
          assert.ok(isGatehouseError(e, 'directory_invalid'));
          assert.equal(e.message, [
            'people.yaml:5: user "bob": password refused: Password is too short: use at least 12 characters.',
            'people.yaml:7: user "cy": password refused: Password is too common and easy to guess: choose another one.',
            'people.yaml:10: user "dee": password refused: Password must not be the same as your email.',
          ].join('\n'));
          return true;
        });
        assert.deepEqual(await t.ctx.store.users.list(), [], 'nothing was imported, not even ann');
      });
    }

    it('a good plaintext password imports with a warning naming its line; a password_hash gives none', async () => {
      const r = await importDirectory(t.ctx, parseDirectoryFile(file([{ username: 'ann', password: GOOD }]), 'people.yaml'), { mode: 'import' });
      assert.equal(r.applied, true);
      assert.deepEqual(r.warnings, ['people.yaml:3: warning: user "ann" has a plaintext password in this file; prefer password_hash (gatehouse export writes hashes) and keep the file private']);
      const hash = (await t.ctx.store.users.findByUsername('ann'))!.passwordHash!;
      const again = await importDirectory(t.ctx, parseDirectoryFile(`users:\n  - username: ann\n    password_hash: "${hash}"\n`, 'hashed.yaml'), { mode: 'import' });
      assert.deepEqual(again.warnings, []);
    });
  });
}

describe('gatehouse import with plaintext passwords (CLI)', () => {
  let t: TestApp;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const gatehouse = (args: string[]) => runProcess(process.execPath, gatehouseArgs(args), { cwd: root, env });

  before(async () => {
    t = await startTestApp({ db: 'sqlite', overrides: { secrets: { key: randomBytes(32).toString('base64') } } });
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-pw-'));
    writeFileSync(join(dir, 'config.yaml'), 'auth:\n  argon2: {memoryCost: 8192, timeCost: 1, parallelism: 1}\n');
    env = { PATH: process.env.PATH, HOME: dir, GATEHOUSE_CONFIG: join(dir, 'config.yaml'), GATEHOUSE_DATABASE_URL: t.ctx.config.database.url, GATEHOUSE_SECRET_KEY: t.ctx.config.secrets.key };
  });
  after(async () => { await t.close(); rmSync(dir, { recursive: true, force: true }); });

  it('password: "bob" is refused with file:line and does not sign in; a good one warns on stderr only', async () => {
    const weak = join(dir, 'weak.yaml');
    writeFileSync(weak, file([{ username: 'bob', password: 'bob' }]));
    const refused = await gatehouse(['import', weak]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, new RegExp(`${weak.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: user "bob": password refused: Password is too short`));
    assert.equal((await submitPassword(supertest.agent(t.app.server), { username: 'bob', password: 'bob' })).status, 401, 'bob cannot sign in');

    const good = join(dir, 'good.yaml');
    writeFileSync(good, file([{ username: 'bob', password: GOOD }]));
    const r = await gatehouse(['import', good, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /good\.yaml:3: warning: user "bob" has a plaintext password in this file/);
    assert.equal((JSON.parse(r.stdout) as { applied: boolean }).applied, true, 'stdout stays machine-readable');
    const plan = await gatehouse(['apply', good, '--plan']);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stderr, /warning: user "bob" has a plaintext password/);
  });
});
