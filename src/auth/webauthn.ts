/**
 * WebAuthn (security keys and passkeys): the one seam around @simplewebauthn/server (STYLE.md §2).
 * Nothing else imports it; every error it raises comes out of here as `webauthn_failed` with a message
 * a person can act on (the library's text goes in `cause`, for the log only).
 *
 * No clock, no storage. Challenges: the options carry a fresh random challenge (base64url); the caller
 * keeps `challengeKey(options.challenge)` with the login flow, and on the way back consumes it once,
 * atomically, in the store's single-use table, through the function form of `ExpectedChallenge`.
 * User verification is 'preferred': a PIN or biometric is welcome, not required (password + key is
 * already two factors).
 *
 * The library is imported on the first ceremony, not at start: with its certificate parsers it is about 4 MB of
 * heap in every serving process, and most sign-ins use no security key (issue 12).
 */
import { createHash, randomBytes as nodeRandomBytes } from 'node:crypto';
import type {
  AuthenticationResponseJSON, AuthenticatorTransport, PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON, RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type * as Server from '@simplewebauthn/server';
import type * as Helpers from '@simplewebauthn/server/helpers';
import { GatehouseError } from '../errors.js';
import type { RandomBytes } from './tokens.js';

let loaded: Promise<[typeof Server, typeof Helpers]> | undefined;
/** @simplewebauthn/server and its helpers, imported once, on first use. */
function library(): Promise<[typeof Server, typeof Helpers]> {
  loaded ??= Promise.all([import('@simplewebauthn/server'), import('@simplewebauthn/server/helpers')]);
  return loaded;
}

// Re-exported so that the rest of Gatehouse never imports @simplewebauthn/server, not even for types.
export type {
  AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
};
export type WebAuthnTransport = AuthenticatorTransport;

/**
 * The challenge a response must carry: the base64url string from the options, or a function that is
 * given the response's challenge and returns true only if it was issued to this flow and not used yet —
 * typically one that compares `challengeKey(c)` with the hash the login flow kept and then consumes that
 * hash once with the store's atomic single-use `consume` (so only the hash of a challenge is ever stored).
 */
export type ExpectedChallenge = string | ((challenge: string) => boolean | Promise<boolean>);

/** A credential id (base64url) with the transports the browser reported, if known. */
export type CredentialRef = string | { id: string; transports?: readonly string[] | null };

const TIMEOUT_MS = 5 * 60_000;
/**
 * The COSE algorithms offered and accepted at registration: EdDSA, ES256, RS256, in that order of preference. Set
 * here rather than left to the library, whose default also offers ML-DSA-44 where the runtime has it: on Node 24
 * that is an experimental Web Crypto API (it warns at the first registration), and the offer would change with the
 * Node version.
 */
export const SUPPORTED_ALGORITHM_IDS: readonly number[] = [-8, -7, -257];

/**
 * Options for `navigator.credentials.create()` (send as JSON to the browser). `user.id` is our user id
 * (its UTF-8 bytes become the WebAuthn user handle). `excludeCredentialIds` are the user's existing
 * credentials, so the same key is not registered twice. The caller keeps
 * `challengeKey(options.challenge)` with the login flow (consumed once when the answer comes back).
 */
export async function registrationOptions({
  rpId, rpName, user, excludeCredentialIds = [], attestation = 'none', challenge, randomBytes = nodeRandomBytes,
}: {
  rpId: string;
  rpName: string;
  user: { id: string; username: string; displayName?: string | null };
  excludeCredentialIds?: readonly CredentialRef[];
  attestation?: 'none' | 'direct';
  /** Random challenge bytes; 32 fresh bytes when absent. */
  challenge?: Uint8Array;
  randomBytes?: RandomBytes;
}): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const [{ generateRegistrationOptions }] = await library();
  return wrap('registration options', () => generateRegistrationOptions({
    rpID: rpId,
    rpName,
    userID: new TextEncoder().encode(user.id),
    userName: user.username,
    userDisplayName: user.displayName ?? user.username,
    challenge: Uint8Array.from(challenge ?? randomBytes(32)),
    timeout: TIMEOUT_MS,
    attestationType: attestation,
    excludeCredentials: excludeCredentialIds.map(toDescriptor),
    authenticatorSelection: { residentKey: 'preferred', userVerification: 'preferred' },
    supportedAlgorithmIDs: [...SUPPORTED_ALGORITHM_IDS],
  }));
}

