/**
 * Who may administer, checked the same way for the console (/admin) and the admin REST API (/api/v1/admin):
 * - an admin API token (`Authorization: Bearer gha_…`): live (not expired or revoked), of an active member of
 *   `admin.group`, with the `write` scope for changes; tokens cannot create tokens;
 * - or an admin session: a full sign-in of a member of `admin.group`, with the factor `admin.requireFactor` asks
 *   for, and the session's CSRF value on every change (`_csrf` form field or `x-csrf-token` header).
 * Sensitive changes (device and MFA resets, mapping changes, key rotation, token creation) also need a second
 * factor confirmed within `admin.reauthSeconds`; an older session gets `reauth_required`, and a page sends the
 * browser through `/login/step-up?reauth=1` and back.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import { GatehouseError } from '../errors.js';
import { meetsRequirement, type RequiredFactor } from '../auth/factors.js';
import { loginUrl } from '../auth/flow/returnTo.js';
import { recordAudit } from '../audit/recordAudit.js';
import { findLiveToken } from '../admin/apiTokens.js';
import type { ChangeActor } from '../admin/changeActor.js';
import type { AdminTokenScope } from '../store/repositories/adminApiTokens.js';
import { isAdmin, requireFullSession } from './guards.js';
import { checkCsrf, type WebSession } from './session.js';

/** What a route needs: reading, or changing; `sensitive` changes need a recent second factor; `sessionOnly` refuses tokens. */
export interface AdminNeeds {
  access: AdminTokenScope;
  sensitive?: boolean;
  sessionOnly?: boolean;
}

/** The admin making a request, and how they proved it. */
export interface AdminActor extends ChangeActor {
  userId: string;
  username: string;
  /** The session, when signed in through the browser (undefined for a token). */
  session?: WebSession;
  tokenId?: string;
}

/** The page where a signed-in admin confirms a second factor again, then comes back to `returnTo`. */
export function reauthUrl(returnTo: string): string {
  return `/login/step-up?${new URLSearchParams({ reauth: '1', return_to: returnTo }).toString()}`;
}

const bearer = (req: FastifyRequest): string | undefined => {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer[ ]+(\S{1,200})$/i.exec(h.trim());
  if (!m) throw new GatehouseError('api_token_invalid', 'The Authorization header must be "Bearer <admin API token>".');
  return m[1];
};

async function tokenActor(ctx: AppContext, req: FastifyRequest, text: string, needs: AdminNeeds): Promise<AdminActor> {
  const refused = new GatehouseError('api_token_invalid', 'This API token is not valid: it may have expired or been revoked. Create a new one in /admin/tokens.');
  const { token, reason } = await findLiveToken(ctx, text);
  const creator = token && (await ctx.store.users.findById(token.createdBy));
  const stillAdmin = !!creator && creator.status === 'active' && (await isAdmin(ctx, creator.id));
  if (!token || reason || !stillAdmin) {
    if (token && creator) {
      await recordAudit(ctx, { type: 'admin.token_refused', outcome: 'failure', userId: creator.id, username: creator.username, detail: { tokenId: token.id, reason: reason ?? 'not_admin' } }, { req });
    }
    req.log.info({ reason: reason ?? 'not_admin', tokenId: token?.id }, 'admin API token refused');
    throw refused;
  }
  if (needs.sessionOnly) throw new GatehouseError('forbidden', 'This needs an admin signed in through the browser; an API token cannot do it.');
  if (needs.access === 'write' && token.scope !== 'write') throw new GatehouseError('forbidden', 'This API token may only read. Create a token with the write scope for changes.');
  await ctx.store.adminApiTokens.touch(token.id, ctx.now().getTime());
  return { userId: creator.id, username: creator.username, by: creator.username, via: `api-token:${token.id}`, tokenId: token.id, req };
}

/** The admin policy's factor, when it asks for one (`admin.requireFactor` other than `any`). */
export function adminPolicyFactor(ctx: AppContext): RequiredFactor | undefined {
  const f = ctx.config.admin.requireFactor;
  return f === 'any' ? undefined : f;
}

async function sessionActor(ctx: AppContext, req: FastifyRequest, needs: AdminNeeds, surface: 'console' | 'api-session'): Promise<AdminActor> {
  const s = await requireFullSession(ctx, req);
  if (req.method !== 'GET' && req.method !== 'HEAD') checkCsrf(req, s.csrf);
  if (!(await isAdmin(ctx, s.userId))) throw new GatehouseError('forbidden', 'Only administrators may do this.');
  const policy = adminPolicyFactor(ctx);
  if (policy && !s.factors.some((f) => meetsRequirement(f, policy))) {
    throw new GatehouseError('mfa_required', `Administration needs a sign-in with your ${policy === 'webauthn' ? 'security key or passkey' : policy}.`, { publicDetail: { requireFactor: policy } });
  }
  if (needs.sensitive) {
    const maxAgeSeconds = ctx.config.admin.reauthSeconds;
    if (ctx.now().getTime() - s.authenticatedAt > maxAgeSeconds * 1000) {
      throw new GatehouseError('reauth_required', `This change needs your second factor confirmed within the last ${Math.round(maxAgeSeconds / 60)} minutes. Confirm it again, then retry.`,
        { publicDetail: { reauthUrl: reauthUrl('/admin'), maxAgeSeconds } });
    }
  }
  const device = s.authMethod ? { device: { factor: s.authMethod, id: s.deviceId, name: s.deviceName } } : {};
  return { userId: s.userId, username: s.user.username, by: s.user.username, via: surface, session: s, req, ...device };
}

/** The admin behind an API request (token or session), or a thrown error naming what is missing. */
export async function authenticateAdmin(ctx: AppContext, req: FastifyRequest, needs: AdminNeeds): Promise<AdminActor> {
  const token = bearer(req);
  return token !== undefined ? tokenActor(ctx, req, token, needs) : sessionActor(ctx, req, needs, 'api-session');
}

/**
 * For console pages and forms: the admin, or undefined after sending the browser where it must go first —
 * sign-in (no session, GET), the admin policy's step-up, or re-authentication for a sensitive change (then back
 * to `returnTo`, by default this page; a form's POST passes the page that shows the form).
 */
export async function adminPageActor(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, needs: AdminNeeds & { returnTo?: string }): Promise<AdminActor | undefined> {
  try {
    return await sessionActor(ctx, req, needs, 'console');
  } catch (e) {
    if (!(e instanceof GatehouseError)) throw e;
    const back = needs.returnTo ?? req.url;
    if (e.code === 'session_required' && req.method === 'GET') return void (await reply.redirect(loginUrl(back), 303));
    if (e.code === 'mfa_required' && e.publicDetail && 'requireFactor' in e.publicDetail) {
      return void (await reply.redirect(`/login/step-up?${new URLSearchParams({ factor: e.publicDetail.requireFactor, return_to: back }).toString()}`, 303));
    }
    if (e.code === 'reauth_required') return void (await reply.redirect(reauthUrl(back), 303));
    throw e;
  }
}
