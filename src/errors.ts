/**
 * Typed errors with stable codes. Every error a caller can see is a GatehouseError; the HTTP layer maps
 * `status` to the response and shows `message` only when `expose` is true (status < 500).
 * Every code is listed in docs/errors.md; test/unit/errors.test.ts checks that code and docs agree.
 *
 * What a client may see is explicit (docs/errors.md "What a client sees"):
 * - `code`, and `message` when exposed;
 * - `publicDetail`, only for the codes in {@link PublicDetails} (typed per code), and only when exposed;
 * - never `detail`: it is for the log and the audit (reasons, ids, counters), whatever the status.
 */
import type { RequiredFactor } from './auth/factors.js';
export const errorCodes = {
  // configuration and start-up
  config_invalid: 500,
  listen_failed: 500,
  database_login_refused: 500,
  database_not_found: 500,
  file_not_writable: 500,
  identity_changed: 500,
  // input
  bad_request: 400,
  validation_failed: 400,
  payload_too_large: 413,
  not_found: 404,
  conflict: 409,
  // directory file / import
  directory_invalid: 400,
  // authentication
  csrf_invalid: 403,
  invalid_credentials: 401,
  flow_expired: 410,
  flow_invalid: 400,
  session_required: 401,
  mfa_required: 403,
  enrollment_required: 403,
  password_change_required: 403,
  factor_rejected: 401,
  totp_replayed: 401,
  webauthn_failed: 401,
  too_many_attempts: 429,
  device_limit: 409,
  password_rejected: 400,
  forbidden: 403,
  reauth_required: 403,
  api_token_invalid: 401,
  // SAML and AWS
  saml_request_invalid: 400,
  saml_unknown_sp: 400,
  saml_sp_disabled: 403,
  saml_acs_mismatch: 400,
  saml_signature_invalid: 400,
  saml_request_replayed: 400,
  saml_request_stale: 400,
  saml_doctype_forbidden: 400,
  saml_subject_mismatch: 403,
  aws_lint_failed: 422,
  no_roles: 403,
  role_not_allowed: 403,
  relay_state_rejected: 400,
  signing_key_missing: 500,
  sts_error: 502,
  // command line (the token endpoint answers with these as RFC 6749 / 8628 `error` values)
  invalid_request: 400,
  unsupported_grant_type: 400,
  invalid_grant: 400,
  authorization_pending: 400,
  slow_down: 400,
  expired_token: 400,
  access_denied: 400,
  user_code_invalid: 400,
  // storage
  database_unavailable: 503,
  // anything else
  internal: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof errorCodes;

/** One broken rule, as a client is shown it: a stable rule id and a sentence. */
export interface PublicRuleViolation {
  rule: string;
  message: string;
}

/** One refused input field: its path (`metadata`, `role`, `body` for the whole body) and why. */
export interface PublicFieldError {
  field: string;
  message: string;
}

/**
 * The data a client may see beyond code and message, per code: sent as `error.detail` in JSON and shown on
 * the error page. Only these codes carry it; docs/errors.md lists the same set.
 */
export interface PublicDetails {
  /** Each AWS (or Identity Center) rule the assertion broke; nothing was signed. */
  aws_lint_failed: PublicRuleViolation[];
  /** How long to wait before the next attempt (also the Retry-After header). */
  too_many_attempts: { retryAfterSeconds: number };
  /** Each field of the request that was refused. */
  validation_failed: PublicFieldError[];
  /** The factor the person must confirm first (a CLI starts a browser step-up for it). */
  mfa_required: { requireFactor: RequiredFactor };
  /** Where to confirm a second factor again (a browser page), and how recent it must be. */
  reauth_required: { reauthUrl: string; maxAgeSeconds: number };
}

/** A code whose errors may carry `publicDetail`. */
export type PublicDetailCode = keyof PublicDetails;

/** The public detail an error of code `C` may carry (`never` for every other code). */
export type PublicDetail<C extends ErrorCode> = C extends PublicDetailCode ? PublicDetails[C] : never;

const publicDetailSet = { aws_lint_failed: true, too_many_attempts: true, validation_failed: true, mfa_required: true, reauth_required: true } as const satisfies Record<PublicDetailCode, true>;

/** The codes whose errors may carry `publicDetail` (the keys of {@link PublicDetails}). */
export const publicDetailCodes = Object.keys(publicDetailSet) as readonly PublicDetailCode[];

export interface GatehouseErrorOptions<C extends ErrorCode = ErrorCode> {
  /**
   * For the log and the audit only; NEVER sent to a client, whatever the status. Put reasons, ids,
   * counters and anything that tells one failure from another here.
   */
  detail?: unknown;
  /**
   * Sent to the client (JSON `error.detail`, and on the error page) when the error is exposed. Only the
   * codes of {@link PublicDetails} take it, with the shape given there.
   */
  publicDetail?: PublicDetail<C>;
  cause?: unknown;
  /** Override the code's default status. */
  status?: number;
}

/**
 * The one error type of Gatehouse. `expose` says whether `message` (and `publicDetail`) may reach the
 * client; `detail` never does.
 */
export class GatehouseError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly status: number;
  readonly expose: boolean;
  /** Log and audit only: never sent to a client. */
  readonly detail: unknown;
  /** Sent to the client when exposed; see {@link PublicDetails}. */
  readonly publicDetail: PublicDetail<C> | undefined;

  constructor(code: C, message: string, options: GatehouseErrorOptions<C> = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatehouseError';
    this.code = code;
    this.status = options.status ?? errorCodes[code];
    this.expose = this.status < 500;
    this.detail = options.detail;
    this.publicDetail = options.publicDetail;
  }
}

/** True when `e` is a GatehouseError, optionally of the given code. */
export function isGatehouseError<C extends ErrorCode = ErrorCode>(e: unknown, code?: C): e is GatehouseError<C> {
  return e instanceof GatehouseError && (code === undefined || e.code === code);
}
