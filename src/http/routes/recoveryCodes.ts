/**
 * Recovery codes on /account: a confirmation before new codes replace the old ones, the new codes (shown once,
 * with Copy and Download), and the page after a sign-in with a recovery code that says how many remain.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import type { WebSession } from '../session.js';
import { recordAudit } from '../../audit/recordAudit.js';
import { issueRecoveryCodes, RECOVERY_CODE_COUNT, RECOVERY_CODES_LOW } from '../../auth/devices.js';
import { safeReturnTo } from '../../auth/flow/returnTo.js';
import { checkCsrf } from '../session.js';
import { pageSession, pageUser, requireFullSession } from '../guards.js';
import { formError, sendFormError, sendPage } from '../signIn.js';
import { isFresh, requireRecentAuth } from './account.js';

/** After signing in with a recovery code: the page that says how many remain, then goes on to `next`. */
export function recoveryUsedHref(next: string): string {
  return `/account/recovery-used?${new URLSearchParams({ return_to: safeReturnTo(next) }).toString()}`;
}

/**
 * What the recovery-codes page shows besides the list: the codes as a text file behind a Download link (a `data:`
 * URL, so it works without JavaScript and the codes are never stored or served again) and its name.
 */
export function recoveryCodesModel(codes: readonly string[], o: { username: string; site: string; now: number }) {
  const made = new Date(o.now).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
  const text = [`${o.site} recovery codes for ${o.username}`, `Made ${made}. Each code works once; new codes cancel these.`, '', ...codes, ''].join('\n');
  return { codes, downloadHref: `data:text/plain;charset=utf-8,${encodeURIComponent(text)}`, downloadName: `${o.site.replace(/[^A-Za-z0-9._-]+/g, '-').toLowerCase() || 'gatehouse'}-recovery-codes.txt` };
}

export async function registerRecoveryCodeRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const confirmModel = async (s: WebSession) => ({
    title: 'Make new recovery codes', csrf: s.csrf, user: await pageUser(ctx, s),
    remainingCodes: await ctx.store.devices.remainingRecoveryCodes(s.userId), needPassword: !isFresh(ctx, s), count: RECOVERY_CODE_COUNT,
  });

  /** Asks before new recovery codes replace the old ones (the POST below does it). */
  app.get('/account/recovery-codes', async (req, reply) => {
    const s = await pageSession(ctx, req, reply);
    if (!s) return reply;
    return sendPage(reply, 'recovery-confirm', await confirmModel(s));
  });

  /** New recovery codes, shown once in this response; the old ones stop working. */
  app.post('/account/recovery-codes', async (req: FastifyRequest, reply: FastifyReply) => {
    const s = await requireFullSession(ctx, req);
    checkCsrf(req, s.csrf);
    try {
      await requireRecentAuth(ctx, req, s);
    } catch (e) {
      const fe = formError(e);
      if (!fe) throw e;
      return sendFormError(reply, fe, 'recovery-confirm', await confirmModel(s));
    }
    const codes = await issueRecoveryCodes(ctx, s.userId, (tx, issued) => recordAudit(tx, {
      type: 'recovery.regenerated', outcome: 'success', userId: s.userId, username: s.user.username, detail: { count: issued.length },
    }, { req }));
    return sendPage(reply, 'recovery-codes', {
      title: 'Your new recovery codes', user: await pageUser(ctx, s), csrf: s.csrf, continueHref: '/account',
      ...recoveryCodesModel(codes, { username: s.user.username, site: ctx.config.auth.rpName, now: ctx.now().getTime() }),
    });
  });

  /** After a sign-in with a recovery code: how many remain (new ones urged when few do), then on to `return_to`. */
  app.get('/account/recovery-used', async (req, reply) => {
    const s = await pageSession(ctx, req, reply);
    if (!s) return reply;
    const remaining = await ctx.store.devices.remainingRecoveryCodes(s.userId);
    return sendPage(reply, 'recovery-used', {
      title: 'You used a recovery code', csrf: s.csrf, user: await pageUser(ctx, s), remaining, low: remaining <= RECOVERY_CODES_LOW,
      continueHref: safeReturnTo((req.query as Record<string, unknown>).return_to),
    });
  });
}
