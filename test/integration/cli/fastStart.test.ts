// The AWS-credential commands start without the server's modules: `gatehouse login --help` (and the other
// commands a person or the AWS SDK runs often) must not import fastify, the database drivers, Kysely or the
// AWS SDK. A resolve hook (recordImports.mjs) logs every module the child imports; `gatehouse user --help`
// is the control that shows the log sees the server's modules when they are loaded. The child is the installed
// bin/gatehouse.js (the compiled build in dist/), as a person or the SDK starts it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess } from '../../helpers/runProcess.js';
import { gatehouseArgs } from '../../helpers/gatehouseBin.js';

const root = new URL('../../../', import.meta.url).pathname;
const heavy = /\/node_modules\/(fastify|@fastify\/[^/]+|better-sqlite3|pg|kysely|@aws-sdk\/client-sts|eta|xml-crypto|@node-rs\/argon2)\//;

describe('fast start: the login commands load no server module', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'gatehouse-start-')); });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  const imports = async (args: string[], n: number): Promise<{ stdout: string; modules: string[] }> => {
    const log = join(dir, `imports-${n}.log`);
    const r = await runProcess(process.execPath, gatehouseArgs(args, ['--import', './test/integration/cli/recordImports.mjs']), {
      cwd: root, env: { PATH: process.env.PATH, HOME: dir, GATEHOUSE_IMPORT_LOG: log },
    });
    assert.equal(r.code, 0, r.stderr);
    return { stdout: r.stdout, modules: existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [] };
  };

  it('the control: gatehouse user --help loads the store (so the log sees heavy modules)', async () => {
    const { modules } = await imports(['user', '--help'], 0);
    assert.ok(modules.some((m) => heavy.test(m)), 'the import log works');
  });

  const commands = ['login', 'credential-process', 'exec', 'console', 'configure', 'whoami', 'logout'];
  for (const [i, command] of commands.entries()) {
    it(`gatehouse ${command} --help: an example, and no server module`, async () => {
      const { stdout, modules } = await imports([command, '--help'], i + 1);
      assert.match(stdout, new RegExp(`Usage: gatehouse ${command} `));
      assert.match(stdout, /\nExamples:\n {2}\$ gatehouse /);
      assert.ok(modules.some((m) => m.includes('/dist/cli/commands/')), 'the log saw the command module');
      assert.deepEqual(modules.filter((m) => heavy.test(m)), []);
    });
  }
});
