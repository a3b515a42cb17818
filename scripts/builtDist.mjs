// dist/bundle is the CLI and the server as installed: `npm run build` (npm's prepare script, scripts/build.mjs)
// bundles src/ into it, and bin/gatehouse.js runs it. The tests run the CLI and `gatehouse serve` from it too
// (test/helpers/gatehouseBin.ts): a child process starts in far less CPU than under tsx, which compiles and resolves
// every module through its loader hooks again in each child. So that no test ever runs an older build than src/
// (or than the packages it bundles), test/run.mjs calls ensureDist() before the tests, and the helper refuses a
// stale build.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
/** The bundled entry point that bin/gatehouse.js imports; its time is the time of the build. */
export const distMain = join(root, 'dist', 'bundle', 'main.js');
/** What the build reads: every file under src/, the build script, and the installed packages (npm rewrites this file on every install). */
const inputs = [join(root, 'src'), join(root, 'scripts', 'build.mjs'), join(root, 'node_modules', '.package-lock.json')];

const newest = (p) => {
  if (!existsSync(p)) return 0;
  const s = statSync(p);
  if (!s.isDirectory()) return s.mtimeMs;
  return readdirSync(p).reduce((m, e) => Math.max(m, newest(join(p, e))), s.mtimeMs);
};

/** Why dist/ cannot be used as it is (a sentence), or undefined when it was built after every input last changed. */
export function staleDist() {
  if (!existsSync(distMain)) return 'dist/ has not been built';
  const built = statSync(distMain).mtimeMs;
  return inputs.some((p) => newest(p) > built) ? 'a file in src/ (or an installed package) is newer than dist/' : undefined;
}

/** Builds dist/ when it is stale (see staleDist); throws when the build fails. */
export function ensureDist(log = console.log) {
  const why = staleDist();
  if (why === undefined) return;
  log(`${why}: building it (npm run build) …`);
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm run build (scripts/build.mjs) failed (exit ${r.status ?? r.signal}); see above`);
}
