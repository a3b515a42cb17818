import type { Store } from '../store/store.js';
import type { ChainLink } from '../store/repositories/audit.js';
import { auditHash, GENESIS_HASH } from '../store/auditChain.js';

/** How the chain was found broken: an event changed in place, events removed, or an event added outside `recordAudit`. */
export type ChainBreakKind = 'changed' | 'deleted' | 'inserted' | 'head-missing';

/** The first broken link: where it is and what happened there, in words an admin can act on. */
export interface ChainBreak {
  kind: ChainBreakKind;
  /** `seq` of the changed, inserted or first missing event. */
  seq: number;
  /** `id` of the row concerned (the changed or inserted one; for a deletion, the first event after the gap), when there is one. */
  id: number | null;
  message: string;
}

/** What `verifyAuditChain` found: `count` events checked, the stored head, and the first break if any. */
export type ChainReport =
  | { ok: true; count: number; head: ChainLink }
  | { ok: false; count: number; head: ChainLink | null; break: ChainBreak };

const range = (from: number, to: number): string => (from === to ? `seq ${from}` : `seq ${from}–${to}`);

/**
 * Walks the audit chain in `seq` order, `batchSize` rows at a time (never the whole log in memory),
 * recomputing each hash, and stops at the first broken link:
 * - a gap in `seq` below the head: the events in the gap were deleted;
 * - an event whose hash no longer matches its content: changed, unless the next event links past it to its
 *   predecessor, or it lies beyond the head: then it was inserted;
 * - an event that is intact but does not link to its predecessor: the predecessor was rewritten with a new hash;
 * - the chain ending before the head, or at the head with another hash: the newest events were deleted or rewritten.
 * Safe while the server appends: the head is read again before an event beyond it counts as inserted, and
 * before the end of the rows counts as the end of the chain.
 */
export async function verifyAuditChain(store: Store, opts: { batchSize?: number } = {}): Promise<ChainReport> {
  const batchSize = opts.batchSize ?? 1000;
  let head = await store.audit.head();
  if (!head) {
    return { ok: false, count: 0, head: null, break: { kind: 'head-missing', seq: 0, id: null, message: 'the chain head row (audit_chain_head, id 1) is missing: it was deleted' } };
  }
  const refreshHead = async (): Promise<ChainLink> => {
    head = (await store.audit.head()) ?? head!;
    return head;
  };

  let prevSeq = 0;
  let prevHash = GENESIS_HASH;
  let prevId: number | null = null;
  let count = 0;
  const broken = (b: ChainBreak): ChainReport => ({ ok: false, count, head: head!, break: b });

  for (;;) {
    let page = await store.audit.rowsAfter(prevSeq, batchSize);
    if (page.length === 0) {
      // Read the head first, then look for rows once more: whatever was committed before the head was read is seen now.
      const h = await refreshHead();
      page = await store.audit.rowsAfter(prevSeq, batchSize);
      if (page.length === 0) {
        if (prevSeq < h.seq) {
          return broken({ kind: 'deleted', seq: prevSeq + 1, id: null, message: `${range(prevSeq + 1, h.seq)} deleted: the newest event is seq ${prevSeq}, the chain head says ${h.seq}` });
        }
        if (prevHash !== h.hash) {
          return broken({ kind: 'changed', seq: prevSeq, id: prevId, message: `seq ${prevSeq} (id ${prevId ?? '-'}) was rewritten with a new hash: the chain head records another hash` });
        }
        return { ok: true, count, head: h };
      }
    }

    for (let i = 0; i < page.length; i++) {
      const r = page[i]!;
      const at = `seq ${r.seq} (id ${r.id})`;
      const h = r.seq > head.seq ? await refreshHead() : head;
      if (r.seq !== prevSeq + 1) {
        if (prevSeq < h.seq) {
          const missing = range(prevSeq + 1, Math.min(r.seq, h.seq + 1) - 1);
          return broken({ kind: 'deleted', seq: prevSeq + 1, id: r.id, message: `${missing} deleted: ${at} follows seq ${prevSeq}` });
        }
        return broken({ kind: 'inserted', seq: r.seq, id: r.id, message: `${at} was inserted: the chain ends at seq ${h.seq}` });
      }
      if (auditHash(r, r.prev_hash) !== r.hash) {
        const next = page[i + 1] ?? (await store.audit.rowsAfter(r.seq, 1))[0];
        if ((next?.seq === r.seq + 1 && next.prev_hash === prevHash) || r.seq > h.seq) {
          return broken({ kind: 'inserted', seq: r.seq, id: r.id, message: `${at} was inserted: it is not part of the chain written by Gatehouse` });
        }
        return broken({ kind: 'changed', seq: r.seq, id: r.id, message: `${at} was changed after it was written: its content no longer matches its hash` });
      }
      if (r.prev_hash !== prevHash) {
        return broken({ kind: 'changed', seq: prevSeq, id: prevId, message: `seq ${prevSeq} (id ${prevId ?? '-'}) was rewritten with a new hash: ${at} links to a different predecessor` });
      }
      if (r.seq > h.seq) {
        return broken({ kind: 'inserted', seq: r.seq, id: r.id, message: `${at} was inserted: the chain ends at seq ${h.seq}` });
      }
      count += 1;
      prevSeq = r.seq;
      prevHash = r.hash;
      prevId = r.id;
    }
  }
}
