import type { Store } from '../store/store.js';
import { auditDetail, type AuditRow } from '../store/repositories/audit.js';
import { scanAuditEvents, type AuditFilter } from './searchAuditEvents.js';

/** Export formats: JSON Lines (one object per line) or CSV (RFC 4180, header row, CRLF). */
export const auditExportFormats = ['jsonl', 'csv'] as const;
export type AuditExportFormat = (typeof auditExportFormats)[number];

/** The fields of an exported event, in CSV column order. */
export const auditExportFields = [
  'seq', 'id', 'at', 'type', 'outcome', 'userId', 'username', 'ip', 'factor', 'deviceId', 'deviceName', 'reason', 'requestId', 'detail', 'prevHash', 'hash',
] as const;

/** One event as exports and the admin API show it. */
export type ExportedAuditEvent = Record<(typeof auditExportFields)[number], string | number | null | Record<string, unknown>>;
type Exported = ExportedAuditEvent;

/** A stored row as exported: `at` as ISO 8601 (UTC, ms), `detail` parsed, camel-case names. */
export function exportedAuditEvent(r: AuditRow): ExportedAuditEvent {
  return {
    seq: r.seq, id: r.id, at: new Date(r.at).toISOString(), type: r.type, outcome: r.outcome, userId: r.user_id, username: r.username, ip: r.ip,
    factor: r.factor, deviceId: r.device_id, deviceName: r.device_name, reason: r.reason, requestId: r.request_id,
    detail: auditDetail(r), prevHash: r.prev_hash, hash: r.hash,
  };
}

/**
 * One CSV field (RFC 4180): null is empty; quoted when it holds a quote, comma, CR or LF, quotes doubled. Safe to
 * open in a spreadsheet (OWASP "CSV injection"): a text that a spreadsheet would run as a formula — starting with
 * `=`, `+`, `-`, `@`, a tab or a CR — gets a `'` in front; so does a text that starts with `'` itself, so the rule
 * reverses exactly: remove one leading `'` from every field that has one.
 */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  let s = String(v);
  if (typeof v === 'string' && /^[=+\-@\t\r']/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvLine(e: Exported): string {
  return auditExportFields.map((f) => {
    const v = e[f];
    return csvField(typeof v === 'object' && v !== null ? JSON.stringify(v) : v);
  }).join(',') + '\r\n';
}

/**
 * The events matching `filter` (all when empty; `since` is the same as `filter.from`), in chain order, as text
 * chunks of the chosen format for a SIEM: CSV starts with a header row; `at` is ISO 8601 (UTC, ms); `detail` is an
 * object in JSON Lines and its JSON text in CSV; `prevHash` and `hash` let the receiver check the chain (of an
 * unfiltered export). Reads `batchSize` events at a time (searchAuditEvents.ts), so memory stays flat however long
 * the log; pipe it into a stream (backpressure holds the reads).
 */
export async function* exportAuditEvents(store: Store, opts: { format: AuditExportFormat; since?: number; filter?: AuditFilter; batchSize?: number }): AsyncGenerator<string> {
  if (opts.format === 'csv') yield auditExportFields.join(',') + '\r\n';
  const filter: AuditFilter = { ...opts.filter, ...(opts.since !== undefined ? { from: Math.max(opts.since, opts.filter?.from ?? opts.since) } : {}) };
  for await (const rows of scanAuditEvents(store, filter, { batchSize: opts.batchSize ?? 500 })) {
    let chunk = '';
    for (const r of rows) {
      const e = exportedAuditEvent(r);
      chunk += opts.format === 'csv' ? csvLine(e) : JSON.stringify(e) + '\n';
    }
    yield chunk;
  }
}
