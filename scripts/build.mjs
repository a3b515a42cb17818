// `npm run build` (and npm's prepare script): bundles the CLI and the server into dist/bundle with esbuild, the
// way bin/gatehouse.js runs them. Two entry points, main.js (every command) and workerMain.js (a cluster worker),
// with the modules each command loads lazily in chunks of their own beside them. One file per chunk instead of a
// module per source file (about 340 of ours, and Kysely's hundreds) cuts a command's start by a third or more
// (2026-12-02, 2-core machine, median wall time: `gatehouse user list` 0.61 → 0.42 s, `gatehouse --help` 657 → 392 ms,
// `gatehouse login --help` 157 → 108 ms), and a child process of the tests starts as much faster.
// Type checking is `npm run typecheck`'s (tsc); this only strips the types.
//
// Bundled: our sources and the pure-JavaScript packages the commands load (`bundled` below). Every other
// dependency is loaded from node_modules as it is: the native modules (better-sqlite3, @node-rs/argon2), pg (it
// requires pg-native only when asked), the packages that find files of their own at run time (pino's transports in
// worker threads, fastify and its plugins, @simplewebauthn/browser's script), and the server's other libraries.
// The chunks sit two folders below the project root, as the sources do under src/, so the paths they build from
// import.meta.url (views/, public/, package.json) and clusterPrimary's `./workerMain.js` hold in both.
import { build } from 'esbuild';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
export const bundleDir = join(root, 'dist', 'bundle');

/**
 * The packages bundled: pure JavaScript, many files each, and loaded by the CLI's commands. Every other dependency
 * stays in node_modules (see above), so the server's libraries run exactly as their authors ship them.
 */
export const bundled = ['kysely', 'zod', 'yaml', 'commander', 'otpauth', 'eta', '@xmldom/xmldom', 'xml-crypto'];
/** The packages of `names` that stay in node_modules (with their subpaths), for esbuild's `external`. */
export const notBundled = (names) => names.filter((d) => !bundled.includes(d)).flatMap((d) => [d, `${d}/*`]);
export const external = notBundled(Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).dependencies));

/**
 * The esbuild options of every bundle of ours (the server and CLI here, the test files in buildTests.mjs): ES
 * modules for Node 20.19 and later, split into shared chunks, each opening with a `require` for the bundled
 * CommonJS packages that call it.
 */
export const bundleOptions = {
  absWorkingDir: root,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20.19',
  banner: { js: "import { createRequire as __gatehouseRequire } from 'node:module'; const require = __gatehouseRequire(import.meta.url);" },
  logLevel: 'warning',
};

/** Builds dist/bundle; returns esbuild's metafile (written to dist/bundle/meta.json: which sources each file holds). */
export async function buildBundle() {
  rmSync(bundleDir, { recursive: true, force: true });
  const result = await build({
    ...bundleOptions,
    entryPoints: { main: 'src/cli/main.ts', workerMain: 'src/http/workerMain.ts' },
    outdir: bundleDir,
    external,
    metafile: true,
    legalComments: 'none',
  });
  for (const file of readdirSync(bundleDir).filter((f) => f.endsWith('.js'))) {
    const path = join(bundleDir, file);
    writeFileSync(path, latin1Only(readFileSync(path, 'utf8')));
  }
  writeFileSync(join(bundleDir, 'meta.json'), JSON.stringify(result.metafile));
  return result.metafile;
}

/**
 * `js` with every character above U+00FF written as a `\uXXXX` escape. V8 keeps a script's source in memory for as
 * long as the script lives, at two bytes per character as soon as one character needs them: one dash in a comment
 * doubled a 750 KB chunk to 1.5 MB in every serving process. esbuild already escapes string literals (its ASCII
 * charset); what it leaves are comments, which it keeps, and regular-expression literals. In both, and in any string
 * or template, the escape means the same character (comments are never read).
 */
export function latin1Only(js) {
  return js.replace(/[\u0100-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

if (process.argv[1] === new URL(import.meta.url).pathname) await buildBundle();
