/** `gatehouse import FILE`, `gatehouse apply FILE`, `gatehouse export`: the directory file (src/directory/). */
import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GatehouseError } from '../../errors.js';
import { parseDirectoryFile } from '../../directory/directoryFile.js';
import { runDirectoryFile } from '../../admin/directory.js';
import { exportDirectory, renderDirectoryYaml } from '../../directory/exportDirectory.js';
import type { ImportMode } from '../../directory/importPlan.js';
import { printJson, printLines } from '../output.js';
import { cliActor, withContext } from '../withContext.js';

function readDirectoryFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new GatehouseError('bad_request', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
}

async function run(file: string, mode: ImportMode, dryRun: boolean, json: boolean): Promise<void> {
  const parsed = parseDirectoryFile(readDirectoryFile(file), file);
  await withContext(async (ctx) => {
    const { warnings, ...report } = await runDirectoryFile(ctx, parsed, { mode, dryRun }, { by: cliActor(), via: 'cli' });
    for (const w of warnings) process.stderr.write(`${w}\n`);
    if (json) {
      printJson(report);
      return;
    }
    printLines(report.changes);
    if (report.changes.length === 0) printLines(['no changes: the database already matches the file']);
    else if (dryRun) printLines([`${report.changes.length} change(s) planned; nothing was written (${mode === 'apply' ? '--plan' : '--dry-run'})`]);
    else printLines([`${report.changes.length} change(s) applied`]);
  });
}

export function registerDirectoryCommands(program: Command): void {
  program.command('import')
    .description('create or update everything a directory file names (additive: removes nothing)')
    .argument('<file>', 'directory file (YAML), see examples/directory.yaml')
    .option('--dry-run', 'print the changes without writing anything')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: { dryRun?: boolean; json?: boolean }) => run(file, 'import', o.dryRun === true, o.json === true));

  program.command('apply')
    .description('make the database match a directory file: also removes mappings, memberships, groups and accounts it does not list, and disables users it does not list')
    .argument('<file>', 'directory file (YAML)')
    .option('--plan', 'print the changes without writing anything')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: { plan?: boolean; json?: boolean }) => run(file, 'apply', o.plan === true, o.json === true));

  program.command('export')
    .description('write the directory as a directory file (password hashes, never passwords; no TOTP seeds)')
    .option('-o, --output <file>', 'write to this file instead of stdout (created with mode 0600: it holds password hashes)')
    .option('--json', 'JSON instead of YAML')
    .action(async (o: { output?: string; json?: boolean }) => withContext(async (ctx) => {
      const dir = await exportDirectory(ctx.store);
      const text = o.json ? JSON.stringify(dir, null, 2) + '\n' : renderDirectoryYaml(dir);
      if (o.output) writeFileSync(o.output, text, { mode: 0o600 });
      else process.stdout.write(text);
    }));
}
