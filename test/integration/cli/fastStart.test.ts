// The AWS-credential commands start without the server's modules: `gatehouse login --help` (and the other
// commands a person or the AWS SDK runs often) must not load fastify, the database drivers, Kysely or the
// AWS SDK. A resolve hook (recordImports.mjs) logs every module the child imports: the packages left outside the
// bundle by their node_modules path, and the bundle's own files, whose sources dist/bundle/meta.json lists (esbuild's
// metafile). `gatehouse user --help` is the control that shows the log sees the server's modules when they are
// loaded. The child is the installed bin/gatehouse.js (the bundled build), as a person or the SDK starts it.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runProcess } from '../../helpers/runProcess.js';
import { gatehouseArgs } from '../../helpers/gatehouseBin.js';

const root = new URL('../../../', import.meta.url).pathname;
const heavy = /node_modules\/(fastify|@fastify\/[^/]+|better-sqlite3|pg|kysely|@aws-sdk\/client-sts|eta|xml-crypto|@node-rs\/argon2)\//;

/** For each file of the bundle (relative to the project), the sources and packages it holds. */
function bundleInputs(): Map<string, string[]> {
  const meta = JSON.parse(readFileSync(join(root, 'dist', 'bundle', 'meta.json'), 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> };
  return new Map(Object.entries(meta.outputs).map(([file, o]) => [file, Object.keys(o.inputs)]));
}

describe('fast start: the login commands load no server module', () => {
  let dir: string;
  let inputs: Map<string, string[]>;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-start-'));
    inputs = bundleInputs();
  });
  after(() => { rmSync(dir, { recursive: true, force: true }); });

  /** What the child loaded: every source and package, whether from the bundle's files or from node_modules. */
  const imports = async (args: string[], n: number): Promise<{ stdout: string; modules: string[] }> => {
    const log = join(dir, `imports-${n}.log`);
    const r = await runProcess(process.execPath, gatehouseArgs(args, ['--import', './test/integration/cli/recordImports.mjs']), {
      cwd: root, env: { PATH: process.env.PATH, HOME: dir, GATEHOUSE_IMPORT_LOG: log },
    });
    assert.equal(r.code, 0, r.stderr);
    const urls = existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : [];
    const modules = urls.flatMap((u) => {
      if (!u.startsWith('file:')) return [u];
      const file = relative(root, fileURLToPath(u));
      return [file, ...(inputs.get(file) ?? [])];
    });
    return { stdout: r.stdout, modules };
  };

  it('the bundle lists its sources, and the control: gatehouse user --help loads the store (so the log sees heavy modules)', async () => {
    assert.ok([...inputs.values()].flat().some((i) => i === 'src/cli/commands/login.ts'), 'meta.json names the sources');
    const { modules } = await imports(['user', '--help'], 0);
    assert.ok(modules.some((m) => heavy.test(m)), 'the import log works');
    assert.ok(modules.includes('src/store/store.ts'), 'and sees our own modules inside the bundle');
  });

  const commands = ['login', 'credential-process', 'exec', 'console', 'configure', 'whoami', 'logout'];
  for (const [i, command] of commands.entries()) {
    it(`gatehouse ${command} --help: an example, and no server module`, async () => {
      const { stdout, modules } = await imports([command, '--help'], i + 1);
      assert.match(stdout, new RegExp(`Usage: gatehouse ${command} `));
      assert.match(stdout, /\nExamples:\n {2}\$ gatehouse /);
      assert.ok(modules.some((m) => m.startsWith('src/cli/commands/')), 'the log saw the command module');
      assert.deepEqual(modules.filter((m) => heavy.test(m) || /^src\/(store|http)\//.test(m)), []);
    });
  }
});
