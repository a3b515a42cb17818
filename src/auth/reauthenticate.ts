/** Re-authentication of a signed-in person (the account page): the password again, with the sign-in's protections. */
import type { AppContext } from '../context.js';
import type { User } from '../store/repositories/users.js';
import { factorName } from './factors.js';
import { attemptFactor } from './flow/runFactorStep.js';
import type { LoginFlow, StepMeta } from './flow/types.js';

/**
 * Re-authentication of a signed-in person by password (before removing a device, adding one or new recovery
 * codes): the same lockout, back-off and audit as the sign-in password step, with no stored flow. Like the
 * password step, a right password hands back only its own reservation and clears no other failure.
 * Nothing to store; throws like the password step when the password is wrong.
 */
export async function reauthenticate(ctx: AppContext, user: User, password: string, meta: StepMeta): Promise<void> {
  const now = ctx.now().getTime();
  const transient: LoginFlow = {
    token: '', state: 'password', userId: user.id, factorsDone: [], pending: { returnTo: '/' }, csrf: '', data: { purpose: 'reauth' },
    createdAt: now, expiresAt: now,
  };
  await attemptFactor(ctx, transient, factorName.password, { login: user.username, password }, meta);
}
