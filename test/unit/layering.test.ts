// Issue 8: audit events are written by one module, and storage stays behind the repositories. Reads every
// src/**/*.ts as text (comments and string literals removed) and fails when a file outside src/audit/ calls
// `audit.append` (the untyped repository method under recordAudit), or a file outside src/store/ touches the
// store's Kysely handle (`.db`) or imports a database driver.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { sourceFiles, srcDir } from '../helpers/sourceFiles.js';


/**
 * The code of a file without comments (line numbers kept) and, unless `keepStrings`, without the text of string
 * and template literals (the quotes stay).
 */
export function codeOnly(text: string, keepStrings = false): string {
  return text.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*|'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g, (m) => {
    if (m.startsWith('/')) return m.startsWith('//') ? '' : m.replace(/[^\n]/g, ' ');
    return keepStrings ? m : m[0]! + m[0]!;
  });
}

/** Calls of the audit repository's `append` (however spaced, on `store.audit`, `tx.audit`, a destructured `audit`). */
export const auditAppend = /\baudit\s*\??\.\s*append\b/;
/** The store's Kysely handle: `store.db`, `tx.db`, `ctx.store.db`, `this.store.db`, `x?.db`. */
export const storeDb = /\.\s*db\b/;
/** Imports of a database library (the Kysely query builder, pg, better-sqlite3). */
const driverImport = /\bfrom\s*'(kysely|pg|better-sqlite3)'|\bimport\s*\(\s*'(kysely|pg|better-sqlite3)'\s*\)/;

/** `file:line: code` of each line of the files that matches `pattern` (strings blanked unless `keepStrings`). */
function hits(files: readonly string[], pattern: RegExp, read: (file: string) => string, keepStrings = false): string[] {
  return files.flatMap((file) => codeOnly(read(file), keepStrings).split('\n').flatMap((line, i) => (pattern.test(line) ? [`${relative(srcDir, file)}:${i + 1}: ${line.trim()}`] : [])));
}

const under = (dir: string) => (file: string) => relative(srcDir, file).startsWith(dir + sep);

describe('layering of src/', () => {
  const files = sourceFiles(srcDir);
  const read = (file: string) => readFileSync(file, 'utf8');

  it('reads the whole tree', () => {
    assert.ok(files.length > 50, `found only ${files.length} files under src/`);
    assert.ok(files.some(under('audit')) && files.some(under('store')));
  });

  it('only src/audit/ appends audit events (everyone else calls recordAudit)', () => {
    assert.deepEqual(hits(files.filter((f) => !under('audit')(f)), auditAppend, read), []);
  });

  it('only src/store/ touches the database handle or imports a database library', () => {
    const outside = files.filter((f) => !under('store')(f));
    assert.deepEqual(hits(outside, storeDb, read), []);
    assert.deepEqual(hits(outside, driverImport, read, true), []);
  });

  it('the checks find what they look for (and not text in strings or comments)', () => {
    const found = (pattern: RegExp, text: string) => pattern.test(codeOnly(text));
    for (const s of ['await ctx.store.audit.append({ type })', 'tx.audit.append(e)', 'await audit .append(e)', 'store.audit?.append(e)']) assert.ok(found(auditAppend, s), s);
    for (const s of ['recordAudit(ctx, e)', '// ctx.store.audit.append(e)', "const s = 'audit.append';", 'auditAppendix(e)']) assert.ok(!found(auditAppend, s), s);
    for (const s of ['await tx.db.insertInto(x)', 'migrate({ db: ctx.store.db })', 'const k = store?.db;', 'this.store.db\n']) assert.ok(found(storeDb, s), s);
    for (const s of ["url: 'sqlite:./data/gatehouse.db'", '/* store.db */ x', 'config.database.url', 'const dbName = 1;', 'x.dbTable']) assert.ok(!found(storeDb, s), s);
    const imports = (text: string) => driverImport.test(codeOnly(text, true));
    assert.ok(imports("import { sql } from 'kysely';") && imports("import pg from 'pg';") && imports("await import('better-sqlite3')"));
    assert.ok(!imports("import { z } from 'zod';") && !imports("// import pg from 'pg';"));
    assert.equal(codeOnly("a = 'x // y'; // note\nb = `t`; /* c\nd */ e"), "a = ''; \nb = ``;     \n     e");
  });
});
