import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's src/ folder (absolute path, with a trailing separator). */
export const srcDir = fileURLToPath(new URL('../../src/', import.meta.url));

/** Every .ts file below `dir` (src/ by default), for tests that read the source as text. */
export function sourceFiles(dir: string = srcDir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return e.isFile() && p.endsWith('.ts') ? [p] : [];
  });
}
