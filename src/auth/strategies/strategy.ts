/**
 * One interface for every sign-in factor (STYLE.md §4); registry.ts has the strategy of each factor.
 * `flow/runFactorStep` drives a strategy: it asks who the attempt is for, checks lockout, calls
 * `verify`, counts failures, writes the audit event and moves the flow on.
 * Strategies import the flow's types, never the flow engine (no import cycle).
 */
import type { AppContext } from '../../context.js';
import type { User } from '../../store/repositories/users.js';
import { GatehouseError } from '../../errors.js';
import type { Factor } from '../factors.js';
import type { AuditDetail } from '../../audit/auditEvents.js';
import type { FlowState, LoginFlow } from '../flow/types.js';

/** Who an attempt is for. `user` is undefined when the typed login names nobody. */
export interface Subject {
  user: User | undefined;
  /** The username the lockout counter is kept under (the typed login when nobody has it). */
  username: string;
}

/** A verified factor (the strategy's own): what the session and the audit event record. */
export interface FactorSuccess {
  user: User;
  deviceId: string | null;
  deviceName: string | null;
  /** Extra audit detail (never a secret): the TOTP time step used, or the recovery codes left. */
  detail?: Pick<AuditDetail<'login.mfa'>, 'step'> & Pick<AuditDetail<'login.recovery'>, 'remaining'>;
}

/**
 * A sign-in factor. `verify` consumes whatever is single-use (TOTP step, WebAuthn challenge, recovery code)
 * and throws a GatehouseError whose `detail` may carry `reason`, `deviceId` and `deviceName` for the audit.
 */
export interface FactorStrategy<F extends Factor, I> {
  readonly factor: F;
  /** Audit event type of each attempt. */
  readonly auditType: 'login.password' | 'login.mfa' | 'login.recovery';
  /** Flow states in which this factor may be submitted. */
  readonly states: readonly FlowState[];
  /** Who the attempt is for: the flow's person, or for a first factor whoever the input names. */
  identify(ctx: AppContext, flow: LoginFlow, input: I): Promise<Subject>;
  verify(ctx: AppContext, flow: LoginFlow, subject: Subject, input: I): Promise<FactorSuccess>;
  /** Spends about the time `verify` would, checking nothing: used while the person is locked. */
  imitate?(ctx: AppContext, input: I): Promise<void>;
}

/** The flow's person (second factors): flow_invalid when the flow has none or they have gone. */
export async function flowSubject(ctx: AppContext, flow: LoginFlow): Promise<Subject & { user: User }> {
  const user = flow.userId ? await ctx.store.users.findById(flow.userId) : undefined;
  if (!user || user.status !== 'active') throw new GatehouseError('flow_invalid', 'This sign-in cannot continue. Start again.');
  return { user, username: user.username };
}

/** A failure of `verify`, with what the audit records. */
export function factorFailure(code: 'invalid_credentials' | 'factor_rejected' | 'totp_replayed' | 'webauthn_failed', message: string,
  detail: { reason: string; deviceId?: string | null; deviceName?: string | null; [k: string]: unknown }, cause?: unknown): GatehouseError {
  return new GatehouseError(code, message, { detail, cause });
}
