/** The recovery-code factor: the last resort when no device is at hand; each code works once. */
import { hashRecoveryCode, isRecoveryCodeShape } from '../recoveryCodes.js';
import { factorFacts, type Factor } from '../factors.js';
import { factorFailure, flowSubject, type FactorStrategy } from './strategy.js';

export interface RecoveryInput { code: string }

/** Marks the code used with the store's atomic "used where unused"; a used or unknown code is `factor_rejected`. */
export const recoveryStrategy = {
  factor: 'recovery',
  auditType: 'login.recovery',
  states: ['mfa'],
  identify: (ctx, flow) => flowSubject(ctx, flow),
  async verify(ctx, _flow, subject, input) {
    const user = subject.user!;
    const code = typeof input.code === 'string' ? input.code : '';
    if (!isRecoveryCodeShape(code)) throw factorFailure('factor_rejected', 'A recovery code looks like xxxx-xxxx-xxxx.', { reason: 'format' });
    if (!(await ctx.store.devices.consumeRecoveryCode(user.id, hashRecoveryCode(code), ctx.now().getTime()))) {
      throw factorFailure('factor_rejected', 'That recovery code is not valid or was used already.', { reason: 'unknown_or_used' });
    }
    const remaining = await ctx.store.devices.remainingRecoveryCodes(user.id);
    return { user, deviceId: null, deviceName: factorFacts.recovery.label.noun, detail: { remaining } };
  },
} satisfies FactorStrategy<Factor, RecoveryInput>;
