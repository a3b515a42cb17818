import { sql, type Kysely, type RawBuilder } from 'kysely';
import type { Database, ThrottlesTable } from '../tables.js';
import { PreparedQuery } from '../preparedQuery.js';

export interface Throttle { key: string; failures: number; firstFailureAt: number; lastFailureAt: number; lockedUntil: number | null }

/** The limits one key is held to (milliseconds and counts; see `lockout.*` in the configuration). */
export interface ThrottleLimits {
  /** A count whose latest attempt is older than this starts again (unless locked). */
  windowMs: number;
  /** From this many counted attempts on, each further one must wait `baseDelayMs · 2^(failures − backoffAfter)` after the latest. */
  backoffAfter: number;
  baseDelayMs: number;
  /** The attempt that brings the count to this number locks the key for `lockMs`. */
  lockAfter: number;
  lockMs: number;
}

const toThrottle = (r: ThrottlesTable): Throttle => ({
  key: r.key, failures: Number(r.failures), firstFailureAt: Number(r.first_failure_at), lastFailureAt: Number(r.last_failure_at),
  lockedUntil: r.locked_until === null ? null : Number(r.locked_until),
});

const big = (n: number) => sql<number>`CAST(${n} AS bigint)`;

/**
 * What the lockout rule is evaluated with, for the moment `now`: each one a parameter of the statement (so a
 * statement can be prepared once, see PreparedQuery, and run for any key, moment and limits).
 */
interface RuleParams {
  now: number;
  /** `now − windowMs`: a latest attempt before this is stale. */
  staleBefore: number;
  backoffAfter: number;
  baseDelayMs: number;
}
const ruleParams = (now: number, limits: ThrottleLimits): RuleParams => ({
  now, staleBefore: now - limits.windowMs, backoffAfter: limits.backoffAfter, baseDelayMs: limits.baseDelayMs,
});

/** The back-off delay after `count` attempts: `baseDelayMs · 2^min(count − backoffAfter, 20)` from `backoffAfter` on, else 0. */
function delayAfter(count: RawBuilder<number>, p: RuleParams): RawBuilder<number> {
  const over = sql<number>`(${count} - ${p.backoffAfter})`;
  return sql<number>`(CASE WHEN ${count} < ${p.backoffAfter} THEN ${big(0)}
    ELSE ${big(p.baseDelayMs)} * (${big(1)} << (CASE WHEN ${over} > 20 THEN 20 ELSE ${over} END)) END)`;
}

/**
 * The lockout rule, written once as SQL over the `throttles` row, for the moment `now`:
 * - stale: the latest attempt is older than the window (the count starts again);
 * - waitUntil: the earliest time the next attempt may come, the latest attempt + `delayAfter(failures)` (none when stale);
 * - open: not locked, and stale, or no back-off due (delay 0), or past `waitUntil`. Concurrent attempts read the
 *   clock in any order, so the latest attempt may carry a time a few ms after this one's `now`: with no back-off
 *   due that must not refuse it (it did, under concurrent sign-ins from one address).
 */
function rule(p: RuleParams) {
  const stale = sql<boolean>`(throttles.last_failure_at < ${big(p.staleBefore)})`;
  const delay = delayAfter(sql<number>`throttles.failures`, p);
  const waitUntil = sql<number | null>`(CASE WHEN ${stale} THEN NULL ELSE throttles.last_failure_at + ${delay} END)`;
  const open = sql<boolean>`((throttles.locked_until IS NULL OR throttles.locked_until <= ${big(p.now)})
    AND (${stale} OR ${delay} = 0 OR throttles.last_failure_at + ${delay} <= ${big(p.now)}))`;
  return { stale, waitUntil, open };
}

/** The parameters of `reserve`'s statement: the rule's, the key, and what a granted attempt writes. */
interface ReserveParams extends RuleParams {
  key: string;
  lockAfter: number;
  /** `now + lockMs`: the lock an attempt that reaches `lockAfter` sets. */
  lockedNow: number;
  /** The lock of a key's first attempt: `lockedNow` when `lockAfter` ≤ 1, else null. */
  firstLock: number | null;
}

