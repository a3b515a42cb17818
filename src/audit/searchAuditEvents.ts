/**
 * The audit log filtered the way admins ask "who went where": by person, device, AWS account, role, event type and
 * time — the same filter for the console page, the API and both exports.
 *
 * How it stays cheap on SQLite and PostgreSQL alike, without a column per detail field: person, type and
 * time are plain SQL on the event's own columns (so is the person's device; an admin's device is in the detail), walked in `seq` order (the unique index) a page at a time. Account
 * and role live in the `detail` JSON (an assertion's role ARNs, a mapping's `account` and `role`, an admin change's
 * `before` / `after`), written differently by each event type; SQL only narrows those rows with a LIKE on the detail
 * text (a word of the filter must appear in it), and each row that passes is then checked exactly on its parsed
 * detail (`auditRefs`). A page reads at most `scanBudget` rows: if the exact check throws many of them away, the
 * page comes back short with a cursor to continue from, rather than scanning the whole log in one request.
 */
import type { Store } from '../store/store.js';
import { auditDetail, type AuditQuery, type AuditRow } from '../store/repositories/audit.js';
import { parseRoleArn } from '../aws/arn.js';

/** What an admin filters the log by (every field optional; all given must match). */
export interface AuditFilter {
  /** A username (the person the event is about), matched with the person's id when they exist. */
  person?: string | undefined;
  /** A device id or the name its owner gave it: the person's device, or the admin's that made a change. */
  device?: string | undefined;
  /** An AWS account id or alias. */
  account?: string | undefined;
  /** An IAM role name (with or without its path). */
  role?: string | undefined;
  type?: string | undefined;
  /** At or after (ms). */
  from?: number | undefined;
  /** Before (ms). */
  to?: number | undefined;
}

/** The accounts and roles an event's detail names. */
export interface AuditRefs { accounts: Set<string>; roles: Set<string> }

const fold = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

function addRole(refs: AuditRefs, role: string): void {
  refs.roles.add(fold(role));
  const name = role.split('/').pop();
  if (name) refs.roles.add(fold(name));
}

/** One `Role` value of an assertion (`role-arn,provider-arn`), or `account/role` of one that failed before it was built. */
function addRoleValue(refs: AuditRefs, value: string): void {
  for (const part of value.split(',')) {
    const arn = parseRoleArn(part);
    if (arn) {
      refs.accounts.add(arn.accountId);
      addRole(refs, arn.name);
      return;
    }
  }
  const m = /^(\d{12})\/(.+)$/.exec(value);
  if (m) {
    refs.accounts.add(m[1]!);
    addRole(refs, m[2]!);
  }
}

/**
 * The AWS accounts (ids and aliases) and roles (names, and path/name) that an event's detail names, ASCII letters
 * lower-cased: its own `account` / `accountId` / `alias` / `role` / `roleName` / `roles`, and the same fields of
 * its `before` and `after` (admin changes).
 */
export function auditRefs(detail: Record<string, unknown>): AuditRefs {
  const refs: AuditRefs = { accounts: new Set(), roles: new Set() };
  const places = [detail, detail.before, detail.after].filter((d): d is Record<string, unknown> => typeof d === 'object' && d !== null && !Array.isArray(d));
  for (const d of places) {
    for (const k of ['account', 'accountId', 'alias']) if (typeof d[k] === 'string') refs.accounts.add(fold(d[k]));
    for (const k of ['role', 'roleName']) if (typeof d[k] === 'string') addRole(refs, d[k]);
    if (Array.isArray(d.roles)) for (const r of d.roles) if (typeof r === 'string') addRoleValue(refs, r);
  }
  return refs;
}

/** The filter with its names looked up: the person's ids, every name an account goes by. */
interface ResolvedFilter { query: AuditQuery; device?: string; accounts?: string[]; role?: string }

