/**
 * The directory file applied by an admin: `gatehouse import` / `gatehouse apply [--plan]` on the command line and
 * `POST /api/v1/admin/directory/plan|apply` through the API run the same steps (parse, plan, apply in one
 * transaction with one `directory.import` audit event naming `by` and `via`) and report the same plan.
 */
import type { AppContext } from '../context.js';
import { importDirectory, type ImportResult } from '../directory/applyImport.js';
import { parseDirectoryFile, type ParsedDirectory } from '../directory/directoryFile.js';
import { summarizePlan, type ImportMode } from '../directory/importPlan.js';
import type { ChangeActor } from './changeActor.js';

/** Largest directory file the API takes (characters); the command line reads files of any size. */
export const directoryFileMaxChars = 512 * 1024;

/** What a run reports (`gatehouse apply --plan --json` prints the same, less `warnings`). */
export interface DirectoryRunReport {
  file: string;
  mode: ImportMode;
  dryRun: boolean;
  /** False for a plan, or when there was nothing to change. */
  applied: boolean;
  /** One line per change (`+ user alice`, `~ group ops tags`, …), in the order they are made. */
  changes: string[];
  /** Changes per kind and operation, e.g. `{ user: { '+': 1 } }`. */
  counts: Record<string, Record<string, number>>;
  /** `file:line: warning: …` for each plaintext password in the file. */
  warnings: string[];
}

/** The report of an import run. */
export function directoryRunReport(file: string, mode: ImportMode, dryRun: boolean, r: ImportResult): DirectoryRunReport {
  return { file, mode, dryRun, applied: r.applied, changes: r.plan.changes.map((c) => c.text), counts: summarizePlan(r.plan).byKind, warnings: r.warnings };
}

/** Plans (`dryRun`) or applies a parsed directory file for `actor`. */
export async function runDirectoryFile(ctx: AppContext, parsed: ParsedDirectory, opts: { mode: ImportMode; dryRun: boolean }, actor: ChangeActor): Promise<DirectoryRunReport> {
  const r = await importDirectory(ctx, parsed, { mode: opts.mode, dryRun: opts.dryRun, actor: actor.by, via: actor.via, ...(actor.req ? { req: actor.req } : {}) });
  return directoryRunReport(parsed.fileName, opts.mode, opts.dryRun, r);
}

/** The same for the text of a directory file (YAML, or JSON, which is YAML too); `fileName` names it in errors. */
export async function runDirectoryText(ctx: AppContext, text: string, opts: { fileName: string; mode: ImportMode; dryRun: boolean }, actor: ChangeActor): Promise<DirectoryRunReport> {
  return runDirectoryFile(ctx, parseDirectoryFile(text, opts.fileName), opts, actor);
}
