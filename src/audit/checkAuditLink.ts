import type { Store } from '../store/store.js';
import type { AuditRow } from '../store/repositories/audit.js';
import { auditHash, GENESIS_HASH } from '../store/auditChain.js';

/** One event's place in the hash chain, checked on its own (the whole chain: `gatehouse audit verify`). */
export interface AuditLink {
  row: AuditRow;
  /** The stored `hash` is the hash of this event's content and `prev_hash`: the event was not changed since. */
  contentMatches: boolean;
  /** `prev_hash` is the stored `hash` of the event at `seq - 1` (the genesis value for seq 1); false when that event is missing. */
  linksToPrevious: boolean;
  /** The chain head's `seq`: how many events the log holds. */
  headSeq: number | null;
}

/** The event at `seq` and whether it and its link to the previous event still verify; undefined when there is none. */
export async function checkAuditLink(store: Store, seq: number): Promise<AuditLink | undefined> {
  const [row, previous, head] = await Promise.all([store.audit.findBySeq(seq), seq > 1 ? store.audit.findBySeq(seq - 1) : undefined, store.audit.head()]);
  if (!row) return undefined;
  return {
    row,
    contentMatches: auditHash(row, row.prev_hash) === row.hash,
    linksToPrevious: seq === 1 ? row.prev_hash === GENESIS_HASH : previous?.hash === row.prev_hash,
    headSeq: head?.seq ?? null,
  };
}
