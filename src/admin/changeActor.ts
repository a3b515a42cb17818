/**
 * Who makes an admin change, for its audit event: `by` is an admin's username (console or API), `cli:<os user>`
 * for the command line; `via` says which surface and, for an API token, which token. Every change function in
 * src/admin takes one, so the console, the API and the CLI record the same event for the same change.
 */
import type { AuditRequest } from '../audit/recordAudit.js';

export interface ChangeActor {
  /** The admin's username, or `cli:<os user>`. */
  by: string;
  /** `console`, `api-session`, `api-token:<token id>` or `cli`. */
  via: string;
  /** The HTTP request (its id and client address go into the event); none for the CLI. */
  req?: AuditRequest;
}
