import type { Store } from '../store/store.js';
import { auditDetail, type AuditRow } from '../store/repositories/audit.js';

/** Export formats: JSON Lines (one object per line) or CSV (RFC 4180, header row, CRLF). */
export const auditExportFormats = ['jsonl', 'csv'] as const;
export type AuditExportFormat = (typeof auditExportFormats)[number];

/** The fields of an exported event, in CSV column order. */
export const auditExportFields = [
  'seq', 'id', 'at', 'type', 'outcome', 'userId', 'username', 'ip', 'factor', 'deviceId', 'deviceName', 'reason', 'requestId', 'detail', 'prevHash', 'hash',
] as const;

type Exported = Record<(typeof auditExportFields)[number], string | number | null | Record<string, unknown>>;

function exported(r: AuditRow): Exported {
  return {
    seq: r.seq, id: r.id, at: new Date(r.at).toISOString(), type: r.type, outcome: r.outcome, userId: r.user_id, username: r.username, ip: r.ip,
    factor: r.factor, deviceId: r.device_id, deviceName: r.device_name, reason: r.reason, requestId: r.request_id,
    detail: auditDetail(r), prevHash: r.prev_hash, hash: r.hash,
  };
}

/** One CSV field (RFC 4180): null is empty; quoted when it holds a quote, comma, CR or LF, quotes doubled. */
export function csvField(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function csvLine(e: Exported): string {
  return auditExportFields.map((f) => {
    const v = e[f];
    return csvField(typeof v === 'object' && v !== null ? JSON.stringify(v) : v);
  }).join(',') + '\r\n';
}

/**
 * The events at or after `since` (ms; all when absent) in chain order, as text chunks of the chosen format
 * for a SIEM: CSV starts with a header row; `at` is ISO 8601 (UTC, ms); `detail` is an object in JSON Lines and
 * its JSON text in CSV; `prevHash` and `hash` let the receiver check the chain. Reads `batchSize` events at a
 * time, so memory stays flat however long the log; pipe it into a stream (backpressure holds the reads).
 */
export async function* exportAuditEvents(store: Store, opts: { format: AuditExportFormat; since?: number; batchSize?: number }): AsyncGenerator<string> {
  const batchSize = opts.batchSize ?? 500;
  if (opts.format === 'csv') yield auditExportFields.join(',') + '\r\n';
  let after = 0;
  if (opts.since !== undefined) {
    const first = await store.audit.firstSeqSince(opts.since);
    if (first === undefined) return;
    after = first - 1;
  }
  for (;;) {
    const rows = await store.audit.rowsAfter(after, batchSize);
    if (rows.length === 0) return;
    let chunk = '';
    for (const r of rows) {
      if (opts.since !== undefined && r.at < opts.since) continue;
      const e = exported(r);
      chunk += opts.format === 'csv' ? csvLine(e) : JSON.stringify(e) + '\n';
    }
    if (chunk) yield chunk;
    after = rows[rows.length - 1]!.seq;
  }
}