/** `reserve`'s one statement (see there). */
const reserveStatement = (db: Kysely<Database>, p: ReserveParams) => {
  const { stale, open } = rule(p);
  const counted = sql<number>`(CASE WHEN ${stale} THEN 1 ELSE throttles.failures + 1 END)`;
  return db.insertInto('throttles')
    .values({ key: p.key, failures: 1, first_failure_at: p.now, last_failure_at: p.now, previous_failure_at: null, locked_until: p.firstLock })
    .onConflict((oc) => oc.column('key')
      .doUpdateSet({
        failures: counted,
        first_failure_at: sql<number>`(CASE WHEN ${stale} THEN ${big(p.now)} ELSE throttles.first_failure_at END)`,
        last_failure_at: big(p.now),
        previous_failure_at: sql<number | null>`(CASE WHEN ${stale} THEN NULL ELSE throttles.last_failure_at END)`,
        locked_until: sql<number | null>`(CASE WHEN ${counted} >= ${p.lockAfter} THEN ${big(p.lockedNow)} ELSE NULL END)`,
      })
      .where(open))
    .returningAll();
};

/** Whether each reservation handed back alone carried a lock: the shape of `giveBack`'s delete (see there). */
type AloneShape = readonly boolean[];
/** `giveBack`'s delete of reservations that were alone on their key, for one shape; parameters `k0, f0, l0, k1, …`. */
const giveBackAloneStatement = (shape: AloneShape) => (db: Kysely<Database>, p: Record<string, string | number>) => db.deleteFrom('throttles')
  .where((eb) => eb.or(shape.map((locked, i) => eb.and([
    eb('key', '=', p[`k${i}`] as string), eb('first_failure_at', '=', p[`f${i}`] as number), eb('failures', '=', 1),
    locked ? eb.or([eb('locked_until', 'is', null), eb('locked_until', '=', p[`l${i}`] as number)]) : eb('locked_until', 'is', null),
  ]))))
  .returning('key');

/** Why a key refuses attempts at a moment: a lock until `lockedUntil`, or a back-off until `waitUntil` (null: neither). */
export interface ThrottleStatus { key: string; lockedUntil: number | null; waitUntil: number | null }

/**
 * Attempt counters for lockout and back-off, per person and per client address, shared by all nodes.
 * A row counts attempts that were reserved before being checked (`reserve`), less those a verified success
 * handed back (`giveBack`). Every method is one statement, or several that are each safe on their own: none
 * assumes a row still exists, and none opens a transaction.
 */
