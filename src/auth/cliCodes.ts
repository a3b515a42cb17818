/**
 * Browser login of the CLI (docs/cli-api.md), like `aws sso login`: the CLI listens on a loopback port and opens
 * `/cli/authorize` with a PKCE challenge (S256 only); a signed-in person approves; Gatehouse sends a one-time code
 * to the loopback address; the CLI redeems it with its verifier at the token endpoint. A code is single-use (the
 * store consumes it atomically, right or wrong), expires after `cli.authorizationCodeTtlSeconds`, and is bound to
 * the challenge and to the redirect URI, port included. What the CLI gets is a session of the person who approved.
 */
import { createHash } from 'node:crypto';
import type { AppContext } from '../context.js';
import type { User } from '../store/repositories/users.js';
import { recordAudit, type AuditRequest } from '../audit/recordAudit.js';
import { GatehouseError, isGatehouseError } from '../errors.js';
import { hashToken, newToken, safeEqual } from './tokens.js';
import { auditRef, deviceName, invalidCodeGrant, issueCliToken, refuseGrant, strongestFactor, type CliFactor, type TokenGrant } from './cliTokens.js';

/** The loopback redirect URIs a CLI may use: `http://127.0.0.1:<port>/callback` or `http://localhost:<port>/callback`. */
const loopbackRedirect = /^http:\/\/(?:127\.0\.0\.1|localhost):([1-9][0-9]{0,4})\/callback$/;
/** RFC 7636 §4.1: 43–128 unreserved characters. */
export const codeVerifierPattern = /^[A-Za-z0-9._~-]{43,128}$/;
/** base64url of a SHA-256 digest, without padding. */
export const codeChallengePattern = /^[A-Za-z0-9_-]{43}$/;
/** One-time codes are 256 random bits, base64url. */
export const authorizationCodePattern = /^[A-Za-z0-9_-]{43}$/;

/** A checked loopback redirect URI and its port. */
export interface LoopbackRedirect { uri: string; port: number }

/** The redirect URI when it is exactly a loopback callback with a port 1–65535; undefined otherwise. */
export function parseLoopbackRedirect(uri: string): LoopbackRedirect | undefined {
  const m = loopbackRedirect.exec(uri);
  const port = Number(m?.[1]);
  return m && port <= 65535 ? { uri, port } : undefined;
}

/** The S256 code challenge of a verifier: base64url(SHA-256(verifier)). */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A signed-in browser session, as far as approving a CLI sign-in needs it. */
export interface ApprovingSession {
  user: User;
  /** Factors the session has proved, e.g. ['password', 'totp']. */
  factors: readonly string[];
  deviceId: string | null;
  createdAt: number;
  expiresAt: number;
}

/** The CLI sign-in a browser session gives: its person and strongest factor, its sign-in time and its end. */
export function signInOfSession(session: ApprovingSession): { user: User; factor: CliFactor; deviceId: string | null; authenticatedAt: number; notAfter: number } {
  const factor = strongestFactor(session.factors);
  if (!factor) throw new GatehouseError('mfa_required', 'Confirm with your second factor first.');
  return { user: session.user, factor, deviceId: session.deviceId, authenticatedAt: session.createdAt, notAfter: session.expiresAt };
}

/**
 * Issues the one-time code after a person approved at `/cli/authorize`: stores its hash, bound to the challenge and
 * the redirect URI, with a `cli.authorize` audit event in one transaction. The caller sends the code (only) to the
 * redirect URI.
 */
export async function issueAuthorizationCode(ctx: AppContext, a: {
  session: ApprovingSession; clientName: string; codeChallenge: string; redirect: LoopbackRedirect;
}, req?: AuditRequest): Promise<string> {
  const signIn = signInOfSession(a.session);
  const now = ctx.now().getTime();
  const code = newToken(32);
  const codeHash = hashToken(code);
  const device = await deviceName(ctx, signIn.deviceId);
  await ctx.store.transaction(async (tx) => {
    await tx.cliCodes.create({
      codeHash, userId: signIn.user.id, factor: signIn.factor, deviceId: signIn.deviceId, clientName: a.clientName, codeChallenge: a.codeChallenge,
      redirectUri: a.redirect.uri, authenticatedAt: signIn.authenticatedAt, sessionExpiresAt: signIn.notAfter, createdAt: now,
      expiresAt: now + ctx.config.cli.authorizationCodeTtlSeconds * 1000,
    });
    await recordAudit({ ...ctx, store: tx }, {
      type: 'cli.authorize', outcome: 'success', userId: signIn.user.id, username: signIn.user.username, factor: signIn.factor, deviceId: signIn.deviceId,
      deviceName: device, detail: { clientName: a.clientName, redirectPort: a.redirect.port, ref: auditRef(codeHash) },
    }, { req });
  });
  return code;
}

