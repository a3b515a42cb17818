import type { Kysely } from 'kysely';
import type { Database } from '../tables.js';

/** One audit event: who, from where, which factor and device, what happened and why. */
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

export interface StoredAuditEvent extends AuditEvent { id: number; detail: Record<string, unknown> }

/** Append-only audit log: there is no update or delete. */
export class AuditRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async append(e: AuditEvent): Promise<void> {
    await this.db.insertInto('audit_events').values({
      at: e.at, type: e.type, outcome: e.outcome, user_id: e.userId ?? null, username: e.username ?? null, ip: e.ip ?? null,
      factor: e.factor ?? null, device_id: e.deviceId ?? null, device_name: e.deviceName ?? null, reason: e.reason ?? null,
      request_id: e.requestId ?? null, detail: JSON.stringify(e.detail ?? {}),
    }).execute();
  }

  /** Newest first. */
  async list(filter: { userId?: string; type?: string; limit?: number } = {}): Promise<StoredAuditEvent[]> {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (filter.userId) q = q.where('user_id', '=', filter.userId);
    if (filter.type) q = q.where('type', '=', filter.type);
    const rows = await q.orderBy('id', 'desc').limit(filter.limit ?? 100).execute();
    return rows.map((r) => ({
      id: Number(r.id), at: Number(r.at), type: r.type, outcome: r.outcome, userId: r.user_id, username: r.username, ip: r.ip,
      factor: r.factor, deviceId: r.device_id, deviceName: r.device_name, reason: r.reason, requestId: r.request_id,
      detail: JSON.parse(r.detail) as Record<string, unknown>,
    }));
  }
}
