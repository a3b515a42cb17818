/** The `recovery-codes` step of a flow: new recovery codes wait in the flow, sealed, until the page shows them once. */
import type { AppContext } from '../../context.js';
import { advanceFlow } from './storedFlow.js';
import type { FlowData, LoginFlow } from './types.js';
import type { Factor } from '../factors.js';

const codesAad = (userId: string) => `recovery-codes:${userId}`;

/**
 * Moves the flow to `recovery-codes` (new token) holding `codes` sealed with the secrets box (aad =
 * 'recovery-codes:' + the flow's person), with `patch` applied as well. The codes are never stored in clear.
 */
export async function showRecoveryCodes(ctx: AppContext, flow: LoginFlow, codes: readonly string[],
  patch: { factorsDone?: Factor[]; data?: Partial<FlowData>; clear?: (keyof FlowData)[] } = {}): Promise<LoginFlow> {
  return advanceFlow(ctx, flow, {
    ...patch, state: 'recovery-codes', data: { ...patch.data, recoveryCodesSealed: ctx.secrets.seal(JSON.stringify(codes), codesAad(flow.userId ?? '')) },
  });
}

/** The codes a flow in `recovery-codes` holds (opened; for the page only, never logged). */
export function recoveryCodesOf(ctx: AppContext, flow: LoginFlow): string[] {
  return JSON.parse(ctx.secrets.openText(flow.data.recoveryCodesSealed ?? '', codesAad(flow.userId ?? ''))) as string[];
}