/** Records that the person cancelled a CLI sign-in at `/cli/authorize` (the CLI gets `error=access_denied`). */
export async function recordAuthorizeCancelled(ctx: AppContext, a: { session: ApprovingSession; clientName: string; redirect: LoopbackRedirect }, req?: AuditRequest): Promise<void> {
  await recordAudit(ctx, {
    type: 'cli.authorize', outcome: 'failure', reason: 'access_denied', userId: a.session.user.id, username: a.session.user.username,
    factor: strongestFactor(a.session.factors) ?? null, deviceId: a.session.deviceId, detail: { clientName: a.clientName, redirectPort: a.redirect.port },
  }, { req });
}

/**
 * Redeems a one-time code (grant `authorization_code`): consumes it in the store first, then checks that it has
 * not expired, that `redirectUri` is the one it was issued for, and that the verifier's S256 is its challenge, and
 * that its person is still active. Any failure is `invalid_grant`, audited with the reason; success issues a CLI
 * session of the person who approved, ending no later than the browser session that approved it, and tied to the
 * code. A code used again (`replayed`) revokes the token its first redemption gave (RFC 6749 §4.1.2: someone else
 * holds the code, so the token may be theirs), or, when that redemption is still under way, keeps it from being
 * issued.
 */
export async function redeemAuthorizationCode(ctx: AppContext, r: { code: string; codeVerifier: string; redirectUri: string }, req?: AuditRequest): Promise<TokenGrant> {
  const codeHash = hashToken(r.code);
  const found = await ctx.store.cliCodes.consume(codeHash, ctx.now().getTime());
  if (found.outcome === 'unknown') throw await refuseGrant(ctx, { via: 'browser', hash: codeHash }, 'unknown', invalidCodeGrant(), req);
  const { code } = found;
  const user = await ctx.store.users.findById(code.userId);
  const grant = { via: 'browser' as const, hash: codeHash, clientName: code.clientName, ...(user ? { person: { user, factor: code.factor, deviceId: code.deviceId } } : {}) };
  if (found.outcome === 'used') {
    const revoked = await revokeReplayed(ctx, codeHash);
    throw await refuseGrant(ctx, { ...grant, ...(revoked ? { revoked } : {}) }, 'replayed', invalidCodeGrant(), req);
  }
  const reason = found.outcome === 'expired' ? 'expired'
    : code.redirectUri !== r.redirectUri ? 'redirect_mismatch'
      : !safeEqual(s256Challenge(r.codeVerifier), code.codeChallenge) ? 'verifier_mismatch'
        : !user || user.status !== 'active' ? 'disabled'
          : code.sessionExpiresAt <= ctx.now().getTime() ? 'session_ended'
            : null;
  const factor = strongestFactor([code.factor]);
  if (reason || !user || !factor) throw await refuseGrant(ctx, grant, reason ?? 'disabled', invalidCodeGrant(), req);
  try {
    return await issueCliToken(ctx, {
      user, factor, deviceId: code.deviceId, via: 'browser', clientName: code.clientName, authenticatedAt: code.authenticatedAt, notAfter: code.sessionExpiresAt, codeHash,
    }, req);
  } catch (e) {
    if (isGatehouseError(e, 'invalid_grant') && (e.detail as { reason?: string } | undefined)?.reason === 'replayed') throw await refuseGrant(ctx, grant, 'replayed', e, req);
    throw e;
  }
}

/** Marks a used code replayed and revokes the token it gave, in one transaction; returns that token's hash if it was still live. */
async function revokeReplayed(ctx: AppContext, codeHash: string): Promise<string | undefined> {
  const now = ctx.now().getTime();
  return ctx.store.transaction(async (tx) => {
    const tokenHash = await tx.cliCodes.markReplayed(codeHash, now);
    return tokenHash !== null && await tx.cliTokens.revoke(tokenHash, now) ? tokenHash : undefined;
  });
}