export class ThrottlesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // The statements of every sign-in, prepared (see PreparedQuery); the delete of `giveBack` once per shape.
  readonly #reserve = new PreparedQuery(reserveStatement);
  readonly #giveBackAlone = new Map<string, PreparedQuery<Record<string, string | number>, { key: string }>>();
  readonly #clear = new PreparedQuery((db, p: { key: string }) => db.deleteFrom('throttles').where('key', '=', p.key));

  async get(key: string): Promise<Throttle | undefined> {
    const r = await this.db.selectFrom('throttles').selectAll().where('key', '=', key).executeTakeFirst();
    return r && toThrottle(r);
  }

  /**
   * Reserves one attempt for `key` BEFORE it is checked, in one statement (an upsert whose update only runs
   * when the key is neither locked nor in back-off, RETURNING the new row). Granted: the row as it now stands,
   * the attempt already counted; `lockedUntil` is set exactly when this reservation locked the key (the count
   * reached `lockAfter`), so the caller can audit each lock once. Refused (locked or back-off): undefined, and
   * nothing changed. A count older than `windowMs` and not locked starts again at 1.
   * The caller stores nothing; on a verified success it hands the reservation back with `giveBack`.
   */
  async reserve(key: string, now: number, limits: ThrottleLimits): Promise<Throttle | undefined> {
    const lockedNow = now + limits.lockMs;
    const r = (await this.#reserve.execute(this.db, {
      ...ruleParams(now, limits), key, lockAfter: limits.lockAfter, lockedNow, firstLock: limits.lockAfter <= 1 ? lockedNow : null,
    })).rows[0];
    return r && toThrottle(r);
  }

  /**
   * What refuses attempts on `key` at `now` under `limits`, by the same rule `reserve` enforces (read only:
   * used to explain a refusal with a Retry-After). Undefined when there is no row.
   */
  async status(key: string, now: number, limits: ThrottleLimits): Promise<ThrottleStatus | undefined> {
    const { waitUntil } = rule(ruleParams(now, limits));
    const r = await this.db.selectFrom('throttles').select(['key', 'locked_until', waitUntil.as('wait_until')]).where('key', '=', key).executeTakeFirst();
    return r && { key: r.key, lockedUntil: r.locked_until === null ? null : Number(r.locked_until), waitUntil: r.wait_until === null ? null : Number(r.wait_until) };
  }

  /**
   * Hands back reservations after the attempts they were for proved right, as if they had not been made: each
   * key's count goes down by one, a lock that its reservation set is lifted, and (unless another attempt was
   * reserved since) the latest attempt's time goes back to the one before it (`previous_failure_at`): the back-off
   * the reservation started is lifted, and the remaining failures expire when they would have without it (a busy
   * office's successful sign-ins never keep one person's old failures alive at the shared address). Only the same
   * count (the same `firstFailureAt`) is touched, so a count that was cleared or restarted meanwhile keeps every
   * failure it has. A count back at zero is removed. `reserved` is what `reserve` returned, one per key.
   * A reservation that was the only attempt on its key (the usual case for a person) is handed back by removing
   * the row; these go together in one statement. Any other (a shared address) is one statement more, or two when
   * its count reaches zero.
   */
  async giveBack(...reserved: Throttle[]): Promise<void> {
    const alone = reserved.filter((r) => r.failures === 1);
    const gone = new Set<string>();
    if (alone.length > 0) {
      const shape = alone.map((r) => r.lockedUntil !== null);
      const id = shape.map((locked) => (locked ? 'l' : 'n')).join('');
      let statement = this.#giveBackAlone.get(id);
      if (!statement) {
        if (this.#giveBackAlone.size >= 16) this.#giveBackAlone.clear(); // callers hand back one or two at a time
        this.#giveBackAlone.set(id, statement = new PreparedQuery(giveBackAloneStatement(shape)));
      }
      const params: Record<string, string | number> = {};
      alone.forEach((r, i) => {
        params[`k${i}`] = r.key;
        params[`f${i}`] = r.firstFailureAt;
        if (r.lockedUntil !== null) params[`l${i}`] = r.lockedUntil;
      });
      for (const r of (await statement.execute(this.db, params)).rows) gone.add(r.key);
    }
    for (const r of reserved) if (!gone.has(r.key)) await this.#giveBackCounted(r);
  }

  /** `giveBack` of one reservation on a count that (probably) holds other attempts too. */
  async #giveBackCounted(reserved: Throttle): Promise<void> {
    const ours = big(reserved.lastFailureAt);
    const left = await this.db.updateTable('throttles')
      .set({
        failures: sql<number>`throttles.failures - 1`,
        last_failure_at: sql<number>`(CASE WHEN throttles.last_failure_at = ${ours} THEN COALESCE(throttles.previous_failure_at, throttles.last_failure_at) ELSE throttles.last_failure_at END)`,
        locked_until: reserved.lockedUntil === null ? sql<number | null>`throttles.locked_until`
          : sql<number | null>`(CASE WHEN throttles.locked_until = ${big(reserved.lockedUntil)} THEN NULL ELSE throttles.locked_until END)`,
      })
      .where('key', '=', reserved.key).where('first_failure_at', '=', reserved.firstFailureAt).where('failures', '>', 0)
      .returning(['failures', 'locked_until'])
      .executeTakeFirst();
    if (left && Number(left.failures) <= 0 && left.locked_until === null) {
      await this.db.deleteFrom('throttles').where('key', '=', reserved.key).where('failures', '<=', 0).where('locked_until', 'is', null).execute();
    }
  }

  /** Forgets the count and any lock of `key`. True when there was a row to remove. */
  async clear(key: string): Promise<boolean> {
    const r = await this.#clear.execute(this.db, { key });
    return Number(r.numAffectedRows ?? 0) > 0;
  }

  async listLocked(now: number): Promise<Throttle[]> {
    const rows = await this.db.selectFrom('throttles').selectAll().where('locked_until', '>', now).execute();
    return rows.map(toThrottle);
  }
}
