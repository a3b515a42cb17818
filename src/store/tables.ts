/**
 * Row types of every table, as Kysely sees them. Timestamps are integer milliseconds since the epoch,
 * booleans are 0/1, JSON columns are text: the same on SQLite and PostgreSQL.
 * Each table is documented in docs/storage.md.
 */
import type { Generated } from 'kysely';
import type { DeviceFactor, RequiredFactor } from '../auth/factors.js';

export interface UsersTable {
  id: string;
  username: string;
  /** Lower-cased username: unique, used for case-insensitive sign-in. */
  username_lower: string;
  email: string | null;
  email_lower: string | null;
  display_name: string | null;
  status: 'active' | 'disabled';
  /** JSON object of string attributes (CostCenter, …). */
  attributes: string;
  password_hash: string | null;
  /** Factor used at the last successful sign-in: offered first next time. */
  last_factor: string | null;
  /** IANA time zone the person's pages show times in; null: the configured `ui.timeZone` (migration 008). */
  time_zone: string | null;
  /** 1 when an admin or an import set the password as temporary: the person chooses a new one after the second factor. */
  password_temporary: number;
  /** 1 when the person is to be shown new recovery codes once, after their next sign-in (imported TOTP seed, no codes). */
  recovery_codes_prompt: number;
  created_at: number;
  updated_at: number;
}

export interface GroupsTable {
  id: string;
  name: string;
  description: string | null;
  /** JSON object of session tags given to members. */
  tags: string;
  created_at: number;
}

export interface MembershipsTable {
  user_id: string;
  group_id: string;
}

export interface AwsAccountsTable {
  id: string;
  alias: string;
  partition: 'aws' | 'aws-us-gov' | 'aws-cn';
  provider_name: string;
  /** Optional region for a regional sign-in endpoint; null = global endpoint. */
  region: string | null;
}

export interface RoleMappingsTable {
  id: string;
  group_id: string;
  account_id: string;
  role_name: string;
  session_duration: number | null;
  require_factor: RequiredFactor | null;
  /** JSON array of CIDR ranges; empty = any address. */
  source_ips: string;
}

export interface MfaDevicesTable {
  id: string;
  user_id: string;
  /** The factor the device proves. */
  kind: DeviceFactor;
  name: string;
  /** TOTP: encrypted seed (base64 AES-256-GCM). */
  secret_enc: string | null;
  /** TOTP: last accepted time step; compare-and-set keeps each step single-use. */
  last_step: number | null;
  /** WebAuthn: base64url credential id (unique). */
  credential_id: string | null;
  public_key: string | null;
  counter: number | null;
  transports: string | null;
  /** 1 when a counter regression was seen: a cloned authenticator is suspected. */
  flagged: number;
  /** 0 until enrollment is confirmed. */
  confirmed: number;
  created_at: number;
  last_used_at: number | null;
}

export interface RecoveryCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  used_at: number | null;
  created_at: number;
}

