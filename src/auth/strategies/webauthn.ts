/** The WebAuthn factor: a security key or passkey registered to the person, answering this flow's challenge. */
import { isGatehouseError } from '../../errors.js';
import { verifyAuthentication, type AuthenticationResponseJSON } from '../webauthn.js';
import { factorName, type Factor } from '../factors.js';
import { expectedChallengeFor } from '../flow/webauthnChallenge.js';
import { factorFailure, flowSubject, type FactorStrategy } from './strategy.js';

export interface WebAuthnInput { response: AuthenticationResponseJSON }

/**
 * Looks the credential up (it must be the person's, confirmed and not flagged), verifies the signature against
 * the flow's single-use challenge and the configured origin and RP ID, flags the device on a counter
 * regression, and moves the stored counter on with a compare-and-set.
 */
export const webauthnStrategy = {
  factor: 'webauthn',
  auditType: 'login.mfa',
  states: ['mfa'],
  identify: (ctx, flow) => flowSubject(ctx, flow),
  async verify(ctx, flow, subject, input) {
    const user = subject.user!;
    const credentialId = typeof input.response?.id === 'string' ? input.response.id : '';
    const device = credentialId ? await ctx.store.devices.findByCredentialId(credentialId) : undefined;
    if (!device || device.userId !== user.id || device.kind !== factorName.webauthn || !device.confirmed || !device.publicKey) {
      throw factorFailure('webauthn_failed', 'This security key is not registered for your account.', { reason: 'unknown_credential' });
    }
    const dev = { deviceId: device.id, deviceName: device.name };
    if (device.flagged) throw factorFailure('webauthn_failed', 'This security key has been blocked. Ask an administrator.', { reason: 'flagged', ...dev });
    const { auth } = ctx.config;
    let newCounter: number;
    try {
      ({ newCounter } = await verifyAuthentication({
        response: input.response, expectedChallenge: expectedChallengeFor(ctx, flow, 'authenticate'), expectedOrigin: auth.origin, expectedRpId: auth.rpId,
        credential: { id: device.credentialId!, publicKey: device.publicKey, counter: device.counter ?? 0, transports: device.transports },
      }));
    } catch (e) {
      if (!isGatehouseError(e)) throw e;
      const d = (e.detail ?? {}) as { reason?: string; counterRegression?: boolean };
      if (d.counterRegression) await ctx.store.devices.flag(device.id);
      throw factorFailure('webauthn_failed', e.message, { reason: d.reason ?? 'webauthn', ...dev }, e);
    }
    if (!(await ctx.store.devices.advanceCounter(device.id, device.counter ?? 0, newCounter, ctx.now().getTime()))) {
      throw factorFailure('webauthn_failed', 'This security key was just used from somewhere else. Try again.', { reason: 'counter_race', ...dev });
    }
    return { user, ...dev };
  },
} satisfies FactorStrategy<Factor, WebAuthnInput>;
