/**
 * Browser login with PKCE, like `aws sso login`: a loopback listener, the browser opened at
 * /cli/authorize, the one-time code redeemed with the verifier. With `factor: 'webauthn'` the person
 * confirms with a security key (step-up for a role that needs one).
 */
import type { TokenGrant } from './apiSchemas.js';
import type { GatehouseApi } from './gatehouseApi.js';
import { startLoopbackCallback } from './loopbackCallback.js';
import { openBrowser } from './openBrowser.js';
import { createPkcePair } from './pkce.js';

/** How long the CLI waits for the browser. */
export const browserTimeoutMs = 5 * 60_000;

/** The /cli/authorize URL for a PKCE pair and a redirect URI. */
export function authorizeUrl(baseUrl: string, o: { redirectUri: string; challenge: string; state: string; clientName: string; factor?: 'webauthn' | undefined }): string {
  const q = new URLSearchParams({
    redirect_uri: o.redirectUri, code_challenge: o.challenge, code_challenge_method: 'S256', state: o.state, client_name: o.clientName,
    ...(o.factor ? { factor: o.factor } : {}),
  });
  return `${baseUrl}/cli/authorize?${q.toString()}`;
}

/** Signs in through the browser and returns the new CLI session. `say` writes progress for the person. */
export async function browserLogin(api: GatehouseApi, o: { clientName: string; factor?: 'webauthn' | undefined; reason?: string | undefined; say: (line: string) => void; timeoutMs?: number }): Promise<TokenGrant> {
  const pkce = createPkcePair();
  const callback = await startLoopbackCallback({ state: pkce.state, timeoutMs: o.timeoutMs ?? browserTimeoutMs });
  try {
    const url = authorizeUrl(api.baseUrl, { redirectUri: callback.redirectUri, challenge: pkce.challenge, state: pkce.state, clientName: o.clientName, factor: o.factor });
    o.say(o.reason ?? (o.factor === 'webauthn' ? 'Confirm with your security key in the browser.' : `Sign in to ${api.baseUrl} in the browser.`));
    const opened = await openBrowser(url);
    o.say(`${opened ? 'If the browser did not open, visit' : 'Open this address in a browser on this computer'}:\n  ${url}`);
    const code = await callback.code;
    return await api.redeemCode({ code, codeVerifier: pkce.verifier, redirectUri: callback.redirectUri });
  } finally {
    callback.close();
  }
}
