import type { FastifyReply, FastifyRequest } from 'fastify';
import { withTransaction, type AppContext } from '../context.js';
import type { Factor } from '../auth/factors.js';
import type { SessionRecord } from '../store/repositories/sessions.js';
import type { User } from '../store/repositories/users.js';
import { GatehouseError } from '../errors.js';
import { hashToken, newToken, safeEqual as tokensEqual } from '../auth/tokens.js';

/**
 * A signed-in browser session, loaded from the cookie on each request, with its person and the name of the
 * device the session was started (or last stepped up) with, for audit events (null without one).
 */
export interface WebSession extends SessionRecord { user: User; deviceName: string | null }

declare module 'fastify' {
  interface FastifyRequest {
    /** The current session, or null (set by the session hook). */
    session: WebSession | null;
  }
}

const sha256Hex = hashToken;
const randomId = (bytes = 32): string => newToken(bytes);

/** Constant-time comparison that is false when either side is missing. */
export function safeEqual(a: string | undefined | null, b: string | undefined | null): boolean {
  return typeof a === 'string' && typeof b === 'string' && tokensEqual(a, b);
}

/** Cookie names: `__Host-` prefixed (and Secure) whenever the base URL is https. */
export function cookieName(ctx: AppContext, base: string): string {
  return ctx.config.secureCookies ? `__Host-${base}` : base;
}

export function cookieOptions(ctx: AppContext, maxAgeSeconds?: number) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure: ctx.config.secureCookies, ...(maxAgeSeconds ? { maxAge: maxAgeSeconds } : {}) };
}

const sessionCookie = (ctx: AppContext): string => cookieName(ctx, ctx.config.session.cookieName);

/**
 * How long a session's `last_seen_at` may lag behind: its row is written at most this often (not on every
 * request), so the idle timeout is exact to within this much: 15 s, or 1/30 of a short idle timeout.
 */
export function touchIntervalMs(idleSeconds: number): number {
  return Math.min(15_000, Math.floor((idleSeconds * 1000) / 30));
}

/**
 * Reads and checks the session cookie with one query (session, person, device name): absolute and idle expiry
 * and a disabled or deleted person end the session on the server.
 */
export async function loadSession(ctx: AppContext, req: FastifyRequest, reply: FastifyReply): Promise<WebSession | null> {
  const raw = req.cookies[sessionCookie(ctx)];
  if (!raw) return null;
  const idHash = sha256Hex(raw);
  const found = await ctx.store.sessions.findWithUser(idHash);
  const now = ctx.now().getTime();
  const rec = found?.session;
  if (!found || !rec || rec.expiresAt <= now || rec.lastSeenAt + ctx.config.session.idleSeconds * 1000 <= now || found.user.status !== 'active') {
    if (found) await ctx.store.sessions.delete(idHash);
    reply.clearCookie(sessionCookie(ctx), cookieOptions(ctx));
    return null;
  }
  if (now - rec.lastSeenAt > touchIntervalMs(ctx.config.session.idleSeconds)) await ctx.store.sessions.touch(idHash, now);
  return { ...rec, lastSeenAt: now, user: found.user, deviceName: found.deviceName };
}

/**
 * Starts a new session (always a new random id: a session is never carried over from before sign-in).
 * The cookie holds the id; the store holds only its hash.
 */
export async function startSession(ctx: AppContext, reply: FastifyReply, s: { userId: string; factors: Factor[]; authMethod: Factor | null; deviceId: string | null }): Promise<string> {
  const id = randomId();
  const now = ctx.now().getTime();
  const csrf = randomId(24);
  await ctx.store.sessions.create({ idHash: sha256Hex(id), userId: s.userId, factors: s.factors, authMethod: s.authMethod, deviceId: s.deviceId, csrf, createdAt: now, lastSeenAt: now, expiresAt: now + ctx.config.session.absoluteSeconds * 1000, authenticatedAt: now });
  reply.setCookie(sessionCookie(ctx), id, cookieOptions(ctx));
  return csrf;
}

/** Gives the current session a new id (and CSRF token) after a step such as step-up or device change. */
export async function rotateSession(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, patch: Partial<Pick<SessionRecord, 'factors' | 'authMethod' | 'deviceId' | 'authenticatedAt'>> = {}): Promise<void> {
  const s = req.session;
  if (!s) throw new GatehouseError('session_required', 'Please sign in.');
  const id = randomId();
  const csrf = randomId(24);
  const ok = await ctx.store.sessions.rotate(s.idHash, sha256Hex(id), { ...patch, csrf }, ctx.now().getTime());
  if (!ok) throw new GatehouseError('session_required', 'Your session ended. Please sign in again.');
  reply.setCookie(sessionCookie(ctx), id, cookieOptions(ctx));
  const deviceName = patch.deviceId === undefined || patch.deviceId === s.deviceId ? s.deviceName
    : patch.deviceId === null ? null : (await ctx.store.devices.findById(patch.deviceId))?.name ?? null;
  req.session = { ...s, ...patch, idHash: sha256Hex(id), csrf, deviceName };
}

/**
 * Ends the session on the server and clears the cookie. `record` (the audit event) is written in the same
 * transaction as the deletion; the cookie is cleared only once both are stored.
 */
export async function endSession(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, record?: (tx: AppContext) => Promise<unknown>): Promise<void> {
  const s = req.session;
  if (s) {
    await withTransaction(ctx, async (tx) => {
      await tx.store.sessions.delete(s.idHash);
      await record?.(tx);
    });
  }
  reply.clearCookie(sessionCookie(ctx), cookieOptions(ctx));
  req.session = null;
}

/** Throws csrf_invalid unless the form's `_csrf` field matches `expected`. */
export function checkCsrf(req: FastifyRequest, expected: string | undefined): void {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const got = typeof body._csrf === 'string' ? body._csrf : (req.headers['x-csrf-token'] as string | undefined);
  if (!expected || !safeEqual(got, expected)) {
    throw new GatehouseError('csrf_invalid', 'This form has expired or did not come from this site. Please go back, reload the page and try again.');
  }
}
