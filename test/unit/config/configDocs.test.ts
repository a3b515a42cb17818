import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { configDocsPath, renderConfigDocs } from '../../../scripts/gen-config-docs.js';
import { envNames } from '../../../src/config/schema.js';

test('docs/configuration.md is generated from the current schema', () => {
  let committed = '';
  try { committed = readFileSync(configDocsPath, 'utf8'); } catch { /* reported below */ }
  assert.ok(committed === renderConfigDocs(), 'docs/configuration.md is out of date with src/config/schema.ts: run `npm run docs:config` and commit the result');
});

test('every environment variable appears in the configuration reference', () => {
  const text = renderConfigDocs();
  for (const [key, env] of Object.entries(envNames)) {
    assert.ok(text.includes(`| \`${key}\` | \`${env}\` |`), `${key} (${env}) is missing from the configuration reference`);
  }
});
