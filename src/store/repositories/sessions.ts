import type { Kysely, Selectable } from 'kysely';
import type { Factor } from '../../auth/factors.js';
import type { Database, LoginFlowsTable, SessionsTable } from '../tables.js';
import { factorColumn, factorList, jsonObject, parseColumn, parseJsonColumn } from '../json.js';
import { toUser, type User } from './users.js';
import { deleteExpired } from '../deleteExpired.js';
import { PreparedQuery } from '../preparedQuery.js';

export interface SessionRecord {
  idHash: string;
  userId: string;
  factors: Factor[];
  /** The factor that completed the session (its `PrincipalTag:AuthMethod` comes from the factor's facts). */
  authMethod: Factor | null;
  deviceId: string | null;
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
  expiresAt: number;
  /** When the person last proved a second factor in this session (sign-in or step-up). */
  authenticatedAt: number;
}

export interface FlowRecord {
  id: string;
  state: string;
  userId: string | null;
  factorsDone: Factor[];
  pending: Record<string, unknown>;
  csrf: string;
  data: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
}

// Rows are named by their user (session and flow keys are token hashes: not for logs).
const toSession = (r: Selectable<SessionsTable>): SessionRecord => ({
  idHash: r.id_hash, userId: r.user_id, factors: parseJsonColumn({ column: 'sessions.factors', row: `of user ${r.user_id}` }, factorList, r.factors, []),
  authMethod: parseColumn({ column: 'sessions.auth_method', row: `of user ${r.user_id}` }, factorColumn, r.auth_method), deviceId: r.device_id,
  csrf: r.csrf, createdAt: Number(r.created_at), lastSeenAt: Number(r.last_seen_at), expiresAt: Number(r.expires_at),
  authenticatedAt: Number(r.authenticated_at ?? r.created_at),
});
const toFlow = (r: Selectable<LoginFlowsTable>): FlowRecord => ({
  id: r.id, state: r.state, userId: r.user_id, factorsDone: parseJsonColumn({ column: 'login_flows.factors_done' }, factorList, r.factors_done, []),
  pending: parseJsonColumn({ column: 'login_flows.pending' }, jsonObject, r.pending), csrf: r.csrf, data: parseJsonColumn({ column: 'login_flows.data' }, jsonObject, r.data),
  createdAt: Number(r.created_at), expiresAt: Number(r.expires_at),
});

