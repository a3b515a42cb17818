// What `npm test` runs: the test files, each bundled with esbuild (with the sources and the pure-JavaScript packages it
// imports) into dist/test, beside a source map. node's test runner starts a process for every test file; under tsx
// each one resolved and compiled about 340 of our modules and Kysely's hundreds of files through loader hooks again,
// about 1.5 s of CPU before its first test. From a bundle a file starts in about 0.5 s. On a 2-core machine
// (2026-12-02) the suite but test/e2e took 415 s instead of 543 s, and 676 instead of 922 s of CPU.
//
// The tests run as they are written:
// - each file's `import.meta.url` is the URL of its source file (the plugin below), so every path built from it
//   (the project root, views/, public/, fixtures, helper scripts) is the one it names in the source;
// - the scripts/*.mjs the tests import stay outside the bundle: plain JavaScript that finds the project from where
//   it lies;
// - the source maps (node --enable-source-maps, which test/run.mjs passes) put the .ts file and line into every stack
//   trace and failure.
// Type checking is `npm run typecheck`'s (tsc); this only strips the types, as tsx did.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleOptions, notBundled } from './build.mjs';

const root = new URL('..', import.meta.url).pathname;
export const testBundleDir = join(root, 'dist', 'test');

/** `import.meta.url` in every .ts file of ours is its source file's URL; imported .mjs files stay external. */
const sourceLocations = {
  name: 'source-locations',
  setup(b) {
    b.onResolve({ filter: /\.mjs$/ }, (a) => (a.importer.includes('/node_modules/') ? undefined : { path: resolve(a.resolveDir, a.path), external: true }));
    b.onLoad({ filter: /\.ts$/ }, (a) => {
      if (a.path.includes('/node_modules/')) return undefined;
      const source = readFileSync(a.path, 'utf8');
      return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(a.path).href)), loader: 'ts' };
    });
  },
};

/**
 * Bundles `files` (test files, relative to the project root, under test/) into dist/test, keeping their folders;
 * returns the bundled files, in the same order.
 */
export async function buildTests(files) {
  rmSync(testBundleDir, { recursive: true, force: true });
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  await build({
    ...bundleOptions,
    entryPoints: files,
    outdir: testBundleDir,
    outbase: 'test',
    external: notBundled([...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)]),
    plugins: [sourceLocations],
    sourcemap: 'linked',
    sourcesContent: false,
  });
  return files.map((f) => join(relative(root, testBundleDir), relative('test', f)).replace(/\.ts$/, '.js'));
}
