/**
 * What a person must still do after proving who they are, before the sign-in becomes a session (Keycloak calls
 * them "required actions"): choose a new password when an admin or an import set a temporary one, and save new
 * recovery codes once when they were imported with a TOTP seed and had none. Only flows that end in a new
 * session (login, setup) have them; the HTTP side (`finishFlow`) asks for them each time a flow is `done`.
 */
import { withTransaction, type AppContext } from '../../context.js';
import { recordAudit } from '../../audit/recordAudit.js';
import type { User } from '../../store/repositories/users.js';
import { issueRecoveryCodes } from '../devices.js';
import { advanceFlow } from './storedFlow.js';
import { showRecoveryCodes } from './recoveryCodesStep.js';
import type { LoginFlow, StepMeta } from './types.js';

/**
 * Issues the prompted recovery codes (the prompt is taken atomically, so two sign-ins at once show codes once)
 * and moves the flow to `recovery-codes`, all in one transaction; null when another request took the prompt.
 */
async function promptRecoveryCodes(ctx: AppContext, flow: LoginFlow, user: User, meta: StepMeta): Promise<LoginFlow | null> {
  return withTransaction(ctx, async (tx) => {
    if (!(await tx.store.users.takeRecoveryCodesPrompt(user.id))) return null;
    const codes = await issueRecoveryCodes(tx, user.id, (t, issued) => recordAudit(t, {
      type: 'recovery.issued', outcome: 'success', userId: user.id, username: user.username, reason: 'prompt',
      ip: meta.ip, requestId: meta.requestId ?? null, detail: { count: issued.length },
    }));
    return showRecoveryCodes(tx, flow, codes);
  });
}

/**
 * For a `done` login or setup flow: the flow moved (compare-and-set, new token) to the step the person owes
 * first — `new-password` for a temporary password, then `recovery-codes` for a pending prompt — or null when
 * they owe nothing and the session may start. Each step ends by moving the flow to `done` again. `user` is the flow's
 * person as the caller has just read them.
 */
export async function requiredStep(ctx: AppContext, flow: LoginFlow, user: User | undefined, meta: StepMeta): Promise<LoginFlow | null> {
  if (flow.state !== 'done' || !flow.userId || (flow.data.purpose !== 'login' && flow.data.purpose !== 'setup')) return null;
  if (!user) return null;
  if (user.passwordTemporary) return advanceFlow(ctx, flow, { state: 'new-password' });
  if (user.recoveryCodesPrompt) return promptRecoveryCodes(ctx, flow, user, meta);
  return null;
}