/** Server-side sessions (keyed by the hash of the cookie id) and login flows. */
export class SessionsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** The session check of every request (see findWithUser). */
  readonly #findWithUser = new PreparedQuery((db, p: { idHash: string }) => db.selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .leftJoin('mfa_devices', 'mfa_devices.id', 'sessions.device_id')
    .selectAll('sessions')
    .select([
      'users.username', 'users.username_lower', 'users.email', 'users.email_lower', 'users.display_name', 'users.status', 'users.attributes',
      'users.password_hash', 'users.last_factor', 'users.time_zone', 'users.password_temporary', 'users.recovery_codes_prompt', 'users.created_at as user_created_at', 'users.updated_at as user_updated_at',
      'mfa_devices.name as device_name',
    ])
    .where('sessions.id_hash', '=', p.idHash));

  readonly #touch = new PreparedQuery((db, p: { idHash: string; now: number }) => db.updateTable('sessions').set({ last_seen_at: p.now }).where('id_hash', '=', p.idHash));

  // The statements of every sign-in, prepared too (see PreparedQuery): rows as stored, JSON columns as their text.
  readonly #insertSession = new PreparedQuery((db, r: Selectable<SessionsTable>) => db.insertInto('sessions').values({
    id_hash: r.id_hash, user_id: r.user_id, factors: r.factors, auth_method: r.auth_method, device_id: r.device_id,
    csrf: r.csrf, created_at: r.created_at, last_seen_at: r.last_seen_at, expires_at: r.expires_at, authenticated_at: r.authenticated_at,
  }));
  readonly #insertFlow = new PreparedQuery((db, r: Selectable<LoginFlowsTable>) => db.insertInto('login_flows').values({
    id: r.id, state: r.state, user_id: r.user_id, factors_done: r.factors_done, pending: r.pending, csrf: r.csrf, data: r.data,
    created_at: r.created_at, expires_at: r.expires_at,
  }));
  readonly #findFlow = new PreparedQuery((db, p: { id: string }) => db.selectFrom('login_flows').selectAll().where('id', '=', p.id));
  readonly #advanceFlow = new PreparedQuery((db, p: Omit<Selectable<LoginFlowsTable>, 'created_at'> & { oldId: string; fromState: string }) => db.updateTable('login_flows').set({
    id: p.id, state: p.state, user_id: p.user_id, factors_done: p.factors_done, pending: p.pending, csrf: p.csrf, data: p.data, expires_at: p.expires_at,
  }).where('id', '=', p.oldId).where('state', '=', p.fromState));
  readonly #deleteFlow = new PreparedQuery((db, p: { id: string }) => db.deleteFrom('login_flows').where('id', '=', p.id));

  /** A new session; `authenticatedAt` defaults to `createdAt` (the sign-in that started it). */
  async create(s: Omit<SessionRecord, 'authenticatedAt'> & { authenticatedAt?: number }): Promise<void> {
    await this.#insertSession.execute(this.db, {
      id_hash: s.idHash, user_id: s.userId, factors: JSON.stringify(s.factors), auth_method: s.authMethod, device_id: s.deviceId,
      csrf: s.csrf, created_at: s.createdAt, last_seen_at: s.lastSeenAt, expires_at: s.expiresAt, authenticated_at: s.authenticatedAt ?? s.createdAt,
    });
  }

  async find(idHash: string): Promise<SessionRecord | undefined> {
    const r = await this.db.selectFrom('sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
    return r && toSession(r);
  }

  /**
   * The session with its person and the name of the device it was started with, in one statement (the
   * session check of every request). Undefined when there is no such session or its person is gone.
   */
  async findWithUser(idHash: string): Promise<{ session: SessionRecord; user: User; deviceName: string | null } | undefined> {
    const r = (await this.#findWithUser.execute(this.db, { idHash })).rows[0];
    if (!r) return undefined;
    const user = toUser({
      id: r.user_id, username: r.username, username_lower: r.username_lower, email: r.email, email_lower: r.email_lower, display_name: r.display_name,
      status: r.status, attributes: r.attributes, password_hash: r.password_hash, last_factor: r.last_factor, time_zone: r.time_zone,
      password_temporary: r.password_temporary, recovery_codes_prompt: r.recovery_codes_prompt, created_at: r.user_created_at, updated_at: r.user_updated_at,
    });
    return { session: toSession(r), user, deviceName: r.device_name };
  }

  async touch(idHash: string, now: number): Promise<void> {
    await this.#touch.execute(this.db, { idHash, now });
  }

  /** Moves a session to a new id (rotation); the old id stops working at once. */
  async rotate(oldHash: string, newHash: string, patch: Partial<Pick<SessionRecord, 'factors' | 'authMethod' | 'deviceId' | 'csrf' | 'authenticatedAt'>>, now: number): Promise<boolean> {
    const set: Record<string, unknown> = { id_hash: newHash, last_seen_at: now };
    if (patch.factors) set.factors = JSON.stringify(patch.factors);
    if (patch.authMethod !== undefined) set.auth_method = patch.authMethod;
    if (patch.deviceId !== undefined) set.device_id = patch.deviceId;
    if (patch.csrf !== undefined) set.csrf = patch.csrf;
    if (patch.authenticatedAt !== undefined) set.authenticated_at = patch.authenticatedAt;
    const r = await this.db.updateTable('sessions').set(set).where('id_hash', '=', oldHash).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async delete(idHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('id_hash', '=', idHash).execute();
  }

  /** Ends every session of a person, except the one whose id hash is `except` when given; returns how many ended. */
  async deleteForUser(userId: string, opts: { except?: string } = {}): Promise<number> {
    let q = this.db.deleteFrom('sessions').where('user_id', '=', userId);
    if (opts.except !== undefined) q = q.where('id_hash', '!=', opts.except);
    const r = await q.executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async createFlow(f: FlowRecord): Promise<void> {
    await this.#insertFlow.execute(this.db, {
      id: f.id, state: f.state, user_id: f.userId, factors_done: JSON.stringify(f.factorsDone), pending: JSON.stringify(f.pending),
      csrf: f.csrf, data: JSON.stringify(f.data), created_at: f.createdAt, expires_at: f.expiresAt,
    });
  }

  async findFlow(id: string): Promise<FlowRecord | undefined> {
    const r = (await this.#findFlow.execute(this.db, { id })).rows[0];
    return r && toFlow(r);
  }

  /**
   * Moves a flow to a new id and state, only if it is still in `fromState` under `oldId` (compare-and-set:
   * two concurrent submits of the same step cannot both advance it). Returns false if it had moved on.
   */
  async advanceFlow(oldId: string, fromState: string, next: Omit<FlowRecord, 'createdAt'>): Promise<boolean> {
    const r = await this.#advanceFlow.execute(this.db, {
      oldId, fromState, id: next.id, state: next.state, user_id: next.userId, factors_done: JSON.stringify(next.factorsDone),
      pending: JSON.stringify(next.pending), csrf: next.csrf, data: JSON.stringify(next.data), expires_at: next.expiresAt,
    });
    return Number(r.numAffectedRows ?? 0) === 1;
  }

  async deleteFlow(id: string): Promise<void> {
    await this.#deleteFlow.execute(this.db, { id });
  }

  /**
   * Removes expired sessions, and flows expired more than `keepFlowsMs` ago, a batch at a time (see deleteExpired);
   * returns how many rows went. (An expired flow is kept a while so that its page can say it timed out.)
   */
  async purgeExpired(now: number, keepFlowsMs = 0): Promise<number> {
    return (await deleteExpired(this.db, { table: 'sessions', key: 'id_hash' }, now)) + (await deleteExpired(this.db, { table: 'login_flows', key: 'id' }, now - keepFlowsMs));
  }
}
