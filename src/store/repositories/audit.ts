import { sql, type Expression, type Kysely, type QueryCreator, type Selectable, type SqlBool } from 'kysely';
import type { AuditEventsTable, Database } from '../tables.js';
import { GatehouseError, isGatehouseError } from '../../errors.js';
import { inTransaction } from '../inTransaction.js';
import { auditHash, type ChainedColumns } from '../auditChain.js';
import { jsonObject, parseJsonColumn } from '../json.js';
import type { Dialect } from '../dialect.js';
import { PreparedQuery } from '../preparedQuery.js';

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

/**
 * What `AuditRepository.search` filters on: the indexed or plain columns exactly, and words the `detail` JSON text
 * must contain (a cheap pre-filter: the caller checks the parsed detail itself, see src/audit/searchAuditEvents.ts).
 */
export interface AuditQuery {
  type?: string | undefined;
  /** The person: `user_id` is one of `userIds`, or `username` is one of `usernames` (exact). */
  person?: { userIds: string[]; usernames: string[] } | undefined;
  /**
   * The device: `device_id` or `device_name` equals it, or the detail mentions it as a JSON string (an admin
   * change's `byDeviceId` / `byDevice`; a LIKE, so the caller checks the parsed detail).
   */
  device?: string | undefined;
  /** `at` >= from and `at` < to (ms). */
  from?: number | undefined;
  to?: number | undefined;
  /** Each inner list: the detail text holds at least one of these (ASCII letters compared case-insensitively). */
  detailContains?: string[][] | undefined;
  /** Paging: `seq` < beforeSeq (newest first) or `seq` > afterSeq (oldest first). */
  beforeSeq?: number | undefined;
  afterSeq?: number | undefined;
}