/** Bearer tokens of the admin REST API (only their SHA-256 is stored). */
export interface AdminApiTokensTable {
  id: string;
  token_hash: string;
  name: string;
  /** 'read' or 'write'. */
  scope: string;
  /** The admin who created it (users.id); the token acts as that person, while they remain an admin. */
  created_by: string;
  created_at: number;
  expires_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

export interface SessionsTable {
  /** SHA-256 (hex) of the cookie's random id. */
  id_hash: string;
  user_id: string;
  /** JSON array of factors done, e.g. ["password","totp"]. */
  factors: string;
  auth_method: string | null;
  device_id: string | null;
  csrf: string;
  created_at: number;
  last_seen_at: number;
  expires_at: number;
  /** When the person last proved a second factor in this session (sign-in or step-up); null on rows from before 006. */
  authenticated_at: number | null;
}

export interface LoginFlowsTable {
  id: string;
  state: string;
  user_id: string | null;
  factors_done: string;
  /** JSON FlowPending (auth/loginFlow.ts): where to go when done (`returnTo`), whether ForceAuthn started it, and surface-specific fields. */
  pending: string;
  csrf: string;
  /** JSON FlowData (auth/loginFlow.ts): the purpose and per-state scratch (the WebAuthn challenge's hash, the id of the TOTP device being enrolled, sealed recovery codes, …). Never a plain secret. */
  data: string;
  created_at: number;
  expires_at: number;
}

export interface SingleUseTable {
  /** Namespaced key, e.g. "authn-request:<SP entity id>:<request id>" or "webauthn:<challenge hash>". */
  key: string;
  expires_at: number;
}

export interface AuditEventsTable {
  id: Generated<number>;
  /** Position in the hash chain: 1, 2, 3, … without gaps, assigned under the chain head's lock. */
  seq: number;
  at: number;
  type: string;
  outcome: 'success' | 'failure' | 'info';
  user_id: string | null;
  username: string | null;
  ip: string | null;
  factor: string | null;
  device_id: string | null;
  device_name: string | null;
  reason: string | null;
  request_id: string | null;
  /** JSON object of event-specific details (roles, tags, SP, assertion id, …). */
  detail: string;
  /** `hash` of the event at `seq - 1` (64 zeros for seq 1). */
  prev_hash: string;
  /** SHA-256 (hex) over this row's content and `prev_hash` (src/store/auditChain.ts). */
  hash: string;
}

/** The one row (id 1) that says where the audit chain ends; appending locks and moves it. */
export interface AuditChainHeadTable {
  id: number;
  /** `seq` of the newest event (0 while the log is empty). */
  seq: number;
  /** `hash` of the newest event (64 zeros while the log is empty). */
  hash: string;
}

export interface ServiceProvidersTable {
  id: string;
  entity_id: string;
  name: string;
  kind: 'generic' | 'identity-center';
  metadata_xml: string;
  /** JSON array of {url, index, binding, isDefault}. */
  acs: string;
  want_requests_signed: number;
  /** JSON array of base64 DER certificates. */
  signing_certs: string;
  name_id_format: string | null;
  created_at: number;
  /** 1: the SP may sign people in; 0: disabled by an admin (migration 009). */
  enabled: Generated<number>;
}

export interface SigningKeysTable {
  id: string;
  state: 'next' | 'active' | 'retired';
  private_key_enc: string;
  certificate_pem: string;
  created_at: number;
  activated_at: number | null;
  retired_at: number | null;
}

export interface ThrottlesTable {
  /** "user:<username_lower>" or "ip:<address>". */
  key: string;
  failures: number;
  first_failure_at: number;
  last_failure_at: number;
  /** The latest counted attempt before `last_failure_at` in the same count (null: the count began with it); a hand-back restores it. */
  previous_failure_at: number | null;
  locked_until: number | null;
}

export interface EnrollmentTokensTable {
  /** SHA-256 (hex) of the token in the link. */
  token_hash: string;
  user_id: string;
  purpose: 'first-admin' | 'enroll';
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface CliTokensTable {
  /** SHA-256 (hex) of the bearer token; the token itself is given to the CLI once and never stored. */
  token_hash: string;
  user_id: string;
  /** The strongest second factor of the sign-in (`totp`, `webauthn`, `recovery`): what roles the token may use. */
  factor: string;
  /** The MFA device that factor was proved with. */
  device_id: string | null;
  /** How the CLI signed in: `terminal`, `browser` (PKCE code) or `device`. */
  via: string;
  /** The computer's name as the CLI gave it (shown on approval pages, kept for the audit log). */
  client_name: string;
  /** When the factor was proved (for browser and device logins: when the browser session signed in). */
  authenticated_at: number;
  created_at: number;
  last_used_at: number;
  /** Absolute expiry: `cli.tokenLifetimeSeconds`, never after the browser session it came from. */
  expires_at: number;
  /** Set at logout or when the person was found disabled; the token is refused from then on. */
  revoked_at: number | null;
}

export interface CliCodesTable {
  /** SHA-256 (hex) of the one-time code sent to the CLI's loopback address. */
  code_hash: string;
  user_id: string;
  factor: string;
  device_id: string | null;
  client_name: string;
  /** base64url SHA-256 of the CLI's code_verifier (PKCE, S256 only). */
  code_challenge: string;
  /** The loopback redirect URI (with its port) the code was issued for; redemption must name the same. */
  redirect_uri: string;
  authenticated_at: number;
  /** The approving browser session's expiry: the CLI session may not outlive it. */
  session_expires_at: number;
  created_at: number;
  expires_at: number;
  /** Set once, atomically, by the first redemption attempt (right or wrong). */
  used_at: number | null;
  /** The CLI token this code's redemption issued (its hash), set in the token's own transaction. */
  token_hash: string | null;
  /** Set by the first redemption attempt after the code was used: the token it gave (if any) is revoked then. */
  replayed_at: number | null;
}

export interface CliDeviceCodesTable {
  /** SHA-256 (hex) of the device code the CLI polls with. */
  device_code_hash: string;
  /** The 8 letters the person types or compares (without the hyphen); unique. */
  user_code: string;
  client_name: string;
  /** `pending` → `approved` | `denied`; `approved` → `redeemed` (each move is one conditional update). */
  status: 'pending' | 'approved' | 'denied' | 'redeemed';
  /** Minimum time between two polls; grows by 5 s at each `slow_down`. */
  interval_ms: number;
  last_polled_at: number | null;
  /** The person who approved (whose token the CLI gets) or denied. */
  user_id: string | null;
  factor: string | null;
  device_id: string | null;
  authenticated_at: number | null;
  session_expires_at: number | null;
  decided_at: number | null;
  created_at: number;
  expires_at: number;
}

export interface SettingsTable {
  key: string;
  value: string;
}

export interface Database {
  users: UsersTable;
  groups: GroupsTable;
  memberships: MembershipsTable;
  aws_accounts: AwsAccountsTable;
  role_mappings: RoleMappingsTable;
  mfa_devices: MfaDevicesTable;
  recovery_codes: RecoveryCodesTable;
  sessions: SessionsTable;
  login_flows: LoginFlowsTable;
  single_use: SingleUseTable;
  audit_events: AuditEventsTable;
  audit_chain_head: AuditChainHeadTable;
  service_providers: ServiceProvidersTable;
  signing_keys: SigningKeysTable;
  throttles: ThrottlesTable;
  enrollment_tokens: EnrollmentTokensTable;
  settings: SettingsTable;
  cli_tokens: CliTokensTable;
  cli_codes: CliCodesTable;
  cli_device_codes: CliDeviceCodesTable;
  admin_api_tokens: AdminApiTokensTable;
}
