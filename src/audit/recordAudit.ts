import type { AppContext } from '../context.js';
import { Store } from '../store/store.js';
import type { ChainLink } from '../store/repositories/audit.js';
import type { AuditEventOf, AuditEventType } from './auditEvents.js';

/** The parts of a request an event takes: its id and client address (a FastifyRequest fits). */
export interface AuditRequest {
  readonly id: string;
  readonly ip: string;
}

/** Where to record: the app context (its store and clock) or a store (then `at` defaults to the real time). */
export type AuditTarget = Pick<AppContext, 'store' | 'now'> | Store;

/**
 * Records one audit event: the only way events are written (docs/audit.md). `ip` and `requestId` come from
 * `opts.req` unless the event gives them; `at` from the context's clock unless given. Passed a context or
 * store that is inside `Store.transaction`, the event joins that transaction, so it is written exactly when
 * the change it records is. Returns the event's place in the hash chain.
 */
export async function recordAudit<T extends AuditEventType>(target: AuditTarget, event: AuditEventOf<T>, opts: { req?: AuditRequest } = {}): Promise<ChainLink> {
  const store = target instanceof Store ? target : target.store;
  const at = event.at ?? (target instanceof Store ? Date.now() : target.now().getTime());
  const { detail, ...fields } = event;
  return store.audit.append({
    ...fields, at, ip: event.ip ?? (opts.req?.ip || null), requestId: event.requestId ?? opts.req?.id ?? null, detail: detail ?? {},
  });
}
