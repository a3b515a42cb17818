import { sql, type Kysely, type Selectable } from 'kysely';
import type { CliDeviceCodesTable, Database } from '../tables.js';
import type { SecondFactor } from '../../auth/factors.js';
import { parseColumn, secondFactorColumn } from '../json.js';
import { deleteExpired } from '../deleteExpired.js';

export type DeviceCodeStatus = CliDeviceCodesTable['status'];

/** A device login as stored: the device code's hash, the user code, and who decided it. */
export interface DeviceCode {
  deviceCodeHash: string;
  /** 8 letters, no hyphen. */
  userCode: string;
  clientName: string;
  status: DeviceCodeStatus;
  intervalMs: number;
  lastPolledAt: number | null;
  /** Who approved (the person the token is for) or denied; null while pending. */
  userId: string | null;
  factor: SecondFactor | null;
  deviceId: string | null;
  authenticatedAt: number | null;
  sessionExpiresAt: number | null;
  decidedAt: number | null;
  createdAt: number;
  expiresAt: number;
}

/** The approver's sign-in, copied into the row when the code is approved. */
export interface DeviceApproval {
  userId: string;
  factor: SecondFactor;
  deviceId: string | null;
  authenticatedAt: number;
  sessionExpiresAt: number;
}

/** What a poll found: `ready` (the poll is counted; answer by status), `slow_down` (too soon; interval grew), `unknown`. */
export type DevicePoll = { outcome: 'ready' | 'slow_down'; code: DeviceCode } | { outcome: 'unknown' };

const toDeviceCode = (r: Selectable<CliDeviceCodesTable>): DeviceCode => {
  const n = (v: number | null): number | null => (v === null ? null : Number(v));
  return {
    deviceCodeHash: r.device_code_hash, userCode: r.user_code, clientName: r.client_name, status: r.status, intervalMs: Number(r.interval_ms),
    lastPolledAt: n(r.last_polled_at), userId: r.user_id, factor: parseColumn({ column: 'cli_device_codes.factor' }, secondFactorColumn.nullable(), r.factor), deviceId: r.device_id, authenticatedAt: n(r.authenticated_at),
    sessionExpiresAt: n(r.session_expires_at), decidedAt: n(r.decided_at), createdAt: Number(r.created_at), expiresAt: Number(r.expires_at),
  };
};

const big = (n: number) => sql<number>`CAST(${n} AS bigint)`;

/** Device logins (RFC 8628), keyed by the device code's hash; each state change is one conditional update. */
export class DeviceCodesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a new pending device login. False when the user code is taken (pick another and try again). */
  async create(c: Pick<DeviceCode, 'deviceCodeHash' | 'userCode' | 'clientName' | 'intervalMs' | 'createdAt' | 'expiresAt'>): Promise<boolean> {
    const r = await this.db.insertInto('cli_device_codes').values({
      device_code_hash: c.deviceCodeHash, user_code: c.userCode, client_name: c.clientName, status: 'pending', interval_ms: c.intervalMs,
      last_polled_at: null, user_id: null, factor: null, device_id: null, authenticated_at: null, session_expires_at: null, decided_at: null,
      created_at: c.createdAt, expires_at: c.expiresAt,
    }).onConflict((oc) => oc.doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  async findByUserCode(userCode: string): Promise<DeviceCode | undefined> {
    const r = await this.db.selectFrom('cli_device_codes').selectAll().where('user_code', '=', userCode).executeTakeFirst();
    return r && toDeviceCode(r);
  }

  /**
   * Approves (binding the approver's sign-in) or denies a pending, unexpired code by its user code: one conditional
   * update (`WHERE user_code = … AND status = 'pending' AND expires_at > now`), so a code is decided once, by one
   * person. Undefined when it was decided already, has expired, or does not exist.
   */
  async decide(userCode: string, now: number, decision: { status: 'approved'; approval: DeviceApproval } | { status: 'denied'; userId: string }): Promise<DeviceCode | undefined> {
    const a = decision.status === 'approved' ? decision.approval : undefined;
    const r = await this.db.updateTable('cli_device_codes').set({
      status: decision.status, decided_at: now, user_id: a ? a.userId : decision.status === 'denied' ? decision.userId : null,
      factor: a?.factor ?? null, device_id: a?.deviceId ?? null, authenticated_at: a?.authenticatedAt ?? null, session_expires_at: a?.sessionExpiresAt ?? null,
    }).where('user_code', '=', userCode).where('status', '=', 'pending').where('expires_at', '>', now)
      .returningAll().executeTakeFirst();
    return r && toDeviceCode(r);
  }

  /**
   * Counts one poll of the token endpoint. A poll at least `interval_ms` after the previous one is `ready`; a sooner
   * one is `slow_down` and makes the interval 5 s longer (RFC 8628 §3.5). Both record the poll's time.
   */
  async poll(deviceCodeHash: string, now: number): Promise<DevicePoll> {
    const ready = await this.db.updateTable('cli_device_codes').set({ last_polled_at: now })
      .where('device_code_hash', '=', deviceCodeHash)
      .where((eb) => eb.or([eb('last_polled_at', 'is', null), eb(sql<number>`last_polled_at + interval_ms`, '<=', big(now))]))
      .returningAll().executeTakeFirst();
    if (ready) return { outcome: 'ready', code: toDeviceCode(ready) };
    const slow = await this.db.updateTable('cli_device_codes').set({ last_polled_at: now, interval_ms: sql<number>`interval_ms + ${big(5000)}` })
      .where('device_code_hash', '=', deviceCodeHash)
      .returningAll().executeTakeFirst();
    return slow ? { outcome: 'slow_down', code: toDeviceCode(slow) } : { outcome: 'unknown' };
  }

  /** Moves an approved, unexpired code to `redeemed`: true for exactly one caller, who then issues the token. */
  async redeem(deviceCodeHash: string, now: number): Promise<boolean> {
    const r = await this.db.updateTable('cli_device_codes').set({ status: 'redeemed' })
      .where('device_code_hash', '=', deviceCodeHash).where('status', '=', 'approved').where('expires_at', '>', now)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async purgeExpired(now: number): Promise<number> {
    return deleteExpired(this.db, { table: 'cli_device_codes', key: 'device_code_hash' }, now);
  }
}
