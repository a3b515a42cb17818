#!/usr/bin/env node
// Entry point installed as `gatehouse`. Runs the bundled CLI (built by `npm install` via the prepare script: scripts/build.mjs).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'bundle', 'main.js');
if (!existsSync(compiled)) {
  console.error('gatehouse: dist/ is missing. Run `npm install` (or `npm run build`) in ' + root + ' first.');
  process.exit(1);
}
const { main } = await import(compiled);
await main(process.argv);
