/**
 * Who makes an admin change, for its audit event: `by` is an admin's username (console or API), `cli:<os user>`
 * for the command line; `via` says which surface and, for an API token, which token; for an admin signed in
 * through the browser, the factor and MFA device of that sign-in. Every change function in src/admin takes one,
 * so the console, the API and the CLI record the same event for the same change.
 */
import type { AuditRequest } from '../audit/recordAudit.js';
import type { Factor } from '../auth/factors.js';

export interface ChangeActor {
  /** The admin's username, or `cli:<os user>`. */
  by: string;
  /** `console`, `api-session`, `api-token:<token id>` or `cli`. */
  via: string;
  /** The HTTP request (its id and client address go into the event); none for the CLI. */
  req?: AuditRequest;
  /** The factor and MFA device the admin's session last confirmed (browser sessions only; a token has none). */
  device?: { factor: Factor; id: string | null; name: string | null };
}

/** What an admin change event says about who made it: `by`, `via`, and the admin's factor and device when known. */
export interface ChangedBy {
  by: string;
  via?: string;
  byFactor?: Factor;
  byDeviceId?: string;
  byDevice?: string;
}

/** The `detail` fields naming who made a change; the one place they are spelled. */
export function changedBy(actor: Pick<ChangeActor, 'by' | 'device'> & { via?: string | undefined }): ChangedBy {
  const d = actor.device;
  return { by: actor.by, ...(actor.via !== undefined ? { via: actor.via } : {}), ...(d ? changedByDevice({ byFactor: d.factor, byDeviceId: d.id ?? undefined, byDevice: d.name ?? undefined }) : {}) };
}

/** The admin's factor and device fields of `o`, those that are set: for code that takes `by` and `via` on their own. */
export function changedByDevice(o: Partial<ChangedBy>): Pick<ChangedBy, 'byFactor' | 'byDeviceId' | 'byDevice'> {
  return {
    ...(o.byFactor ? { byFactor: o.byFactor } : {}),
    ...(o.byDeviceId ? { byDeviceId: o.byDeviceId } : {}),
    ...(o.byDevice ? { byDevice: o.byDevice } : {}),
  };
}