async function resolve(store: Store, f: AuditFilter): Promise<ResolvedFilter> {
  const query: AuditQuery = { type: f.type, device: f.device, from: f.from, to: f.to };
  if (f.person !== undefined) {
    const user = await store.users.findByUsername(f.person);
    query.person = { userIds: user ? [user.id] : [], usernames: [...new Set([f.person, ...(user ? [user.username] : [])])] };
  }
  const out: ResolvedFilter = { query, ...(f.device !== undefined ? { device: f.device } : {}) };
  const words: string[][] = [];
  if (f.account !== undefined) {
    const wanted = fold(f.account);
    const known = (await store.accounts.list()).filter((a) => a.id === f.account || fold(a.alias) === wanted);
    out.accounts = [...new Set([wanted, ...known.flatMap((a) => [a.id, fold(a.alias)])])];
    words.push(out.accounts);
  }
  if (f.role !== undefined) {
    out.role = fold(f.role);
    words.push([f.role.split('/').pop() || f.role]);
  }
  if (words.length > 0) query.detailContains = words;
  return out;
}

/** True when `row` was made with `device` (an id or name): the person's device, or the admin's for an admin change. */
function madeWith(row: AuditRow, detail: Record<string, unknown>, device: string): boolean {
  return row.device_id === device || row.device_name === device || detail.byDeviceId === device || detail.byDevice === device;
}

function matcher(r: ResolvedFilter): (row: AuditRow) => boolean {
  if (r.accounts === undefined && r.role === undefined && r.device === undefined) return () => true;
  return (row) => {
    const detail = auditDetail(row);
    if (r.device !== undefined && !madeWith(row, detail, r.device)) return false;
    const refs = auditRefs(detail);
    if (r.accounts && !r.accounts.some((a) => refs.accounts.has(a))) return false;
    if (r.role !== undefined && !refs.roles.has(r.role)) return false;
    return true;
  };
}

/** One page of the filtered log, newest first. `nextBefore`: pass it as `before` for the next page; null at the end. */
export interface AuditPage { items: AuditRow[]; nextBefore: number | null }

/**
 * The events matching `filter`, newest first, `limit` at most, older than `before` (a `seq`) when given. Reads at
 * most about `scanBudget` rows; a page cut short by it still has `nextBefore`, so the reader continues from there.
 */
export async function searchAuditEvents(store: Store, filter: AuditFilter, page: { limit: number; before?: number | undefined; scanBudget?: number }): Promise<AuditPage> {
  const resolved = await resolve(store, filter);
  const matches = matcher(resolved);
  const exact = resolved.query.detailContains === undefined && resolved.device === undefined;
  const budget = page.scanBudget ?? 5000;
  const batch = exact ? page.limit + 1 : Math.min(Math.max(2 * page.limit, 200), budget);
  const items: AuditRow[] = [];
  let before = page.before;
  let scanned = 0;
  for (;;) {
    const rows = await store.audit.search({ ...resolved.query, beforeSeq: before }, { order: 'desc', limit: batch });
    for (const row of rows) {
      if (matches(row)) {
        if (items.length === page.limit) return { items, nextBefore: items[items.length - 1]!.seq };
        items.push(row);
      }
      before = row.seq;
    }
    scanned += rows.length;
    if (rows.length < batch) return { items, nextBefore: null };
    if (scanned >= budget) return { items, nextBefore: before ?? null };
  }
}

/** Every event matching `filter`, oldest first (chain order), `batchSize` rows read at a time: for exports. */
export async function* scanAuditEvents(store: Store, filter: AuditFilter, opts: { batchSize?: number } = {}): AsyncGenerator<AuditRow[]> {
  const resolved = await resolve(store, filter);
  const matches = matcher(resolved);
  const batchSize = opts.batchSize ?? 500;
  let after = 0;
  for (;;) {
    const rows = await store.audit.search({ ...resolved.query, afterSeq: after }, { order: 'asc', limit: batchSize });
    const kept = rows.filter(matches);
    if (kept.length > 0) yield kept;
    if (rows.length < batchSize) return;
    after = rows[rows.length - 1]!.seq;
  }
}
