// No import cycles in src/ (issue 8: loginFlow ↔ strategies). Reads every src/**/*.ts as text, takes the relative
// module specifiers of its `import … from '…'`, `export … from '…'`, `import '…'` and `import('…')` (type-only
// imports too: a cycle of types is still a circle of modules), and looks for a cycle in that graph.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { sourceFiles, srcDir } from '../helpers/sourceFiles.js';


/** The relative module specifiers a file imports or re-exports. Comments are removed first. */
function relativeImports(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specs = [
    ...code.matchAll(/\bfrom\s*'(\.{1,2}\/[^']+)'/g),
    ...code.matchAll(/\bimport\s*'(\.{1,2}\/[^']+)'/g),
    ...code.matchAll(/\bimport\s*\(\s*'(\.{1,2}\/[^']+)'\s*\)/g),
  ];
  return specs.map((m) => m[1]!);
}

/** file → the files it imports (NodeNext: `./x.js` in source is `./x.ts` on disk). */
function importGraph(files: readonly string[]): { graph: Map<string, string[]>; unresolved: string[] } {
  const graph = new Map<string, string[]>();
  const unresolved: string[] = [];
  for (const file of files) {
    const deps: string[] = [];
    for (const spec of relativeImports(readFileSync(file, 'utf8'))) {
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (existsSync(target)) deps.push(target);
      else unresolved.push(`${relative(srcDir, file)}: ${spec}`);
    }
    graph.set(file, deps);
  }
  return { graph, unresolved };
}

/** Every cycle that a depth-first walk meets (each as a path a → … → a), or none. */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('import graph of src/', () => {
  const files = sourceFiles(srcDir);
  const { graph, unresolved } = importGraph(files);

  it('reads every relative import (the parser sees the real graph)', () => {
    assert.ok(files.length > 50, `found only ${files.length} files under src/`);
    assert.ok([...graph.values()].reduce((n, d) => n + d.length, 0) > files.length, 'too few imports found: the parser is broken');
    assert.deepEqual(unresolved, [], 'relative imports that name no file');
  });

  it('has no import cycle', () => {
    const cycles = findCycles(graph).map((c) => c.map((f) => relative(srcDir, f)).join(' → '));
    assert.deepEqual(cycles, [], `import cycles in src/:\n${cycles.join('\n')}`);
  });

  it('finds a cycle when there is one (the check itself works)', () => {
    assert.deepEqual(findCycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c', 'a']]);
    assert.deepEqual(findCycles(new Map([['a', ['b', 'c']], ['b', ['c']], ['c', []]])), []);
    assert.deepEqual(relativeImports("import type { A } from './a.js';\nexport { b } from '../b.js';\nimport './c.js';\nconst d = await import('./d.js');\n// import { e } from './e.js';\nimport x from 'zod';"),
      ['./a.js', '../b.js', './c.js', './d.js']);
  });
});
