/** The TOTP factor: a 6-digit code from one of the person's confirmed authenticator apps, each step once. */
import { isGatehouseError } from '../../errors.js';
import { verifyTotp } from '../totp.js';
import { listUsableDevices } from '../devices.js';
import { factorName, type Factor } from '../factors.js';
import { factorFailure, flowSubject, type FactorStrategy } from './strategy.js';

export interface TotpInput { code: string }

/**
 * Tries the code against each confirmed, unflagged TOTP device (±1 step), then records the matched step with
 * the store's compare-and-set: a code used before, or a concurrent submit of the same code that lost the
 * race, is `totp_replayed`.
 */
export const totpStrategy = {
  factor: 'totp',
  auditType: 'login.mfa',
  states: ['mfa'],
  identify: (ctx, flow) => flowSubject(ctx, flow),
  async verify(ctx, _flow, subject, input) {
    const user = subject.user!;
    const devices = await listUsableDevices(ctx, user.id, factorName.totp);
    if (devices.length === 0) throw factorFailure('factor_rejected', 'You have no authenticator app set up. Use another way to sign in.', { reason: 'no_device' });
    const now = ctx.now().getTime();
    let replayedOn: { id: string; name: string } | undefined;
    for (const d of devices) {
      const secret = ctx.secrets.openText(d.secretEnc!, d.id);
      let step: number;
      try {
        step = verifyTotp({ secret, code: input.code, now, lastStep: d.lastStep }).step;
      } catch (e) {
        if (isGatehouseError(e, 'totp_replayed')) { replayedOn = { id: d.id, name: d.name }; continue; }
        if (isGatehouseError(e, 'factor_rejected') && (e.detail as { reason?: string } | undefined)?.reason === 'format') {
          throw factorFailure('factor_rejected', e.message, { reason: 'format' });
        }
        if (isGatehouseError(e, 'factor_rejected')) continue;
        throw e;
      }
      if (!(await ctx.store.devices.consumeTotpStep(d.id, step, now))) {
        throw factorFailure('totp_replayed', 'That code has already been used. Wait for the next code and try again.', { reason: 'replayed', deviceId: d.id, deviceName: d.name });
      }
      return { user, deviceId: d.id, deviceName: d.name, detail: { step } };
    }
    if (replayedOn) {
      throw factorFailure('totp_replayed', 'That code has already been used. Wait for the next code and try again.', { reason: 'replayed', deviceId: replayedOn.id, deviceName: replayedOn.name });
    }
    throw factorFailure('factor_rejected', 'That code is not correct. Check the time on your device and try the newest code.', {
      reason: 'mismatch', ...(devices.length === 1 ? { deviceId: devices[0]!.id, deviceName: devices[0]!.name } : {}),
    });
  },
} satisfies FactorStrategy<Factor, TotpInput>;
