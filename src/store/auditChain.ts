/**
 * The hash chain of `audit_events` (docs/audit.md, "Tamper evidence"): each event stores
 * `hash = SHA-256(canonical content, previous event's hash)`, in `seq` order, one chain per database.
 * The store computes it when appending (and migration 003 for older rows); `gatehouse audit verify`
 * recomputes it. Changing this serialisation breaks every stored chain: add a new version tag instead.
 */
import { createHash } from 'node:crypto';

/** The `prev_hash` of the first event (seq 1), and the head of an empty chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** Version tag, the first element of the serialised array. */
export const AUDIT_CHAIN_VERSION = 'gatehouse-audit-v1';

/** The columns an event's hash covers, exactly as stored (`detail` is the stored JSON text, not re-serialised). */
export interface ChainedColumns {
  seq: number;
  at: number;
  type: string;
  outcome: string;
  user_id: string | null;
  username: string | null;
  ip: string | null;
  factor: string | null;
  device_id: string | null;
  device_name: string | null;
  reason: string | null;
  request_id: string | null;
  detail: string;
}

/**
 * The canonical serialisation: a JSON array (JSON.stringify, no spaces) of the version tag, the columns in
 * this fixed order, and the previous hash. Strings, integers and nulls only, so it has one spelling.
 */
export function canonicalAuditContent(c: ChainedColumns, prevHash: string): string {
  return JSON.stringify([
    AUDIT_CHAIN_VERSION, c.seq, c.at, c.type, c.outcome, c.user_id, c.username, c.ip, c.factor, c.device_id, c.device_name,
    c.reason, c.request_id, c.detail, prevHash,
  ]);
}

/** SHA-256 (hex) of the canonical serialisation: what the event stores in `hash`. */
export function auditHash(c: ChainedColumns, prevHash: string): string {
  return createHash('sha256').update(canonicalAuditContent(c, prevHash), 'utf8').digest('hex');
}