/** What the caller stores for a newly registered credential (mfa_devices row, kind 'webauthn'). */
export interface RegisteredCredential {
  /** base64url credential id: unique, the lookup key at sign-in. */
  credentialId: string;
  /** base64url COSE public key. */
  publicKey: string;
  /** Signature counter at registration (0 for most passkeys). */
  counter: number;
  transports: WebAuthnTransport[];
  /** 'multiDevice' for synced passkeys. */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  userVerified: boolean;
  /** Authenticator model id (all zeros with 'none' attestation from many authenticators). */
  aaguid: string;
}

/**
 * Verify the browser's answer to `registrationOptions`. `expectedChallenge`: see `ExpectedChallenge`
 * (the challenge must be consumed as single-use either way). Rejects cross-origin
 * (iframe) ceremonies. Returns what the caller stores; throws `webauthn_failed` otherwise.
 */
export async function verifyRegistration({ response, expectedChallenge, expectedOrigin, expectedRpId }: {
  response: RegistrationResponseJSON;
  expectedChallenge: ExpectedChallenge;
  expectedOrigin: string | string[];
  expectedRpId: string;
}): Promise<RegisteredCredential> {
  rejectCrossOrigin(response.response?.clientDataJSON);
  const [{ verifyRegistrationResponse }, { isoBase64URL }] = await library();
  const result = await wrap('registration', () => verifyRegistrationResponse({
    response, expectedChallenge, expectedOrigin, expectedRPID: expectedRpId,
    requireUserPresence: true, requireUserVerification: false, supportedAlgorithmIDs: [...SUPPORTED_ALGORITHM_IDS],
  }));
  if (!result.verified) throw new GatehouseError('webauthn_failed', 'The security key\'s registration could not be verified. Try again.', { detail: { reason: 'attestation' } });
  const info = result.registrationInfo;
  return {
    credentialId: info.credential.id,
    publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
    counter: info.credential.counter,
    transports: (info.credential.transports ?? []) as WebAuthnTransport[],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
    userVerified: info.userVerified,
    aaguid: info.aaguid,
  };
}

/**
 * Options for `navigator.credentials.get()` (send as JSON to the browser), listing the user's
 * credentials. The caller keeps `challengeKey(options.challenge)` with the login flow (consumed once when the answer comes back).
 */
export async function authenticationOptions({ rpId, allowCredentialIds, challenge, randomBytes = nodeRandomBytes }: {
  rpId: string;
  allowCredentialIds: readonly CredentialRef[];
  /** Random challenge bytes; 32 fresh bytes when absent. */
  challenge?: Uint8Array;
  randomBytes?: RandomBytes;
}): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const [{ generateAuthenticationOptions }] = await library();
  return wrap('authentication options', () => generateAuthenticationOptions({
    rpID: rpId,
    allowCredentials: allowCredentialIds.map(toDescriptor),
    challenge: Uint8Array.from(challenge ?? randomBytes(32)),
    timeout: TIMEOUT_MS,
    userVerification: 'preferred',
  }));
}

/** A stored credential as `verifyRegistration` returned it. */
export interface StoredCredential {
  id: string;
  /** base64url COSE public key. */
  publicKey: string;
  counter: number;
  transports?: readonly string[] | null;
}

/**
 * Verify the browser's answer to `authenticationOptions` against the stored credential whose id equals
 * `response.id` (the caller looks it up). `expectedChallenge`: see `ExpectedChallenge` (consumed as
 * single-use either way). Rejects cross-origin (iframe) ceremonies.
 *
 * Returns `{ newCounter }`: the caller stores it as the credential's counter (and last_used_at).
 * Counter regression — the signed counter is not above the stored one while either is non-zero — means
 * a cloned authenticator is likely: throws `webauthn_failed` with `detail.counterRegression === true`,
 * and the caller flags the credential (mfa_devices.flagged = 1). That check runs only after the signature
 * has verified, so a forged response cannot get a good credential flagged.
 */
