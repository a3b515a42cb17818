import type { Kysely, QueryCreator, Selectable } from 'kysely';
import type { AuditEventsTable, Database } from '../tables.js';
import { GatehouseError } from '../../errors.js';
import { inTransaction } from '../inTransaction.js';
import { auditHash } from '../auditChain.js';
import { jsonObject, parseJsonColumn } from '../json.js';
import type { Dialect } from '../dialect.js';

/** One audit event as written: who, from where, which factor and device, what happened and why. */
export interface AuditEvent {
  at: number;
  type: string;
  outcome: 'success' | 'failure' | 'info';
  userId?: string | null;
  username?: string | null;
  ip?: string | null;
  factor?: string | null;
  deviceId?: string | null;
  deviceName?: string | null;
  reason?: string | null;
  requestId?: string | null;
  detail?: Record<string, unknown>;
}

/** Where an appended event sits in the chain. */
export interface ChainLink { seq: number; hash: string }

/** An event as read back, with its place in the hash chain. */
export interface StoredAuditEvent extends AuditEvent, ChainLink {
  id: number;
  detail: Record<string, unknown>;
  prevHash: string;
}

/** A row exactly as stored (`detail` as its JSON text), for verifying and exporting the chain. */
export type AuditRow = Omit<Selectable<AuditEventsTable>, 'id' | 'seq' | 'at'> & { id: number; seq: number; at: number };

function toRow(r: Selectable<AuditEventsTable>): AuditRow {
  return { ...r, id: Number(r.id), seq: Number(r.seq), at: Number(r.at) };
}

/** The `detail` of a stored row, parsed and checked (a JSON object). */
export function auditDetail(r: Pick<AuditRow, 'seq' | 'detail'>): Record<string, unknown> {
  return parseJsonColumn({ column: 'audit_events.detail', row: `seq ${r.seq}` }, jsonObject, r.detail);
}

/** A stored row in the shape callers use (`detail` parsed). */
export function toStoredEvent(r: AuditRow): StoredAuditEvent {
  return {
    id: r.id, seq: r.seq, at: r.at, type: r.type, outcome: r.outcome, userId: r.user_id, username: r.username, ip: r.ip,
    factor: r.factor, deviceId: r.device_id, deviceName: r.device_name, reason: r.reason, requestId: r.request_id,
    detail: auditDetail(r), prevHash: r.prev_hash, hash: r.hash,
  };
}

/** Hears of each appended event (StoreEvents; the metrics count sign-ins, assertions and lockouts from them). */
export interface AuditListener { audit(e: AuditEvent): void }

/**
 * Append-only audit log kept as a hash chain (docs/audit.md): there is no update or delete. Record events
 * through `recordAudit` (src/audit/), which types them; `append` is the untyped storage step under it, called
 * by nothing else in src/ (test/unit/layering.test.ts checks it).
 */
export class AuditRepository {
  /** `events` hears of each appended event (the metrics count sign-ins, assertions and lockouts from them). */
  constructor(private readonly db: Kysely<Database>, private readonly dialect: Dialect, private readonly events?: AuditListener) {}

  /**
   * Appends one event at the end of the chain and returns its `seq` and `hash`. Inside `Store.transaction` it
   * joins that transaction (the event commits or rolls back with the change it records); otherwise it opens
   * its own. The chain head row is read under a lock (`SELECT … FOR UPDATE` on PostgreSQL; on SQLite every
   * transaction is `BEGIN IMMEDIATE`, which holds the database's write lock), so concurrent writers, in one
   * process or many, append one after the other. The lock is held until commit: record the event as the last
   * write of a transaction.
   */
  async append(e: AuditEvent): Promise<ChainLink> {
    const link = await inTransaction(this.db, async (trx) => {
      let q = trx.selectFrom('audit_chain_head').select(['seq', 'hash']).where('id', '=', 1);
      if (this.dialect === 'postgres') q = q.forUpdate();
      const head = await q.executeTakeFirst();
      if (!head) throw new GatehouseError('internal', 'the audit chain head row is missing; run `gatehouse audit verify`');
      const row = {
        seq: Number(head.seq) + 1, at: e.at, type: e.type, outcome: e.outcome, user_id: e.userId ?? null, username: e.username ?? null,
        ip: e.ip ?? null, factor: e.factor ?? null, device_id: e.deviceId ?? null, device_name: e.deviceName ?? null,
        reason: e.reason ?? null, request_id: e.requestId ?? null, detail: JSON.stringify(e.detail ?? {}), prev_hash: head.hash,
      };
      const link = { seq: row.seq, hash: auditHash(row, head.hash) };
      const insert = (db: QueryCreator<Database>) => db.insertInto('audit_events').values({ ...row, hash: link.hash });
      if (this.dialect === 'postgres') {
        // One round trip: PostgreSQL runs both writes of the CTE in one statement.
        await trx.with('appended', insert).updateTable('audit_chain_head').set(link).where('id', '=', 1).execute();
      } else {
        await insert(trx).execute();
        await trx.updateTable('audit_chain_head').set(link).where('id', '=', 1).execute();
      }
      return link;
    });
    this.events?.audit(e);
    return link;
  }

  /** Newest first. */
  async list(filter: { userId?: string; type?: string; limit?: number } = {}): Promise<StoredAuditEvent[]> {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (filter.userId) q = q.where('user_id', '=', filter.userId);
    if (filter.type) q = q.where('type', '=', filter.type);
    const rows = await q.orderBy('seq', 'desc').limit(filter.limit ?? 100).execute();
    return rows.map((r) => toStoredEvent(toRow(r)));
  }

  /** Where the chain ends (`seq` 0 and 64 zeros while empty); undefined when the head row was removed. */
  async head(): Promise<ChainLink | undefined> {
    const r = await this.db.selectFrom('audit_chain_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
    return r && { seq: Number(r.seq), hash: r.hash };
  }

  /** Up to `limit` stored rows with `seq` > `afterSeq`, in chain order: one page of a scan. */
  async rowsAfter(afterSeq: number, limit: number): Promise<AuditRow[]> {
    const rows = await this.db.selectFrom('audit_events').selectAll().where('seq', '>', afterSeq).orderBy('seq').limit(limit).execute();
    return rows.map(toRow);
  }

  /** The lowest `seq` of an event at or after `at` (ms), or undefined: where an export `--since` starts. */
  async firstSeqSince(at: number): Promise<number | undefined> {
    const r = await this.db.selectFrom('audit_events').select((eb) => eb.fn.min('seq').as('seq')).where('at', '>=', at).executeTakeFirst();
    return r?.seq === null || r?.seq === undefined ? undefined : Number(r.seq);
  }
}
