/**
 * A person's time zone: the zone their pages show times in (src/http/formatTime.ts), or null for the configured
 * `ui.timeZone`. Validated by the one rule (src/time/timeZone.ts), written with its `user.time_zone_changed`
 * audit event (before and after) in one transaction. The directory file sets it too (`time_zone`, an import change).
 */
import { withTransaction, type AppContext } from '../context.js';
import { GatehouseError } from '../errors.js';
import { recordAudit, type AuditRequest } from '../audit/recordAudit.js';
import type { User } from '../store/repositories/users.js';
import { isTimeZone, timeZoneRule } from '../time/timeZone.js';

/**
 * Sets (or, with null, clears) `user`'s time zone; `by` is who asked (the person's own username on /account).
 * Returns false when it already was that zone (nothing written, no event). Throws `validation_failed` naming the
 * field `time_zone` for a value that is not a time zone, and `not_found` when the person is gone.
 */
export async function setTimeZone(ctx: AppContext, user: Pick<User, 'id'>, zone: string | null, by: string, req?: AuditRequest): Promise<boolean> {
  if (zone !== null && !isTimeZone(zone)) {
    throw new GatehouseError('validation_failed', `time_zone: ${timeZoneRule}`, { publicDetail: [{ field: 'time_zone', message: timeZoneRule }] });
  }
  return withTransaction(ctx, async (tx) => {
    const current = await tx.store.users.findById(user.id);
    if (!current) throw new GatehouseError('not_found', 'No such person.');
    if (current.timeZone === zone) return false;
    await tx.store.users.update(current.id, { timeZone: zone }, tx.now().getTime());
    await recordAudit(tx, {
      type: 'user.time_zone_changed', outcome: 'success', userId: current.id, username: current.username,
      detail: { by, before: current.timeZone, after: zone },
    }, req ? { req } : {});
    return true;
  });
}
