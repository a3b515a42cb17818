/** The password factor: the first step of a sign-in (or re-authentication), with timing equal for unknown people. */
import type { AppContext } from '../../context.js';
import { dummyVerify, hashPassword, needsRehash, verifyPassword } from '../password.js';
import type { Factor } from '../factors.js';
import { factorFailure, type FactorStrategy, type Subject } from './strategy.js';

export interface PasswordInput {
  /** Username or email address, as typed. */
  login: string;
  password: string;
}

const wrong = (reason: string) => factorFailure('invalid_credentials', 'Incorrect username, password or code.', { reason });

/** Finds the person by username or email (case-insensitive); the lockout key is always their username. */
async function identify(ctx: AppContext, flowUserId: string | null, input: PasswordInput): Promise<Subject> {
  if (flowUserId) {
    const user = await ctx.store.users.findById(flowUserId);
    return { user, username: user?.username ?? flowUserId };
  }
  const user = await ctx.store.users.findByLogin(input.login);
  return { user, username: user?.username ?? input.login.trim().toLowerCase() };
}

/**
 * Verifies the password (argon2id, NFKC). Unknown, disabled and password-less people cost one dummy verify
 * and fail like a wrong password. A hash made with old parameters is replaced after a success.
 * In a flow that already names its person (setup, re-authentication) the typed login is ignored.
 */
export const passwordStrategy = {
  factor: 'password',
  auditType: 'login.password',
  states: ['password'],
  identify: (ctx, flow, input) => identify(ctx, flow.userId, input),
  async verify(ctx, _flow, subject, input) {
    const params = ctx.config.auth.argon2;
    const user = subject.user;
    if (!user || user.status !== 'active' || !user.passwordHash) {
      await dummyVerify(input.password, params);
      throw wrong(!user ? 'unknown_user' : user.status !== 'active' ? 'disabled' : 'no_password');
    }
    if (!(await verifyPassword(user.passwordHash, input.password))) throw wrong('wrong_password');
    if (needsRehash(user.passwordHash, params)) {
      await ctx.store.users.update(user.id, { passwordHash: await hashPassword(input.password, params) }, ctx.now().getTime());
    }
    return { user, deviceId: null, deviceName: null };
  },
  async imitate(ctx, input) {
    await dummyVerify(input.password, ctx.config.auth.argon2);
  },
} satisfies FactorStrategy<Factor, PasswordInput>;
