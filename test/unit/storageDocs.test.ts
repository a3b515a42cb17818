import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

// Parses src/store/tables.ts as text (types leave nothing at run time) and checks docs/storage.md against it.
// Comments are removed first: doc comments may contain braces ("{url, index, …}").
const tablesSource = readFileSync(new URL('../../src/store/tables.ts', import.meta.url), 'utf8')
  .replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
const storageDoc = readFileSync(new URL('../../docs/storage.md', import.meta.url), 'utf8');

/** The body of `export interface <name> { … }` (our row interfaces have no nested braces). */
function interfaceBody(name: string): string {
  const m = new RegExp(`export interface ${name}\\s*\\{([^}]*)\\}`).exec(tablesSource);
  assert.ok(m, `src/store/tables.ts has no interface ${name}`);
  return m[1]!;
}

/** `name: Type;` members of an interface body. */
function members(body: string): [string, string][] {
  return [...body.matchAll(/^\s*([a-z_][a-z0-9_]*)\??\s*:\s*([^;]+);/gm)].map((m) => [m[1]!, m[2]!.trim()]);
}

/** Sections of docs/storage.md by `## ` heading. */
function sections(): Map<string, string> {
  const out = new Map<string, string>();
  const parts = storageDoc.split(/^## /m).slice(1);
  for (const p of parts) {
    const nl = p.indexOf('\n');
    out.set(p.slice(0, nl).trim(), p.slice(nl + 1));
  }
  return out;
}

const tables = members(interfaceBody('Database'));
const docSections = sections();

test('the Database interface was parsed', () => {
  assert.ok(tables.length >= 10, `expected the Database interface to list the tables, found ${tables.length}`);
  for (const [table, rowType] of tables) assert.ok(members(interfaceBody(rowType)).length >= 2, `${table}: could not read the columns of ${rowType}`);
});

test('every table in the Database interface has a ## section in docs/storage.md', () => {
  const missing = tables.map(([t]) => t).filter((t) => !docSections.has(t));
  assert.deepEqual(missing, [], `add a "## <table>" section to docs/storage.md for: ${missing.join(', ')}`);
});

test('every column of every table is documented in its section, with the owning repository', () => {
  const problems: string[] = [];
  for (const [table, rowType] of tables) {
    const section = docSections.get(table);
    if (section === undefined) continue; // reported by the test above
    if (!/Owner: `[A-Za-z]+Repository`/.test(section)) problems.push(`${table}: no "Owner: \`…Repository\`" line`);
    for (const [column] of members(interfaceBody(rowType))) {
      if (!section.includes(`| \`${column}\` |`)) problems.push(`${table}.${column}: no row in its section`);
    }
  }
  assert.deepEqual(problems, [], 'docs/storage.md is behind src/store/tables.ts');
});

test('docs/storage.md has no section for a table that does not exist', () => {
  const names = new Set(tables.map(([t]) => t));
  const stale = [...docSections.keys()].filter((h) => /^[a-z_]+$/.test(h) && !names.has(h));
  assert.deepEqual(stale, [], `docs/storage.md documents tables that src/store/tables.ts does not have: ${stale.join(', ')}`);
});
