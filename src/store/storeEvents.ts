import type { LogEvent } from 'kysely';
import type { AuditEvent } from './repositories/audit.js';

/** What a store reports while it works, to whoever observes it (the metrics). Every method is optional. */
export interface StoreObserver {
  /** After each query: how long it took, in milliseconds, and whether it failed. */
  query?(durationMs: number, failed: boolean): void;
  /**
   * After each audit event is written. Inside `Store.transaction` that is before the transaction commits; the
   * audit write is the last write of its transaction, so one that then rolls back is rare.
   */
  audit?(event: AuditEvent): void;
}

/**
 * The observers of one database, shared by its store and the stores of its transactions. Holds nothing but
 * the observers; an observer is added with `add` (the store's `observe`) and removed by the function it returns.
 */
export class StoreEvents {
  readonly #observers = new Set<StoreObserver>();

  /** Adds an observer; returns the function that removes it. */
  add(observer: StoreObserver): () => void {
    this.#observers.add(observer);
    return () => { this.#observers.delete(observer); };
  }

  /** Kysely's `log` option: reports every query's duration to the observers. */
  readonly log = (event: LogEvent): void => {
    for (const o of this.#observers) o.query?.(event.queryDurationMillis, event.level === 'error');
  };

  /** Reports an appended audit event to the observers. */
  audit(event: AuditEvent): void {
    for (const o of this.#observers) o.audit?.(event);
  }
}
