// dist/ is the CLI as installed: `tsc -p tsconfig.build.json` (npm's prepare script) compiles src/ into it, and
// bin/gatehouse.js runs it. The tests run the CLI and `gatehouse serve` from it too (test/helpers/gatehouseBin.ts):
// a child process starts in about a second less CPU than under tsx, which compiles and resolves every module
// through its loader hooks again in each child. So that no test ever runs an older build than src/, test/run.mjs
// calls ensureDist() before the tests, and the helper refuses a stale build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
/** The compiled CLI module that bin/gatehouse.js imports; its time is the time of the build. */
export const distMain = join(root, 'dist', 'cli', 'main.js');
/** What the build compiles: every file under src/, and the two compiler configurations. */
const inputs = [join(root, 'src'), join(root, 'tsconfig.json'), join(root, 'tsconfig.build.json')];

const newest = (p) => {
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(p).reduce((m, e) => Math.max(m, newest(join(p, e))), s.mtimeMs);
};

/** Why dist/ cannot be used as it is (a sentence), or undefined when it was built after every input last changed. */
export function staleDist() {
  if (!existsSync(distMain)) return 'dist/ has not been built';
  const built = statSync(distMain).mtimeMs;
  return inputs.some((p) => newest(p) > built) ? 'a file in src/ is newer than dist/' : undefined;
}

/** Builds dist/ when it is stale (see staleDist); throws when the compiler fails. */
export function ensureDist(log = console.log) {
  const why = staleDist();
  if (why === undefined) return;
  log(`${why}: building it (tsc -p tsconfig.build.json) …`);
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed (exit ${r.status ?? r.signal}); see above`);
}
