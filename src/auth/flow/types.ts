/**
 * The login flow's types: one stored state machine for every surface (DESIGN.md "One login flow for every surface").
 *
 *   password ──► mfa ──────────────────────────────► done
 *       └─────► enroll-mfa ──► (recovery-codes) ──► done
 *   set-password ──► enroll-mfa …            (setup links: first admin, admin-issued enrollment)
 *   done ──► new-password ──► done           (required steps before a session, requiredSteps.ts: a temporary
 *   done ──► recovery-codes ──► done          password; recovery codes for an imported TOTP seed)
 *
 * storedFlow.ts starts, loads, moves and discards a flow; runFactorStep.ts runs one factor step through a
 * strategy; webauthnChallenge.ts binds WebAuthn challenges to a flow; returnTo.ts checks where a flow may end.
 */
import type { Factor, RequiredFactor, SecondFactor } from '../factors.js';

export const flowStates = ['password', 'set-password', 'mfa', 'enroll-mfa', 'recovery-codes', 'new-password', 'done'] as const;
export type FlowState = (typeof flowStates)[number];
/**
 * What a flow is for: signing in, one more factor for a session, a setup link, adding a device from /account,
 * changing the password from /account (current password, then a second factor), or re-authentication (never
 * stored: `reauthenticate`).
 */
export type FlowPurpose = 'login' | 'step-up' | 'setup' | 'add-device' | 'password-change' | 'reauth';

/** What happens when the flow is done. Other surfaces (SAML, CLI) may add their own fields. */
export interface FlowPending {
  /** Local path to go to when done (validated by `safeReturnTo`). */
  returnTo: string;
  /** ForceAuthn: the flow ran although a session existed. */
  force?: boolean;
  [key: string]: unknown;
}

/** Per-flow scratch data. Never a plain secret: recovery codes waiting to be shown are sealed. */
export interface FlowData {
  purpose: FlowPurpose;
  /** step-up: the factor asked for. */
  stepUpFactor?: RequiredFactor;
  /** step-up, add-device, password-change: the session (id hash) the flow belongs to. */
  sessionHash?: string;
  /** setup: the hash of the one-time link's token (consumed when the password step passes). */
  setupTokenHash?: string;
  /** enroll-mfa: the unconfirmed TOTP device being set up. */
  enrollDeviceId?: string;
  /** The outstanding WebAuthn challenge (its hash) and when it expires. */
  challenge?: { key: string; expiresAt: number; ceremony: 'register' | 'authenticate' };
  /** recovery-codes: the new codes, sealed with the secrets box (aad = 'recovery-codes:' + userId). */
  recoveryCodesSealed?: string;
  /** password-change: the new password's argon2id hash, sealed (aad = 'new-password:' + userId), stored when the second factor passes. */
  newPasswordSealed?: string;
  /** What completed the flow's second step (for the session when done). */
  completed?: { factor: SecondFactor; deviceId: string | null; deviceName: string | null };
}

/** A login flow as the rest of Gatehouse sees it. `token` is what the client holds; the store has only its hash. */
export interface LoginFlow {
  token: string;
  state: FlowState;
  userId: string | null;
  factorsDone: Factor[];
  pending: FlowPending;
  csrf: string;
  data: FlowData;
  createdAt: number;
  expiresAt: number;
}

/** Where a request came from, for lockout and audit. */
export interface StepMeta { ip: string; requestId?: string }
