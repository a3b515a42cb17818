/**
 * CLI sessions (docs/cli-api.md): a random bearer token `gatehouse_cli_…` that the CLI keeps and sends as
 * `Authorization: Bearer …`; the store keeps only its hash. A token is bound to the person and to the strongest
 * factor they proved, lives `cli.tokenLifetimeSeconds` (never longer than a browser session, and never past the
 * browser session it was approved from), and is refused once revoked (logout), expired, or its person disabled,
 * which is checked on every use. Every issue and every refusal of a known token is audited.
 */
import type { AppContext } from '../context.js';
import type { User } from '../store/repositories/users.js';
import type { CliToken, CliVia } from '../store/repositories/cliTokens.js';
import { recordAudit, type AuditRequest } from '../audit/recordAudit.js';
import { GatehouseError } from '../errors.js';
import { hashToken, newToken } from './tokens.js';
import { discardFlow } from './flow/storedFlow.js';
import type { LoginFlow } from './flow/types.js';
import { factorFacts, secondFactors, type SecondFactor } from './factors.js';
import { forgetFailures } from './lockout.js';

/** Every CLI bearer token starts with this (secret scanners can find leaked ones). */
export const CLI_TOKEN_PREFIX = 'gatehouse_cli_';
/** 256 random bits, base64url: 43 characters after the prefix. */
const tokenPattern = /^gatehouse_cli_[A-Za-z0-9_-]{43}$/;

/**
 * What a CLI may call its computer (shown on approval pages and in the audit log): 1–64 letters, digits, spaces and
 * `. _ - ' ( ) @ +`. No control, format or bidirectional characters, so a name cannot disguise itself on the page.
 */
