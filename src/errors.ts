/**
 * Typed errors with stable codes. Every error a caller can see is a GatehouseError; the HTTP layer maps
 * `status` to the response and shows `message` only when `expose` is true (status < 500).
 * Every code is listed in docs/errors.md; test/unit/errors.test.ts checks that code and docs agree.
 */
export const errorCodes = {
  // configuration and start-up
  config_invalid: 500,
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
  factor_rejected: 401,
  totp_replayed: 401,
  webauthn_failed: 401,
  too_many_attempts: 429,
  account_locked: 401,
  device_limit: 409,
  password_rejected: 400,
  forbidden: 403,
  // SAML and AWS
  saml_request_invalid: 400,
  saml_unknown_sp: 400,
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
  // storage
  database_unavailable: 503,
  // anything else
  internal: 500,
} as const satisfies Record<string, number>;

export type ErrorCode = keyof typeof errorCodes;

export interface GatehouseErrorOptions {
  /** Shown to the client only when the error is exposed; otherwise logged. */
  detail?: unknown;
  cause?: unknown;
  /** Override the code's default status. */
  status?: number;
}

/** The one error type of Gatehouse. `expose` says whether `message` may reach the client. */
export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  readonly detail: unknown;

  constructor(code: ErrorCode, message: string, options: GatehouseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatehouseError';
    this.code = code;
    this.status = options.status ?? errorCodes[code];
    this.expose = this.status < 500;
    this.detail = options.detail;
  }
}

/** True when `e` is a GatehouseError, optionally of the given code. */
export function isGatehouseError(e: unknown, code?: ErrorCode): e is GatehouseError {
  return e instanceof GatehouseError && (code === undefined || e.code === code);
}