export async function verifyAuthentication({ response, expectedChallenge, expectedOrigin, expectedRpId, credential }: {
  response: AuthenticationResponseJSON;
  expectedChallenge: ExpectedChallenge;
  expectedOrigin: string | string[];
  expectedRpId: string;
  credential: StoredCredential;
}): Promise<{ newCounter: number; userVerified: boolean; backedUp: boolean }> {
  if (response.id !== credential.id || response.rawId !== credential.id) {
    throw new GatehouseError('webauthn_failed', 'This security key is not the one registered for this account.', { detail: { reason: 'credential_mismatch' } });
  }
  rejectCrossOrigin(response.response?.clientDataJSON);
  const [{ verifyAuthenticationResponse }, { isoBase64URL }] = await library();
  let publicKey: Uint8Array<ArrayBuffer>;
  try {
    publicKey = isoBase64URL.toBuffer(credential.publicKey);
  } catch (cause) {
    throw new GatehouseError('internal', 'stored WebAuthn public key is not base64url', { cause });
  }
  const result = await wrap('authentication', () => verifyAuthenticationResponse({
    response, expectedChallenge, expectedOrigin, expectedRPID: expectedRpId,
    // Counter 0 here turns the library's pre-signature counter check off; we check after the signature.
    credential: { id: credential.id, publicKey, counter: 0, transports: (credential.transports ?? undefined) as WebAuthnTransport[] | undefined },
    requireUserVerification: false,
  }));
  if (!result.verified) throw new GatehouseError('webauthn_failed', 'The security key\'s signature is not valid.', { detail: { reason: 'signature' } });
  const { newCounter, userVerified, credentialBackedUp } = result.authenticationInfo;
  if ((newCounter > 0 || credential.counter > 0) && newCounter <= credential.counter) {
    throw new GatehouseError('webauthn_failed', 'This security key reported a use count lower than before, which suggests it was cloned. It has been blocked; ask an administrator.', {
      detail: { reason: 'counter_regression', counterRegression: true, storedCounter: credential.counter, newCounter },
    });
  }
  return { newCounter, userVerified, backedUp: credentialBackedUp };
}

/** SHA-256 (hex) of a base64url challenge: the single-use key the caller stores and later consumes. */
export function challengeKey(challenge: string): string {
  return createHash('sha256').update(challenge, 'utf8').digest('hex');
}

function toDescriptor(ref: CredentialRef): { id: string; transports?: WebAuthnTransport[] } {
  if (typeof ref === 'string') return { id: ref };
  return ref.transports && ref.transports.length > 0 ? { id: ref.id, transports: [...ref.transports] as WebAuthnTransport[] } : { id: ref.id };
}

/** WebAuthn inside a cross-origin iframe is never how Gatehouse is used: reject `crossOrigin: true`. */
function rejectCrossOrigin(clientDataJSON: unknown): void {
  let clientData: unknown;
  try {
    if (typeof clientDataJSON !== 'string') throw new TypeError('clientDataJSON is not a string');
    clientData = JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8'));
  } catch (cause) {
    throw new GatehouseError('webauthn_failed', 'The browser sent a malformed WebAuthn response.', { cause, detail: { reason: 'malformed' } });
  }
  if (typeof clientData !== 'object' || clientData === null) {
    throw new GatehouseError('webauthn_failed', 'The browser sent a malformed WebAuthn response.', { detail: { reason: 'malformed' } });
  }
  const c = clientData as { crossOrigin?: unknown; topOrigin?: unknown };
  if (c.crossOrigin === true || c.topOrigin !== undefined) {
    throw new GatehouseError('webauthn_failed', 'Security keys cannot be used from inside another site\'s frame. Open the sign-in page directly.', { detail: { reason: 'cross_origin' } });
  }
}

/** The library's error texts, mapped to a reason and a message for people. First match wins. */
const errorMap: readonly [RegExp, string, string][] = [
  [/challenge/i, 'challenge', 'This security key request has expired or was already used. Start again.'],
  [/top origin|cross-origin/i, 'cross_origin', 'Security keys cannot be used from inside another site\'s frame. Open the sign-in page directly.'],
  [/origin/i, 'origin', 'The security key answered for a different website address. Make sure you are on the real sign-in page.'],
  [/RP ID/i, 'rp_id', 'The security key answered for a different website. Make sure you are on the real sign-in page.'],
  [/user presence|not present/i, 'user_presence', 'Touch your security key to confirm you are present.'],
  [/user verification|could not be verified/i, 'user_verification', 'Your security key could not verify you (PIN or biometric).'],
  [/counter/i, 'counter', 'This security key reported an unexpected use count.'],
  [/alg|PQC/i, 'algorithm', 'This security key uses a signature algorithm Gatehouse does not accept.'],
  [/attestation|certificate/i, 'attestation', 'The security key\'s attestation could not be verified.'],
  [/type/i, 'type', 'The browser sent a WebAuthn response of the wrong kind.'],
];

/**
 * Run a library call; map whatever it throws to `webauthn_failed` with a message for people.
 * Building options fails only on a configuration bug (a bad RP ID), so that becomes `internal`.
 */
async function wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (cause) {
    if (cause instanceof GatehouseError) throw cause;
    if (what.endsWith('options')) throw new GatehouseError('internal', `could not build WebAuthn ${what}`, { cause });
    const text = cause instanceof Error ? cause.message : String(cause);
    const hit = errorMap.find(([re]) => re.test(text));
    const [reason, message] = hit ? [hit[1], hit[2]] : ['malformed', 'The security key response could not be verified. Try again.'];
    throw new GatehouseError('webauthn_failed', message, { cause, detail: { reason, stage: what } });
  }
}
