// The bundle's text is Latin-1 (scripts/build.mjs, latin1Only): V8 keeps each script's source for the life of the
// process, at one byte per character only when every character fits in one. A single dash in a comment doubled a
// 750 KB chunk in every serving process before.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDist } from '../../../scripts/builtDist.mjs';
import { latin1Only } from '../../../scripts/build.mjs';

const bundleDir = new URL('../../../dist/bundle/', import.meta.url).pathname;

describe('the bundle is Latin-1 text', () => {
  it('no file of dist/bundle has a character above U+00FF', () => {
    ensureDist();
    const files = readdirSync(bundleDir).filter((f) => f.endsWith('.js'));
    assert.ok(files.length > 2, 'the bundle is there');
    for (const f of files) {
      const text = readFileSync(join(bundleDir, f), 'utf8');
      const at = text.search(/[\u0100-\uffff]/);
      assert.equal(at, -1, `${f} has ${JSON.stringify(text.slice(at - 40, at + 10))}`);
    }
  });

  it('the escapes mean the same: strings, templates, regular expressions (with and without u), comments', () => {
    const source = [
      '// a comment — with a dash',
      "const s = 'naïve – “quoted” €';",
      'const t = `${s} → ${"😀"}`;',
      "const r = /[\\s\\-‐‑‒–—]/g;",
      "const u = /^😀+$/u;",
      "return [s, t, 'a–b—c'.replace(r, ''), u.test('😀😀'), /^.$/u.test('😀'), 'ſ'.toUpperCase()];",
    ].join('\n');
    const escaped = latin1Only(source);
    assert.equal(escaped.search(/[\u0100-\uffff]/), -1);
    const run = (js: string): unknown => new Function(js)();
    assert.deepEqual(run(escaped), run(source));
    assert.deepEqual(run(escaped), ['naïve – “quoted” €', 'naïve – “quoted” € → 😀', 'abc', true, true, 'S']);
  });
});