export const clientNamePattern = /^[\p{L}\p{N} ._'()@+-]{1,64}$/u;

/** A second factor as a CLI session carries it. */
export type CliFactor = SecondFactor;
/** Second factors, strongest first: phishing-resistant before the rest, a device before none (recovery codes). */
const strength = (f: SecondFactor): number => (factorFacts[f].phishingResistant ? 2 : 0) + (factorFacts[f].device ? 1 : 0);
const factorStrength: readonly CliFactor[] = [...secondFactors].sort((a, b) => strength(b) - strength(a));

/** The strongest second factor among `factors` (a security key over an app over a recovery code), or undefined. */
export function strongestFactor(factors: readonly string[]): CliFactor | undefined {
  return factorStrength.find((f) => factors.includes(f));
}

/** A short, non-secret reference to a token or code for the audit log: the first 12 hex digits of its hash. */
export const auditRef = (hash: string): string => hash.slice(0, 12);

/** A proved sign-in that a CLI session is made from. */
export interface CliSignIn {
  user: User;
  factor: CliFactor;
  deviceId: string | null;
  via: CliVia;
  clientName: string;
  /** When the factor was proved (ms). */
  authenticatedAt: number;
  /** The latest end the CLI session may have (the approving browser session's end), if any. */
  notAfter?: number;
  /**
   * A browser login's one-time code (its hash): the token is tied to it in its own transaction (a replay of the
   * code revokes it), and is not issued at all when a replay came first (`invalid_grant`, reason `replayed`).
   */
  codeHash?: string;
}

/** What the CLI receives (docs/cli-api.md "TokenGrant"). It stores `accessToken` (mode 0600) and nothing else secret. */
export interface TokenGrant {
  accessToken: string;
  tokenType: 'Bearer';
  expiresAt: string;
  username: string;
  factor: CliFactor;
}

/**
 * Issues a CLI session for `signIn`: stores the token's hash with the `cli.token` audit event in one transaction,
 * and returns the grant. The caller hands the grant to the CLI and stores nothing.
 */
export async function issueCliToken(ctx: AppContext, signIn: CliSignIn, req?: AuditRequest): Promise<TokenGrant> {
  const now = ctx.now().getTime();
  const lifetimeMs = Math.min(ctx.config.cli.tokenLifetimeSeconds, ctx.config.session.absoluteSeconds) * 1000;
  const expiresAt = Math.min(now + lifetimeMs, signIn.notAfter ?? Number.POSITIVE_INFINITY);
  if (expiresAt <= now) throw new GatehouseError('invalid_grant', 'The browser session this sign-in came from has ended. Run gatehouse login again.');
  const accessToken = CLI_TOKEN_PREFIX + newToken(32);
  const tokenHash = hashToken(accessToken);
  const { user } = signIn;
  const device = await deviceName(ctx, signIn.deviceId);
  await ctx.store.transaction(async (tx) => {
    if (signIn.codeHash !== undefined && !(await tx.cliCodes.bindToken(signIn.codeHash, tokenHash))) throw invalidCodeGrant('replayed');
    await tx.cliTokens.create({
      tokenHash, userId: user.id, factor: signIn.factor, deviceId: signIn.deviceId, via: signIn.via, clientName: signIn.clientName,
      authenticatedAt: signIn.authenticatedAt, createdAt: now, lastUsedAt: now, expiresAt,
    });
    await recordAudit({ ...ctx, store: tx }, {
      type: 'cli.token', outcome: 'success', userId: user.id, username: user.username, factor: signIn.factor, deviceId: signIn.deviceId,
      deviceName: device, detail: { via: signIn.via, clientName: signIn.clientName, ref: auditRef(tokenHash), expiresAt },
    }, { req });
  });
  return { accessToken, tokenType: 'Bearer', expiresAt: new Date(expiresAt).toISOString(), username: user.username, factor: signIn.factor };
}

/** The one answer to a browser-login code that cannot be redeemed, whatever the reason (kept in `detail.reason`). */
export const invalidCodeGrant = (reason?: string): GatehouseError => new GatehouseError('invalid_grant',
  'This sign-in code is not valid: it expired, was used already, or was not issued to this program. Run gatehouse login again.', reason ? { detail: { reason } } : {});

/** The name of an MFA device for the audit log (null when there is none or it was removed). */
export async function deviceName(ctx: AppContext, deviceId: string | null): Promise<string | null> {
  return deviceId ? (await ctx.store.devices.findById(deviceId))?.name ?? null : null;
}

/** A live CLI session, loaded from its bearer token on one request. */
export interface CliSession extends CliToken {
  user: User;
  factor: CliFactor;
}

const signInAgain = (): GatehouseError => new GatehouseError('session_required', 'Your command-line session has ended. Run gatehouse login.');

/**
 * The CLI session of a bearer token, or `session_required`. A malformed or unknown token is refused without an
 * audit event (it names nobody); a revoked or expired one, or one whose person is no longer active, is refused
 * and audited (`cli.session_refused`). A disabled person's CLI sessions are all revoked, so enabling them again
 * does not bring old tokens back.
 */
export async function authenticateCliToken(ctx: AppContext, token: string | undefined, req?: AuditRequest): Promise<CliSession> {
  if (!token || !tokenPattern.test(token)) throw signInAgain();
  const row = await ctx.store.cliTokens.find(hashToken(token));
  if (!row) throw signInAgain();
  const now = ctx.now().getTime();
  const user = await ctx.store.users.findById(row.userId);
  const refuse = async (reason: 'revoked' | 'expired' | 'disabled'): Promise<never> => {
    if (reason === 'disabled') await ctx.store.cliTokens.revokeForUser(row.userId, now);
    if (user) {
      await recordAudit(ctx, {
        type: 'cli.session_refused', outcome: 'failure', reason, userId: user.id, username: user.username, factor: row.factor, deviceId: row.deviceId,
        detail: { via: row.via, clientName: row.clientName, ref: auditRef(row.tokenHash) },
      }, { req });
    }
    throw signInAgain();
  };
  if (row.revokedAt !== null) return refuse('revoked');
  if (row.expiresAt <= now) return refuse('expired');
  if (!user || user.status !== 'active') return refuse('disabled');
  const factor = strongestFactor([row.factor]);
  if (!factor) return refuse('revoked');
  if (now - row.lastUsedAt > 60_000) await ctx.store.cliTokens.touch(row.tokenHash, now);
  return { ...row, user, factor };
}

/** Ends a CLI session (logout) and records `cli.logout`. Logging out twice is not an error. */
export async function revokeCliSession(ctx: AppContext, session: CliSession, req?: AuditRequest): Promise<void> {
  if (!(await ctx.store.cliTokens.revoke(session.tokenHash, ctx.now().getTime()))) return;
  await recordAudit(ctx, {
    type: 'cli.logout', outcome: 'success', userId: session.userId, username: session.user.username,
    detail: { via: session.via, clientName: session.clientName, ref: auditRef(session.tokenHash) },
  }, { req });
}

/** What a refused redemption is about, for its audit event. */
export interface RefusedGrant {
  via: CliVia;
  /** The token a replayed code had given and that was revoked for it (its hash; only its prefix is recorded). */
  revoked?: string;
  /** The code's hash (only its prefix is recorded). */
  hash?: string;
  clientName?: string;
  /** The person the code names, when it names one (approved). */
  person?: { user: User; factor: SecondFactor | null; deviceId: string | null };
}

/**
 * Records a refused redemption at the token endpoint and returns the error to throw: `cli.token` (failure) when the
 * code names a person, `cli.grant_refused` when it names nobody (unknown, or a device login nobody approved).
 */
export async function refuseGrant(ctx: AppContext, g: RefusedGrant, reason: string, error: GatehouseError, req?: AuditRequest): Promise<GatehouseError> {
  const ref = g.hash === undefined ? undefined : auditRef(g.hash);
  if (g.person) {
    const { user, factor, deviceId } = g.person;
    await recordAudit(ctx, {
      type: 'cli.token', outcome: 'failure', reason, userId: user.id, username: user.username, factor, deviceId,
      detail: { via: g.via, clientName: g.clientName ?? '', ...(ref ? { ref } : {}), ...(g.revoked === undefined ? {} : { revokedRef: auditRef(g.revoked) }) },
    }, { req });
  } else {
    await recordAudit(ctx, {
      type: 'cli.grant_refused', outcome: 'failure', reason,
      detail: { via: g.via, ...(ref ? { ref } : {}), ...(g.clientName !== undefined ? { clientName: g.clientName } : {}) },
    }, { req });
  }
  return error;
}

/** What a terminal login keeps in its flow's `pending` (set by the route that starts it). */
export interface TerminalLoginPending { kind: 'cli'; clientName: string }

/** The computer's name of a terminal login flow, or undefined when the flow was not started by the CLI API. */
export function terminalClientName(flow: LoginFlow): string | undefined {
  const p = flow.pending as Partial<TerminalLoginPending>;
  return p.kind === 'cli' && typeof p.clientName === 'string' ? p.clientName : undefined;
}

/**
 * Finishes a terminal login flow that is `done` (password and a second factor passed): the flow is discarded, the
 * person's failure counter cleared (a complete sign-in, as in the browser), their factor remembered, and a CLI
 * session issued for the factor used.
 */
export async function finishTerminalLogin(ctx: AppContext, flow: LoginFlow, req?: AuditRequest): Promise<TokenGrant> {
  const done = flow.data.completed;
  const clientName = terminalClientName(flow);
  const factor = done ? strongestFactor([done.factor]) : undefined;
  if (flow.state !== 'done' || !flow.userId || !done || !factor || clientName === undefined) {
    throw new GatehouseError('flow_invalid', 'Signing in is not finished. Start again.');
  }
  await discardFlow(ctx, flow);
  const user = await ctx.store.users.findById(flow.userId);
  if (!user || user.status !== 'active') throw new GatehouseError('flow_invalid', 'This sign-in cannot continue. Start again.');
  if (user.passwordTemporary) {
    throw new GatehouseError('password_change_required', `Your password is temporary: sign in once in a browser at ${new URL('/login', ctx.config.server.baseUrl).href} and choose a new one, then sign in here again.`);
  }
  await forgetFailures(ctx.store, user.username);
  const now = ctx.now().getTime();
  if (factor !== 'recovery') await ctx.store.users.update(user.id, { lastFactor: factor }, now);
  return issueCliToken(ctx, { user, factor, deviceId: done.deviceId, via: 'terminal', clientName, authenticatedAt: now }, req);
}
