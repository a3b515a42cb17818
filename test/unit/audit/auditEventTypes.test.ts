// What the compiler holds recordAudit callers to (checked by `npm run typecheck`: each @ts-expect-error must be an
// error), and the runtime list of types derived from the catalogue.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { auditEvents, auditEventTypes } from '../../../src/audit/auditEvents.js';
import { recordAudit } from '../../../src/audit/recordAudit.js';
import type { Store } from '../../../src/store/store.js';

/** Never called: it only has to compile. */
export function compileOnly(store: Store): void {
  void recordAudit(store, { type: 'logout', outcome: 'success', username: 'alice' });
  void recordAudit(store, { type: 'keys.retired', outcome: 'success', detail: { keyId: 'k1' } });
  void recordAudit(store, { type: 'login.mfa', outcome: 'failure', username: 'alice', factor: 'totp', deviceId: 'd1', reason: 'wrong_code', detail: { purpose: 'login' } });
  // @ts-expect-error logout has no failure outcome
  void recordAudit(store, { type: 'logout', outcome: 'failure', username: 'alice' });
  // @ts-expect-error keys.retired needs its detail
  void recordAudit(store, { type: 'keys.retired', outcome: 'success' });
  // @ts-expect-error key events name no person
  void recordAudit(store, { type: 'keys.retired', outcome: 'success', username: 'alice', detail: { keyId: 'k1' } });
  // @ts-expect-error logout names no device
  void recordAudit(store, { type: 'logout', outcome: 'success', username: 'alice', deviceId: 'd1' });
  // @ts-expect-error a detail field the type does not have
  void recordAudit(store, { type: 'keys.retired', outcome: 'success', detail: { keyId: 'k1', note: 'x' } });
  // @ts-expect-error an unknown event type
  void recordAudit(store, { type: 'keys.lost', outcome: 'success', detail: { keyId: 'k1' } });
  // @ts-expect-error an event about a person needs the username
  void recordAudit(store, { type: 'logout', outcome: 'success', userId: 'u1' });
}

test('auditEventTypes lists every catalogue entry once, dotted lower-case names', () => {
  assert.deepEqual(auditEventTypes, Object.keys(auditEvents));
  assert.equal(new Set(auditEventTypes).size, auditEventTypes.length);
  for (const t of auditEventTypes) assert.match(t, /^[a-z]+(\.[a-z_]+)?$/);
  assert.equal(typeof compileOnly, 'function');
});
