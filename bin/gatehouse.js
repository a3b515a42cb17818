#!/usr/bin/env node
// Entry point installed as `gatehouse`. Runs the compiled CLI (built by `npm install` via the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'dist', 'cli', 'main.js');
if (!existsSync(compiled)) {
  console.error('gatehouse: dist/ is missing. Run `npm install` (or `npm run build`) in ' + root + ' first.');
  process.exit(1);
}
const { main } = await import(compiled);
await main(process.argv);
