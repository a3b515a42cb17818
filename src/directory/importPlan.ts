/**
 * The shapes of an import plan (planImport.ts) and the database snapshot it is compared with, shared by the
 * planners (importPlanners.ts), applyImport.ts and the CLI.
 */
import type { RequiredFactor } from '../auth/factors.js';
import type { AwsAccount, RoleMapping } from '../store/repositories/accounts.js';
import type { Group } from '../store/repositories/groups.js';
import type { User } from '../store/repositories/users.js';
import type { DirectorySettings } from './directorySettings.js';

/** The database side of the comparison. */
export interface DirectorySnapshot {
  settings: DirectorySettings;
  users: User[];
  groups: Group[];
  memberships: { userId: string; groupId: string }[];
  accounts: AwsAccount[];
  mappings: RoleMapping[];
  /** TOTP devices of the users whose seeds were opened (base32 `secret`, null when not opened). */
  totpDevices: { id: string; userId: string; name: string; confirmed: boolean; secret: string | null }[];
}

export type ImportMode = 'import' | 'apply';

/**
 * A password to set: plaintext from the file (hashed by applyImport) or an argon2id hash taken as-is (the stored
 * hash again when only `temporary` changes); `temporary`: the person chooses a new one at their next sign-in.
 */
export type PasswordSpec = ({ plain: string } | { hash: string }) & { temporary: boolean };

export interface UserFields {
  email: string | null;
  displayName: string | null;
  status: 'active' | 'disabled';
  attributes: Record<string, string>;
  /** Undefined when the file leaves it out: the stored time zone (perhaps the person's own choice) stays. */
  timeZone?: string;
}

export interface RoleFields {
  sessionDuration: number | null;
  requireFactor: RequiredFactor | null;
  sourceIps: string[];
}

/** One change. `text` is the line shown by `--dry-run` / `--plan` (`+ user alice`, `~ group ops tags`, …). */
export type Change = { text: string } & (
  | { kind: 'settings'; op: '~'; sessionTags?: string[]; transitiveTags?: string[] }
  | { kind: 'account'; op: '+' | '~'; account: AwsAccount; fields: string[] }
  | { kind: 'account'; op: '-'; account: AwsAccount }
  | { kind: 'group'; op: '+' | '~'; name: string; description: string | null; tags: Record<string, string>; fields: string[] }
  | { kind: 'group'; op: '-'; name: string }
  | { kind: 'user'; op: '+' | '~'; username: string; fields: string[]; values: UserFields; password?: PasswordSpec }
  | { kind: 'user-disable'; op: '~'; username: string }
  | { kind: 'member'; op: '+' | '-'; username: string; group: string }
  | { kind: 'role'; op: '+' | '~'; group: string; accountId: string; roleName: string; values: RoleFields; fields: string[] }
  | { kind: 'role'; op: '-'; group: string; accountId: string; roleName: string }
  | { kind: 'totp'; op: '+' | '~'; username: string; name: string; secret: string }
);

export interface ImportPlan {
  mode: ImportMode;
  fileName: string;
  /** In the order applyImport carries them out: settings, removals, accounts, groups, users, memberships, roles, TOTP. */
  changes: Change[];
}

export interface PlanOptions {
  mode: ImportMode;
  /** True when `password` matches the stored argon2 `hash` (auth/password.ts verifyPassword). */
  passwordMatches: (hash: string, password: string) => Promise<boolean>;
}

/** Counts per kind and operation, e.g. `{ user: { '+': 1 }, role: { '+': 2, '-': 1 } }`: for the audit event and the CLI summary. */
export function summarizePlan(plan: ImportPlan): { total: number; byKind: Record<string, Record<string, number>> } {
  const byKind: Record<string, Record<string, number>> = {};
  for (const c of plan.changes) {
    const k = (byKind[c.kind] ??= {});
    k[c.op] = (k[c.op] ?? 0) + 1;
  }
  return { total: plan.changes.length, byKind };
}
