/**
 * The real `gatehouse` command as a child process: `node bin/gatehouse.js ARGS`, the installed entry point, which
 * runs the bundled build in dist/bundle (scripts/build.mjs). The tests spawn it a few hundred times; each child starts in about a second
 * less CPU than `node --import tsx src/cli/run.ts`. test/run.mjs rebuilds dist/ first when src/ is newer
 * (scripts/builtDist.mjs); a test file run some other way against a stale build fails here instead of testing
 * old code.
 *
 *   runProcess(process.execPath, gatehouseArgs(['user', 'list']), { cwd: projectRoot, env })
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleDist } from '../../scripts/builtDist.mjs';

export const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
/** bin/gatehouse.js, by absolute path (the child may start in any folder). */
export const gatehouseBin = join(projectRoot, 'bin', 'gatehouse.js');

let checked = false;
/** Throws when dist/ is missing or older than src/ (checked once per test process). */
export function assertDistFresh(): void {
  if (checked) return;
  const why = staleDist();
  if (why !== undefined) throw new Error(`${why}; run the tests with npm test (it builds dist/ first), or npm run build`);
  checked = true;
}

/** The arguments to give node (process.execPath) to run `gatehouse ARGS`; `nodeFlags` go before the script. */
export function gatehouseArgs(args: readonly string[], nodeFlags: readonly string[] = []): string[] {
  assertDistFresh();
  return [...nodeFlags, gatehouseBin, ...args];
}
