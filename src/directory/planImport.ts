/**
 * What importing a directory file would change: a pure comparison of the parsed file with a snapshot of
 * the database (loadDirectorySnapshot.ts). applyImport.ts carries the plan out.
 *
 * Two modes:
 * - `import` (`gatehouse import FILE`) is additive. Everything the file names is created or made equal to
 *   the file (a named user's email, display name, status and attributes; a group's description and tags;
 *   a mapping's session duration, factor and source IPs; an account's alias, provider, partition, region;
 *   session_tags and transitive_tags when the file has them). Nothing the file does not name is touched:
 *   no membership, mapping, group, account or user is removed.
 * - `apply` (`gatehouse apply FILE`) makes the database match the file: on top of `import`, memberships,
 *   role mappings, groups and accounts that the file does not list are removed, missing session_tags /
 *   transitive_tags become empty, and users the file does not list are disabled (never deleted: their
 *   devices and audit trail stay) and lose their memberships.
 *
 * In both modes: a user without `password` / `password_hash` keeps their password (import never removes
 * one); a plaintext `password` that already verifies against the stored hash is no change (so importing
 * twice changes nothing); MFA devices are never removed, and a `totp` entry adds the device of that name or
 * replaces its seed when it differs. Users are matched case-insensitively, groups by exact name, accounts
 * by id.
 */
import { directoryInvalid, type DirectoryFileError, type ParsedDirectory } from './directoryFile.js';
import type { DirectorySnapshot, ImportPlan, PlanOptions } from './importPlan.js';
import {
  accountNames, planAccounts, planGroups, planRemovals, planRoles, planSettings, planUsers, type PlanContext,
} from './importPlanners.js';

/**
 * Compares the file with the snapshot and returns the changes (empty when the database already matches).
 * Throws `directory_invalid` (with file lines) when the file cannot be applied to this database, e.g. an
 * account alias or an email that another account or user not in the file already has.
 * Each kind has its own planner (importPlanners.ts); this puts their changes in the order applyImport needs.
 */
export async function planImport(parsed: ParsedDirectory, snap: DirectorySnapshot, opts: PlanOptions): Promise<ImportPlan> {
  const errors: DirectoryFileError[] = [];
  const c: PlanContext = {
    file: parsed.data, snap, apply: opts.mode === 'apply',
    fail: (path, message) => { errors.push({ file: parsed.fileName, line: parsed.lineOf(path), message }); },
  };
  const names = accountNames(c);
  const settings = planSettings(c);
  const accounts = planAccounts(c);
  const groups = planGroups(c);
  const roles = planRoles(c, names);
  const { users, members, totps } = await planUsers(c, opts.passwordMatches);
  const { removals, disables } = c.apply ? planRemovals(c, names) : { removals: [], disables: [] };
  if (errors.length > 0) throw directoryInvalid(errors);
  return { mode: opts.mode, fileName: parsed.fileName, changes: [...settings, ...removals, ...accounts, ...groups, ...users, ...disables, ...members, ...roles, ...totps] };
}
