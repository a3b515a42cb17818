/**
 * Browser sign-in: /login (password), /login/mfa (TOTP, security key / passkey, recovery code), /login/step-up,
 * /logout. Each handler is a short list of named steps; the state machine is src/auth/flow/, the factors and
 * their labels are src/auth/factors.ts.
 */
import { createReadStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { recordAudit } from '../../audit/recordAudit.js';
import { listUsableDevices } from '../../auth/devices.js';
import type { User } from '../../store/repositories/users.js';
import { GatehouseError } from '../../errors.js';
import {
  factorFacts, factorName, isDeviceFactor, isRequiredFactor, isSecondFactor, secondFactors, stepUpFactor, strongestRequiredFactor, type RequiredFactor, type SecondFactor,
} from '../../auth/factors.js';
import { requireState, startFlow } from '../../auth/flow/storedFlow.js';
import { runFactorStep } from '../../auth/flow/runFactorStep.js';
import type { CodeFactor } from '../../auth/strategies/registry.js';
import { bindChallenge } from '../../auth/flow/webauthnChallenge.js';
import { safeReturnTo } from '../../auth/flow/returnTo.js';
import type { LoginFlow } from '../../auth/flow/types.js';
import { authenticationOptions, type AuthenticationResponseJSON } from '../../auth/webauthn.js';
import { checkCsrf, endSession } from '../session.js';
import { checkCsrfHeader, clearFlowCookie, currentFlow, pageSession, pageUser, setFlowCookie } from '../guards.js';
import { applyRetryAfter, finishFlow, formError, cancelOf, isSessionFlow, pathForState, sendFormError, sendPage, stepMeta } from '../signIn.js';
import { objectField, readInput, textField } from '../readInput.js';
import { wantsJson } from '../plugins/errorHandler.js';
import { addDeviceHref } from './account.js';
import { recoveryUsedHref } from './recoveryCodes.js';

type Body = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const bodyOf = (req: FastifyRequest): Body => (req.body && typeof req.body === 'object' ? req.body as Body : {});
const queryOf = (req: FastifyRequest): Record<string, string | undefined> => req.query as Record<string, string | undefined>;

/** Username or email (at most 320 characters, no control characters) and the password as typed. */
const passwordForm = z.object({ username: textField(320), password: textField(8192, { allowControls: true }) });
/** A TOTP or recovery code as typed. */
const codeForm = z.object({ code: textField(64) });
/** The browser's WebAuthn answer (its inside is checked by src/auth/webauthn.ts). */
const webauthnAnswer = z.object({ response: objectField });

// ---- the MFA page ---------------------------------------------------------------------------------

interface MfaChoices { available: SecondFactor[]; totpNames: string[]; keyNames: string[] }

/**
 * The second factors this flow may use: a device factor when the person has such a device (not blocked), the
 * others always; a step-up only the factor it asks for. Phishing-resistant factors first.
 */
async function mfaChoices(ctx: AppContext, user: User, flow: LoginFlow): Promise<MfaChoices> {
  const devices = await listUsableDevices(ctx, user.id);
  const namesOf = (f: SecondFactor) => devices.filter((d) => d.kind === f).map((d) => d.name);
  const stepUp = flow.data.stepUpFactor;
  const available = secondFactors
    .filter((f) => (!isDeviceFactor(f) || namesOf(f).length > 0) && (!stepUp || stepUp === f))
    .sort((a, b) => Number(factorFacts[b].phishingResistant) - Number(factorFacts[a].phishingResistant));
  return { available, totpNames: namesOf(factorName.totp), keyNames: namesOf(factorName.webauthn) };
}

/** The factor to show: the one asked for, else the device factor used last, else the first available. */
function pickFactor(choices: MfaChoices, requested: unknown, lastFactor: string | null): SecondFactor {
  const ok = (f: unknown): f is SecondFactor => isSecondFactor(f) && choices.available.includes(f);
  if (ok(requested)) return requested;
  if (ok(lastFactor) && isDeviceFactor(lastFactor)) return lastFactor;
  const first = choices.available[0];
  if (!first) throw new GatehouseError('flow_invalid', 'You have no device for this step any more. Start again.');
  return first;
}

async function sendMfaPage(ctx: AppContext, reply: FastifyReply, flow: LoginFlow, requested: unknown, error?: GatehouseError): Promise<FastifyReply> {
  const user = await ctx.store.users.findById(flow.userId ?? '');
  if (!user) throw new GatehouseError('flow_invalid', 'This sign-in cannot continue. Start again.');
  const choices = await mfaChoices(ctx, user, flow);
  const factor = pickFactor(choices, requested, user.lastFactor);
  const { heading } = factorFacts[factor].label;
  const model = {
    title: heading, heading: isSessionFlow(flow) ? 'Confirm it\'s you' : heading, csrf: flow.csrf, username: user.username, factor,
    totpNames: choices.totpNames, keyNames: choices.keyNames, cancel: cancelOf(flow),
    alternatives: choices.available.filter((f) => f !== factor).map((f) => ({ href: `/login/mfa?factor=${f}`, label: factorFacts[f].label.use })),
  };
  return error ? sendFormError(reply, error, 'mfa', model) : sendPage(reply, 'mfa', model);
}

// ---- steps ---------------------------------------------------------------------------------------------

/**
 * A step-up or password-change flow belongs to the session that started it; a step-up allows only the factor it
 * asked for (any, for a re-authentication).
 */
function checkStepUp(req: FastifyRequest, flow: LoginFlow, factor: SecondFactor): void {
  if (!isSessionFlow(flow)) return;
  if (req.session?.idHash !== flow.data.sessionHash || (flow.data.purpose === 'step-up' && flow.data.stepUpFactor !== undefined && flow.data.stepUpFactor !== factor)) {
    throw new GatehouseError('flow_invalid', 'This confirmation does not belong to your session. Start again.');
  }
}

/** The sign-in routes. Their steps are counted from the audit events they write (auditMetrics.ts), not here. */
export async function registerLoginRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  /** Login page: a new flow each time. Signed in already (and no ForceAuthn): straight to the return path. */
  app.get('/login', async (req, reply) => {
    const q = queryOf(req);
    const returnTo = safeReturnTo(q.return_to);
    const force = q.force === '1' || q.force === 'true';
    if (req.session && !force) return reply.redirect(returnTo, 303);
    const flow = await startFlow(ctx, { purpose: 'login', returnTo, force });
    setFlowCookie(ctx, reply, flow);
    const notice = q.signed_out ? 'You have signed out.' : null;
    return sendPage(reply, 'login', { title: 'Sign in', csrf: flow.csrf, notice });
  });

  const passwordStep = async (req: FastifyRequest, reply: FastifyReply) => {
    const flow = await currentFlow(ctx, req);
    const body = bodyOf(req);
    checkCsrf(req, flow.csrf);
    try {
      const { username, password } = readInput(passwordForm, body);
      const { flow: next } = await runFactorStep(ctx, flow, factorName.password, { login: username, password }, stepMeta(req));
      setFlowCookie(ctx, reply, next);
      return reply.redirect(pathForState(next), 303);
    } catch (e) {
      const fe = formError(e);
      if (!fe) throw e;
      return sendFormError(reply, fe, 'login', { title: 'Sign in', csrf: flow.csrf, username: str(body.username) });
    }
  };
  app.post('/login', passwordStep);
  app.post('/login/password', passwordStep);

  app.get('/login/mfa', async (req, reply) => {
    const flow = await currentFlow(ctx, req);
    requireState(flow, 'mfa');
    return sendMfaPage(ctx, reply, flow, queryOf(req).factor);
  });

  /**
   * TOTP and recovery code: form posts that finish the flow or show the MFA page again with the error. After a
   * recovery code, the person first sees how many codes remain (`recoveryUsedHref`), then goes on.
   */
  const formFactorStep = (factor: CodeFactor) => async (req: FastifyRequest, reply: FastifyReply) => {
    const flow = await currentFlow(ctx, req);
    checkCsrf(req, flow.csrf);
    requireState(flow, 'mfa');
    checkStepUp(req, flow, factor);
    try {
      const { code } = readInput(codeForm, req.body);
      const { flow: done, success } = await runFactorStep(ctx, flow, factor, { code }, stepMeta(req));
      const next = await finishFlow(ctx, req, reply, done, success.user);
      return reply.redirect(factor === factorName.recovery ? recoveryUsedHref(next) : next, 303);
    } catch (e) {
      const fe = formError(e);
      if (!fe) throw e;
      return sendMfaPage(ctx, reply, flow, factor, fe);
    }
  };
  app.post('/login/totp', formFactorStep(factorName.totp));
  app.post('/login/recovery', formFactorStep(factorName.recovery));

  /** WebAuthn options (JSON): the person's keys, a challenge bound to this flow. */
  app.post('/login/webauthn/options', async (req) => {
    const flow = await currentFlow(ctx, req);
    checkCsrfHeader(req, flow.csrf);
    requireState(flow, 'mfa');
    checkStepUp(req, flow, factorName.webauthn);
    const keys = await listUsableDevices(ctx, flow.userId ?? '', factorName.webauthn);
    if (keys.length === 0) throw new GatehouseError('webauthn_failed', 'You have no security key or passkey registered. Use another way to sign in.');
    const options = await authenticationOptions({ rpId: ctx.config.auth.rpId, allowCredentialIds: keys.map((k) => ({ id: k.credentialId!, transports: k.transports })) });
    await bindChallenge(ctx, flow, options.challenge, 'authenticate');
    return options;
  });

  /** WebAuthn answer (JSON): finishes the flow and says where to go. */
  app.post('/login/webauthn/verify', async (req, reply) => {
    const flow = await currentFlow(ctx, req);
    checkCsrfHeader(req, flow.csrf);
    requireState(flow, 'mfa');
    checkStepUp(req, flow, factorName.webauthn);
    const { response } = readInput(webauthnAnswer, req.body);
    try {
      const { flow: done, success } = await runFactorStep(ctx, flow, factorName.webauthn, { response: response as unknown as AuthenticationResponseJSON }, stepMeta(req));
      return { redirect: await finishFlow(ctx, req, reply, done, success.user) };
    } catch (e) {
      applyRetryAfter(reply, e);
      throw e;
    }
  });

  /**
   * Step-up: a signed-in person confirms one more factor (`factor=` a factor a role may require; otherwise the
   * strongest), e.g. for a role that needs a security key; the session is then rotated with that factor added.
   * The person is asked for a device of theirs that meets it (`stepUpFactor`); one without any is not sent into a
   * step-up that cannot succeed but shown "Add a security key", which leads to /account and back here.
   */
  app.get('/login/step-up', async (req, reply) => {
    const session = await pageSession(ctx, req, reply);
    if (!session) return reply;
    const q = queryOf(req);
    // reauth=1: an admin confirms a second factor again (admin.requireFactor; `any` = whichever they have).
    const policy = ctx.config.admin.requireFactor;
    const reauthAny = q.reauth === '1' && policy === 'any';
    const required: RequiredFactor = q.reauth === '1' && policy !== 'any' ? policy : isRequiredFactor(q.factor) ? q.factor : strongestRequiredFactor;
    const factor = reauthAny ? undefined : stepUpFactor((await listUsableDevices(ctx, session.userId)).map((d) => d.kind), required);
    if (!reauthAny && !factor) {
      const { name, noun, add } = factorFacts[required].label;
      if (wantsJson(req)) throw new GatehouseError('enrollment_required', `This needs a registered ${noun}, and you have none. Add one on your account page first.`);
      return sendPage(reply, 'add-factor', {
        title: add, csrf: session.csrf, user: await pageUser(ctx, session), heading: add, what: name.toLowerCase(),
        addHref: addDeviceHref(required, safeReturnTo(q.return_to)),
      }, 403);
    }
    const flow = await startFlow(ctx, { purpose: 'step-up', state: 'mfa', userId: session.userId, returnTo: q.return_to, factorsDone: ['password'], data: { stepUpFactor: factor, sessionHash: session.idHash } });
    setFlowCookie(ctx, reply, flow);
    return reply.redirect(factor ? `/login/mfa?factor=${factor}` : '/login/mfa', 303);
  });

  /** Sign out: the session ends on the server (its id stops working at once), then back to /login. */
  /** A bookmarkable sign-out page: a button that posts the form below (never signs out on GET). */
  app.get('/logout', async (req, reply) => {
    if (!req.session) return reply.redirect('/login', 303);
    return sendPage(reply, 'logout', { title: 'Sign out', csrf: req.session.csrf, user: await pageUser(ctx, req.session) });
  });

  app.post('/logout', async (req, reply) => {
    if (req.session) {
      checkCsrf(req, req.session.csrf);
      const s = req.session;
      await endSession(ctx, req, reply, (tx) => recordAudit(tx, { type: 'logout', outcome: 'success', userId: s.userId, username: s.user.username }, { req }));
    }
    clearFlowCookie(ctx, reply);
    return reply.redirect('/login?signed_out=1', 303);
  });

  registerWebauthnBundle(app);
}

/** Serves @simplewebauthn/browser's UMD bundle (global SimpleWebAuthnBrowser) from node_modules. */
function registerWebauthnBundle(app: FastifyInstance): void {
  const entry = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  const bundle = join(dirname(entry), '..', 'dist', 'bundle', 'index.umd.min.js');
  app.get('/public/vendor/simplewebauthn-browser.js', async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return reply.type('text/javascript; charset=utf-8').send(createReadStream(bundle));
  });
}
