/**
 * Browser login of the CLI (docs/cli-api.md): `GET /cli/authorize` shows "Sign in to the AWS CLI on this computer"
 * to a signed-in person (after sign-in, and a step-up when the CLI asks for a security key); `POST /cli/authorize`
 * approves (a one-time code to the CLI's loopback address) or cancels (`error=access_denied`). The logic is in
 * src/auth/cliCodes.ts.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { GatehouseError } from '../../errors.js';
import { codeChallengePattern, issueAuthorizationCode, parseLoopbackRedirect, recordAuthorizeCancelled, type LoopbackRedirect } from '../../auth/cliCodes.js';
import { strongestFactor } from '../../auth/cliTokens.js';
import { meetsRequirement } from '../../auth/factors.js';
import { checkCsrf, type WebSession } from '../session.js';
import { pageSession, pageUser, requireFullSession } from '../guards.js';
import { choiceField, readInput, textField } from '../readInput.js';
import { sendPage } from '../signIn.js';
import { formatTime, readerTimeZone } from '../formatTime.js';
import { defaultCsp } from '../plugins/securityHeaders.js';
import { clientNameField } from './cliApi.js';

/** The CLI's `state`: 8–256 unreserved characters (it only echoes it back). */
const statePattern = /^[A-Za-z0-9._~-]{8,256}$/;

const authorizeFields = {
  redirect_uri: textField(100),
  code_challenge: textField(64).refine((v) => codeChallengePattern.test(v), { error: 'must be the base64url SHA-256 of the code verifier (43 characters)' }),
  code_challenge_method: choiceField(['S256']),
  state: textField(256).refine((v) => statePattern.test(v), { error: 'must be 8–256 characters of A–Z a–z 0–9 - . _ ~' }),
  client_name: clientNameField,
  factor: choiceField(['totp', 'webauthn']).optional(),
};
const authorizeQuery = z.object(authorizeFields);
const authorizeForm = z.object({ ...authorizeFields, decision: choiceField(['approve', 'cancel']) });
type AuthorizeRequest = z.output<typeof authorizeQuery>;

const factorNames = { webauthn: 'a security key or passkey', totp: 'an authenticator app', recovery: 'a recovery code' } as const;

/** The redirect URI, which must be a loopback callback (`validation_failed` naming it otherwise). */
function checkRedirect(uri: string): LoopbackRedirect {
  const r = parseLoopbackRedirect(uri);
  if (!r) throw new GatehouseError('validation_failed', 'redirect_uri: must be http://127.0.0.1:<port>/callback or http://localhost:<port>/callback', { detail: { fields: ['redirect_uri'] } });
  return r;
}

/** True when the session proved the factor the CLI asked for (`totp` is met by a security key too: `meetsRequirement`). */
function hasFactor(s: WebSession, factor: AuthorizeRequest['factor']): boolean {
  return !factor || s.factors.some((f) => meetsRequirement(f, factor));
}

/** The page's CSP lets its form's redirect go to the CLI's loopback address (browsers check form-action on redirects). */
function allowRedirectTo(reply: FastifyReply, r: LoopbackRedirect): void {
  reply.header('content-security-policy', defaultCsp.replace("form-action 'self'", `form-action 'self' ${new URL(r.uri).origin}`));
}

/** `redirect_uri?<params>&state=<state>`: where the browser goes after the decision. */
function callbackUrl(r: LoopbackRedirect, params: Record<string, string>, state: string): string {
  return `${r.uri}?${new URLSearchParams({ ...params, state }).toString()}`;
}

export async function registerCliAuthorizeRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/cli/authorize', async (req, reply) => {
    const q = readInput(authorizeQuery, req.query);
    const redirect = checkRedirect(q.redirect_uri);
    const session = await pageSession(ctx, req, reply);
    if (!session) return reply;
    if (!hasFactor(session, q.factor)) {
      return reply.redirect(`/login/step-up?${new URLSearchParams({ factor: q.factor ?? 'webauthn', return_to: req.url }).toString()}`, 303);
    }
    const now = ctx.now().getTime();
    const factor = strongestFactor(session.factors);
    const hours = Math.round(Math.min(ctx.config.cli.tokenLifetimeSeconds, (session.expiresAt - now) / 1000) / 360) / 10;
    allowRedirectTo(reply, redirect);
    return sendPage(reply, 'cli-authorize', {
      title: 'Sign in to the AWS CLI', csrf: session.csrf, user: await pageUser(ctx, session),
      username: session.user.username, clientName: q.client_name, port: redirect.port, asked: formatTime(now, readerTimeZone(session.user, ctx.config.ui.timeZone)),
      factorText: factor ? factorNames[factor] : '', hours,
      fields: { redirect_uri: q.redirect_uri, code_challenge: q.code_challenge, code_challenge_method: q.code_challenge_method, state: q.state, client_name: q.client_name, ...(q.factor ? { factor: q.factor } : {}) },
    });
  });

  app.post('/cli/authorize', async (req, reply) => {
    const form = readInput(authorizeForm, req.body);
    const redirect = checkRedirect(form.redirect_uri);
    const session = await requireFullSession(ctx, req);
    checkCsrf(req, session.csrf);
    if (!hasFactor(session, form.factor)) throw new GatehouseError('mfa_required', 'The command line asked for a sign-in with a security key. Start again from the terminal.');
    if (form.decision === 'cancel') {
      await recordAuthorizeCancelled(ctx, { session, clientName: form.client_name, redirect }, req);
      return reply.redirect(callbackUrl(redirect, { error: 'access_denied' }, form.state), 303);
    }
    const code = await issueAuthorizationCode(ctx, { session, clientName: form.client_name, codeChallenge: form.code_challenge, redirect }, req);
    return reply.redirect(callbackUrl(redirect, { code }, form.state), 303);
  });
}
