/**
 * Running one factor step of a login flow: the factor's strategy (looked up by factor) verifies, with lockout and
 * audit around it, and the flow moves to the state that follows. Factor-specific behaviour comes from the
 * factor's facts (auth/factors.ts), never from its name.
 */
import type { AppContext } from '../../context.js';
import type { User } from '../../store/repositories/users.js';
import { GatehouseError, isGatehouseError } from '../../errors.js';
import { isFirstFactor, isSecondFactor, type Factor } from '../factors.js';
import { backoffError, GENERIC_FAILURE_MESSAGE, giveBackAttempt, lockoutKeys, reserveAttempt, settleFailure } from '../lockout.js';
import type { FactorSuccess } from '../strategies/strategy.js';
import { recordAudit } from '../../audit/recordAudit.js';
import type { AuditDetail } from '../../audit/auditEvents.js';
import { withTransaction } from '../../context.js';
import { strategyFor, type FactorInput } from '../strategies/registry.js';
import { advanceFlow, discardFlow, requireState } from './storedFlow.js';
import type { FlowState, LoginFlow, StepMeta } from './types.js';

/** What a sign-in step's audit event may carry besides its `purpose` (failures: back-off and lock; successes: the strategy's detail). */
type LoginAuditDetail = Omit<AuditDetail<'login.password'> & AuditDetail<'login.mfa'> & AuditDetail<'login.recovery'>, 'purpose'>;

/** The outcome of a factor step: the moved flow and what was verified. */
export interface StepResult { flow: LoginFlow; success: FactorSuccess }

/**
 * Checks one factor with lockout and audit, without moving the flow: who → reserve the attempt (counted against
 * the person and the address BEFORE the verify, so concurrent guesses cannot get past the limits) → verify →
 * audit. While either key is locked, even the right answer gets the generic message; in back-off, a Retry-After.
 * First-factor (password) failures always get the generic message (unknown people too). A verified factor hands
 * back only its own reservation: it never clears other failures (only a complete sign-in does, see `forgetFailures`).
 * An attempt that was not verified stays counted, even when verify failed with a server error.
 */
export async function attemptFactor<F extends Factor>(ctx: AppContext, flow: LoginFlow, factor: F, input: FactorInput<F>, meta: StepMeta): Promise<FactorSuccess> {
  const strategy = strategyFor(factor);
  const subject = await strategy.identify(ctx, flow, input);
  const keys = lockoutKeys(subject.username, meta.ip);
  const who = { userId: subject.user?.id ?? null, username: subject.user?.username ?? subject.username, ip: meta.ip, requestId: meta.requestId };
  const audit = (outcome: 'success' | 'failure', reason: string | null, extra: { deviceId?: string | null; deviceName?: string | null; detail?: LoginAuditDetail } = {}) =>
    recordAudit(ctx, {
      type: strategy.auditType, outcome, ...who, requestId: meta.requestId ?? null, factor: strategy.factor,
      deviceId: extra.deviceId ?? null, deviceName: extra.deviceName ?? null, reason, detail: { purpose: flow.data.purpose, ...extra.detail },
    });

  const reservation = await reserveAttempt(ctx, keys);
  if (!reservation.granted) {
    const gate = reservation.gate;
    if (gate.state === 'backoff') {
      await audit('failure', 'backoff', { detail: { retryAfterSeconds: gate.retryAfterSeconds } });
      throw backoffError(gate.retryAfterSeconds);
    }
    await strategy.imitate?.(ctx, input);
    await audit('failure', 'locked', { detail: { lockedKey: gate.key === keys.ip ? 'ip' : 'user' } });
    throw new GatehouseError('invalid_credentials', GENERIC_FAILURE_MESSAGE, { detail: { reason: 'locked' } });
  }

  let success: FactorSuccess;
  try {
    success = await strategy.verify(ctx, flow, subject, input);
  } catch (e) {
    await settleFailure(ctx, reservation.attempt, who);
    if (!isGatehouseError(e) || e.status >= 500) throw e;
    const d = (e.detail ?? {}) as { reason?: string; deviceId?: string; deviceName?: string };
    await audit('failure', d.reason ?? e.code, { deviceId: d.deviceId, deviceName: d.deviceName });
    if (isFirstFactor(strategy.factor)) throw new GatehouseError('invalid_credentials', GENERIC_FAILURE_MESSAGE, { detail: { reason: d.reason ?? e.code } });
    throw e;
  }
  await giveBackAttempt(ctx, reservation.attempt);
  await audit('success', null, { deviceId: success.deviceId, deviceName: success.deviceName, detail: success.detail });
  return success;
}

/**
 * Runs one factor step of a stored flow (STYLE.md §4): state check → `attemptFactor` → next state, moving the
 * flow to a new token with compare-and-set (a concurrent submit of the same step gets `flow_invalid`).
 * A second factor is remembered as what completed the flow (`data.completed`, for the session).
 */
export async function runFactorStep<F extends Factor>(ctx: AppContext, flow: LoginFlow, factor: F, input: FactorInput<F>, meta: StepMeta): Promise<StepResult> {
  requireState(flow, ...strategyFor(factor).states);
  const success = await attemptFactor(ctx, flow, factor, input, meta);
  const state = await nextState(ctx, flow, success.user, factor);
  const moved = await advanceFlow(ctx, flow, {
    state, userId: success.user.id, factorsDone: [...new Set([...flow.factorsDone, factor])],
    data: isSecondFactor(factor) ? { completed: { factor, deviceId: success.deviceId, deviceName: success.deviceName } } : {},
    clear: ['challenge'],
  });
  return { flow: moved, success };
}

/**
 * The state after a verified factor: after the first factor, `mfa` for a person with a confirmed device, else
 * `enroll-mfa` (forced enrollment) when enrollment at first login is allowed or the flow came from a setup
 * link, else `enrollment_required` (ask an admin for a link). After a second factor: `done`.
 */
export async function nextState(ctx: AppContext, flow: LoginFlow, user: User, factor: Factor): Promise<FlowState> {
  if (!isFirstFactor(factor)) return 'done';
  const devices = await ctx.store.devices.listForUser(user.id, { confirmedOnly: true });
  if (flow.data.purpose === 'setup') return 'enroll-mfa';
  if (devices.length > 0) return 'mfa';
  if (ctx.config.auth.enrollAtFirstLogin) return 'enroll-mfa';
  await withTransaction(ctx, async (tx) => {
    await discardFlow(tx, flow);
    await recordAudit(tx, { type: 'login.enrollment_required', outcome: 'failure', userId: user.id, username: user.username, reason: 'no_device_enrollment_disabled' });
  });
  throw new GatehouseError('enrollment_required', 'You have no two-step verification device yet, and this site does not let you add one at sign-in. Ask your administrator for an enrollment link.');
}
