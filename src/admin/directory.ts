/**
 * The directory file applied by an admin: `gatehouse import` / `gatehouse apply [--plan]` on the command line and
 * `POST /api/v1/admin/directory/plan|apply` through the API run the same steps (parse, plan, apply in one
 * transaction with one `directory.import` audit event naming `by` and `via`) and report the same plan.
 */
import type { AppContext } from '../context.js';
import { importDirectory, type ImportResult } from '../directory/applyImport.js';
import { parseDirectoryFile, type ParsedDirectory } from '../directory/directoryFile.js';
import { summarizePlan, type ImportMode, type ImportPlan } from '../directory/importPlan.js';
import { GatehouseError } from '../errors.js';
import { changedBy, type ChangeActor } from './changeActor.js';

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

/**
 * The changes of `plan` that would take `admin` out of administration while they make it: disabling them (by name,
 * or as a person the file leaves out in apply mode), removing them from `adminGroup`, or removing that group. The
 * console and the API refuse them, as they refuse the same changes made one at a time (setPersonStatus,
 * setMembership); the command line, run on the server, may make them.
 */
export function selfLockouts(plan: ImportPlan, admin: string, adminGroup: string): string[] {
  return plan.changes.filter((c) =>
    (c.kind === 'user-disable' && c.username === admin) ||
    (c.kind === 'user' && c.op === '~' && c.username === admin && c.values.status === 'disabled') ||
    (c.kind === 'member' && c.op === '-' && c.username === admin && c.group === adminGroup) ||
    (c.kind === 'group' && c.op === '-' && c.name === adminGroup)).map((c) => c.text);
}

/** Plans (`dryRun`) or applies a parsed directory file for `actor`. */
export async function runDirectoryFile(ctx: AppContext, parsed: ParsedDirectory, opts: { mode: ImportMode; dryRun: boolean }, actor: ChangeActor): Promise<DirectoryRunReport> {
  const checkPlan = (plan: ImportPlan): void => {
    if (actor.via === 'cli') return;
    const refused = selfLockouts(plan, actor.by, ctx.config.admin.group);
    if (refused.length > 0) {
      throw new GatehouseError('conflict', `This file would take you out of administration (${refused.join('; ')}): nothing was changed. Keep yourself active and in ${ctx.config.admin.group}, or ask another administrator.`);
    }
  };
  const r = await importDirectory(ctx, parsed, { mode: opts.mode, dryRun: opts.dryRun, actor: actor.by, via: actor.via, device: changedBy(actor), checkPlan, ...(actor.req ? { req: actor.req } : {}) });
  return directoryRunReport(parsed.fileName, opts.mode, opts.dryRun, r);
}

/** The same for the text of a directory file (YAML, or JSON, which is YAML too); `fileName` names it in errors. */
export async function runDirectoryText(ctx: AppContext, text: string, opts: { fileName: string; mode: ImportMode; dryRun: boolean }, actor: ChangeActor): Promise<DirectoryRunReport> {
  return runDirectoryFile(ctx, parseDirectoryFile(text, opts.fileName), opts, actor);
}
