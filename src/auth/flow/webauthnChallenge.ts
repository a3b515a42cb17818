/**
 * WebAuthn challenge binding: a challenge issued to a flow is remembered in it (only its hash) and accepted
 * once, for that flow and ceremony only, before it expires.
 */
import type { AppContext } from '../../context.js';
import { challengeKey, type ExpectedChallenge } from '../webauthn.js';
import { advanceFlow } from './storedFlow.js';
import type { LoginFlow } from './types.js';

/**
 * Remembers a freshly issued WebAuthn challenge in the flow (only its hash), expiring after
 * `auth.webauthnChallengeTtlSeconds`. The flow keeps its token: asking for options is not a step.
 */
export async function bindChallenge(ctx: AppContext, flow: LoginFlow, challenge: string, ceremony: 'register' | 'authenticate'): Promise<LoginFlow> {
  const expiresAt = ctx.now().getTime() + ctx.config.auth.webauthnChallengeTtlSeconds * 1000;
  return advanceFlow(ctx, flow, { data: { challenge: { key: challengeKey(challenge), expiresAt, ceremony } } }, { rotate: false });
}

/**
 * The `expectedChallenge` check for a WebAuthn response in this flow: the challenge must be the one this flow
 * was given for this ceremony, unexpired, and not used before (consumed atomically in the store as
 * `webauthn:<hash>`, so it stays single-use across nodes). A challenge from another flow fails.
 */
export function expectedChallengeFor(ctx: AppContext, flow: LoginFlow, ceremony: 'register' | 'authenticate'): ExpectedChallenge {
  return async (challenge: string) => {
    const bound = flow.data.challenge;
    const now = ctx.now().getTime();
    if (!bound || bound.ceremony !== ceremony || bound.expiresAt <= now) return false;
    const key = challengeKey(challenge);
    if (key !== bound.key) return false;
    return ctx.store.singleUse.consume(`webauthn:${key}`, bound.expiresAt, now);
  };
}