/** A LIKE pattern (with `escape '\'`) that finds `word` anywhere: `%`, `_` and `\` taken literally. */
function containsPattern(word: string): string {
  return `%${word.replace(/[A-Z]/g, (c) => c.toLowerCase()).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** A condition no row meets (the last alternative of an `or` that may have no others; SQLite binds no booleans). */
const never = sql<SqlBool>`1 = 0`;

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
type ChainRow = ChainedColumns & { outcome: AuditEvent['outcome']; prev_hash: string; hash: string };

const headMissing = (): GatehouseError => new GatehouseError('internal', 'the audit chain head row is missing; run `gatehouse audit verify`');

/** The rows of `events` chained on after `head`, and the head after them. */
function chainRows(events: readonly AuditEvent[], head: ChainLink): { rows: ChainRow[]; last: ChainLink } {
  let seq = head.seq;
  let prevHash = head.hash;
  const rows = events.map((e) => {
    seq += 1;
    const row = {
      seq, at: e.at, type: e.type, outcome: e.outcome, user_id: e.userId ?? null, username: e.username ?? null,
      ip: e.ip ?? null, factor: e.factor ?? null, device_id: e.deviceId ?? null, device_name: e.deviceName ?? null,
      reason: e.reason ?? null, request_id: e.requestId ?? null, detail: JSON.stringify(e.detail ?? {}), prev_hash: prevHash,
    };
    prevHash = auditHash(row, prevHash);
    return { ...row, hash: prevHash };
  });
  return { rows, last: { seq, hash: prevHash } };
}

/** Most events one group commit writes; the rest wait for the next. */
const MAX_BATCH = 200;

interface PendingAppend { event: AuditEvent; resolve: (link: ChainLink) => void; reject: (err: unknown) => void }

/**
 * Append-only audit log kept as a hash chain (docs/audit.md): there is no update or delete. Record events
 * through `recordAudit` (src/audit/), which types them; `append` is the untyped storage step under it, called
 * by nothing else in src/ (test/unit/layering.test.ts checks it).
 */
export class AuditRepository {
  /** Events waiting for the next group commit (outside a transaction only). */
  #pending: PendingAppend[] = [];
  #writing = false;
  /** PostgreSQL: the chain head as this process last wrote or read it. A stale one only costs a retry. */
  #knownHead: ChainLink | undefined;

  /** `events` hears of each appended event (the metrics count sign-ins, assertions and lockouts from them). */
  constructor(private readonly db: Kysely<Database>, private readonly dialect: Dialect, private readonly events?: AuditListener) {}

  // The statements of every SQLite append (and the head read of PostgreSQL's locking one), prepared: see PreparedQuery.
  readonly #lockedHead = new PreparedQuery((db) => {
    const q = db.selectFrom('audit_chain_head').select(['seq', 'hash']).where('id', '=', 1);
    return this.dialect === 'postgres' ? q.forUpdate() : q;
  });
  readonly #insertRow = new PreparedQuery((db, r: ChainRow) => db.insertInto('audit_events').values({
    seq: r.seq, at: r.at, type: r.type, outcome: r.outcome, user_id: r.user_id, username: r.username, ip: r.ip, factor: r.factor, device_id: r.device_id,
    device_name: r.device_name, reason: r.reason, request_id: r.request_id, detail: r.detail, prev_hash: r.prev_hash, hash: r.hash,
  }));
  readonly #moveHead = new PreparedQuery((db, head: ChainLink) => db.updateTable('audit_chain_head').set({ seq: head.seq, hash: head.hash }).where('id', '=', 1));

  /**
   * Appends one event at the end of the chain and returns its `seq` and `hash`, once it is committed. Inside
   * `Store.transaction` it joins that transaction (the event commits or rolls back with the change it records).
   * Otherwise it is written in a transaction of its own, shared with every other event appended meanwhile by
   * this process (group commit): while one such transaction is being written, new events queue and go together
   * in the next, so the chain head's lock is taken once per batch rather than once per event, and a busy node
   * does not make every other node wait for the lock once per event. An event that cannot be written alone fails
   * alone: a batch that fails is retried one event at a time (unless the database is out of reach).
   * In a transaction the head row is read under a lock (`SELECT … FOR UPDATE` on PostgreSQL; on SQLite every
   * transaction is `BEGIN IMMEDIATE`, which holds the database's write lock), so writers in one process or many
   * append one after the other; the lock is held until commit: record the event as the last write of a
   * transaction. A group commit on PostgreSQL takes no lock across round trips: one statement moves the head
   * only if it is still where this process last saw it, and inserts the batch only if it did (compare-and-set);
   * when another writer got there first it reads the head again and retries, and after three misses it falls
   * back to the locking transaction. So no writer waits for another node's event loop while holding the head.
   */
  async append(e: AuditEvent): Promise<ChainLink> {
    const link = this.db.isTransaction
      ? (await this.#appendLocked(this.db, [e]))[0]!
      : await new Promise<ChainLink>((resolve, reject) => {
        this.#pending.push({ event: e, resolve, reject });
        if (!this.#writing) void this.#drain();
      });
    this.events?.audit(e);
    return link;
  }

  /** Writes the queued events, a batch per transaction, until none are left. */
  async #drain(): Promise<void> {
    this.#writing = true;
    try {
      while (this.#pending.length > 0) {
        const batch = this.#pending.splice(0, MAX_BATCH);
        try {
          const links = await this.#appendBatch(batch.map((p) => p.event));
          batch.forEach((p, i) => p.resolve(links[i]!));
        } catch (err) {
          if (batch.length === 1 || isGatehouseError(err, 'database_unavailable')) {
            for (const p of batch) p.reject(err);
            continue;
          }
          for (const p of batch) {
            await this.#appendBatch([p.event]).then(([link]) => p.resolve(link!), p.reject);
          }
        }
      }
    } finally {
      this.#writing = false;
    }
  }

  /** One group commit: compare-and-set on PostgreSQL (falling back to the lock), a write transaction on SQLite. */
  async #appendBatch(events: readonly AuditEvent[]): Promise<ChainLink[]> {
    if (this.dialect === 'postgres') {
      for (let attempt = 0; attempt < 3; attempt++) {
        const head = this.#knownHead ?? (await this.head());
        if (!head) throw headMissing();
        const { rows, last } = chainRows(events, head);
        if (await this.#insertIfHeadIs(head, rows, last)) {
          this.#knownHead = last;
          return rows.map((r) => ({ seq: r.seq, hash: r.hash }));
        }
        this.#knownHead = undefined;
      }
    }
    const links = await inTransaction(this.db, (trx) => this.#appendLocked(trx, events));
    this.#knownHead = links.at(-1);
    return links;
  }

  /**
   * PostgreSQL, one statement, no transaction around it: moves the head from `head` to `last` and inserts `rows`
   * only if the head is still at `head`. False when another writer moved it first (nothing written).
   */
  async #insertIfHeadIs(head: ChainLink, rows: readonly ChainRow[], last: ChainLink): Promise<boolean> {
    const values = sql.join(rows.map((r) => sql`(${r.seq}::bigint, ${r.at}::bigint, ${r.type}::text, ${r.outcome}::text, ${r.user_id}::text,
      ${r.username}::text, ${r.ip}::text, ${r.factor}::text, ${r.device_id}::text, ${r.device_name}::text, ${r.reason}::text,
      ${r.request_id}::text, ${r.detail}::text, ${r.prev_hash}::text, ${r.hash}::text)`));
    const result = await sql`
      with moved as (
        update audit_chain_head set seq = ${last.seq}, hash = ${last.hash} where id = 1 and seq = ${head.seq} and hash = ${head.hash} returning id
      )
      insert into audit_events (seq, at, type, outcome, user_id, username, ip, factor, device_id, device_name, reason, request_id, detail, prev_hash, hash)
      select * from (values ${values}) as v(seq, at, type, outcome, user_id, username, ip, factor, device_id, device_name, reason, request_id, detail, prev_hash, hash)
      where exists (select 1 from moved)`.execute(this.db);
    return Number(result.numAffectedRows ?? 0) === rows.length;
  }

  /** Appends `events` in order inside `trx`: reads the head under its lock, inserts them all, moves the head once. */
  async #appendLocked(trx: Kysely<Database>, events: readonly AuditEvent[]): Promise<ChainLink[]> {
    const found = (await this.#lockedHead.execute(trx, {})).rows[0];
    if (!found) throw headMissing();
    const { rows, last } = chainRows(events, { seq: Number(found.seq), hash: found.hash });
    const insert = (db: QueryCreator<Database>) => db.insertInto('audit_events').values(rows);
    if (this.dialect === 'postgres') {
      // One round trip: PostgreSQL runs both writes of the CTE in one statement.
      await trx.with('appended', insert).updateTable('audit_chain_head').set(last).where('id', '=', 1).execute();
    } else {
      // One event (every SSO of a node that is not busy) goes through the prepared insert; a batch in one statement.
      const [only] = rows;
      if (rows.length === 1 && only) await this.#insertRow.execute(trx, only);
      else await insert(trx).execute();
      await this.#moveHead.execute(trx, last);
    }
    return rows.map((r) => ({ seq: r.seq, hash: r.hash }));
  }

  /** Newest first. */
  async list(filter: { userId?: string; type?: string; limit?: number } = {}): Promise<StoredAuditEvent[]> {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (filter.userId) q = q.where('user_id', '=', filter.userId);
    if (filter.type) q = q.where('type', '=', filter.type);
    const rows = await q.orderBy('seq', 'desc').limit(filter.limit ?? 100).execute();
    return rows.map((r) => toStoredEvent(toRow(r)));
  }

  /**
   * Up to `limit` stored rows matching `q`, by `seq` (newest first for `desc`): one page of a filtered scan. The
   * filters are plain SQL on both databases; `detailContains` is a LIKE on the lower-cased detail text, so it may
   * let through rows whose detail only mentions the word elsewhere: check the parsed detail after.
   */
  async search(q: AuditQuery, opts: { order: 'asc' | 'desc'; limit: number }): Promise<AuditRow[]> {
    let query = this.db.selectFrom('audit_events').selectAll();
    if (q.type !== undefined) query = query.where('type', '=', q.type);
    if (q.from !== undefined) query = query.where('at', '>=', q.from);
    if (q.to !== undefined) query = query.where('at', '<', q.to);
    if (q.beforeSeq !== undefined) query = query.where('seq', '<', q.beforeSeq);
    if (q.afterSeq !== undefined) query = query.where('seq', '>', q.afterSeq);
    const person = q.person;
    if (person) {
      query = query.where((eb) => eb.or([
        ...(person.userIds.length > 0 ? [eb('user_id', 'in', person.userIds)] : []),
        ...(person.usernames.length > 0 ? [eb('username', 'in', person.usernames)] : []),
        never,
      ]));
    }
    const device = q.device;
    if (device !== undefined) {
      // The person's device is in its columns; an admin's device (`byDeviceId`, `byDevice`) in the detail, as a
      // JSON string: the LIKE narrows, the caller checks the parsed detail.
      query = query.where((eb) => eb.or([
        eb('device_id', '=', device), eb('device_name', '=', device),
        sql<SqlBool>`lower(detail) like ${containsPattern(JSON.stringify(device))} escape '\\'`,
      ]));
    }
    for (const words of q.detailContains ?? []) {
      query = query.where((eb) => eb.or([
        ...words.map((w): Expression<SqlBool> => sql<SqlBool>`lower(detail) like ${containsPattern(w)} escape '\\'`),
        never,
      ]));
    }
    const rows = await query.orderBy('seq', opts.order).limit(opts.limit).execute();
    return rows.map(toRow);
  }

  /** The stored row at `seq`, or undefined. */
  async findBySeq(seq: number): Promise<AuditRow | undefined> {
    const r = await this.db.selectFrom('audit_events').selectAll().where('seq', '=', seq).executeTakeFirst();
    return r && toRow(r);
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
