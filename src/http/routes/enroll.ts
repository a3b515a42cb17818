/**
 * Enrolling a second factor inside a login flow (forced enrollment at first sign-in, setup links, and
 * "add a device" from /account): /login/enroll, /login/enroll/totp, /login/enroll/webauthn/*, and the
 * recovery codes shown once after the first device.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { Metrics } from '../metrics.js';
import type { User } from '../../store/repositories/users.js';
import type { MfaDevice } from '../../store/repositories/mfaDevices.js';
import { GatehouseError, isGatehouseError } from '../../errors.js';
import { recordAudit } from '../../audit/recordAudit.js';
import { deviceFactors, factorFacts, factorName, type DeviceFactor } from '../../auth/factors.js';
import { advanceFlow, requireState } from '../../auth/flow/storedFlow.js';
import { bindChallenge, expectedChallengeFor } from '../../auth/flow/webauthnChallenge.js';
import { recoveryCodesOf, showRecoveryCodes } from '../../auth/flow/recoveryCodesStep.js';
import type { LoginFlow } from '../../auth/flow/types.js';
import { beginTotpEnrollment, beginWebauthnEnrollment, confirmTotpEnrollment, finishWebauthnEnrollment, issueRecoveryCodes } from '../../auth/devices.js';
import type { RegistrationResponseJSON } from '../../auth/webauthn.js';
import { checkCsrf } from '../session.js';
import { checkCsrfHeader, currentFlow, pageUser, setFlowCookie } from '../guards.js';
import { finishFlow, formError, sendFormError, sendPage } from '../signIn.js';
import { objectField, readInput, textField } from '../readInput.js';
import type { PageModel } from '../views.js';
import { DELETE_SCANNED_ENTRY } from '../errorPage.js';
import { recoveryCodesModel } from './recoveryCodes.js';

type Body = Record<string, unknown>;
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const bodyOf = (req: FastifyRequest): Body => (req.body && typeof req.body === 'object' ? req.body as Body : {});

/** The device's name as typed (cleanDeviceName decides what is a good name; this only bounds it). */
const deviceName = textField(1024, { allowControls: true }).optional();
/** Two consecutive codes from the new authenticator app, and its name. */
const totpForm = z.object({ code1: textField(64), code2: textField(64), name: deviceName });
/** The browser's WebAuthn registration answer (checked by src/auth/webauthn.ts) and the key's name. */
const webauthnForm = z.object({ response: objectField, name: deviceName });

/** The person enrolling: the flow must be in enroll-mfa, and an add-device flow must belong to this session. */
async function enrollingUser(ctx: AppContext, req: FastifyRequest, flow: LoginFlow): Promise<User> {
  requireState(flow, 'enroll-mfa');
  if (flow.data.purpose === 'add-device' && req.session?.idHash !== flow.data.sessionHash) {
    throw new GatehouseError('flow_invalid', 'This enrollment does not belong to your session. Start again from your account page.');
  }
  const user = flow.userId ? await ctx.store.users.findById(flow.userId) : undefined;
  if (!user || user.status !== 'active') throw new GatehouseError('flow_invalid', 'This enrollment cannot continue. Start again.');
  return user;
}

/**
 * Audits an enrollment attempt (device by name and id; never the seed or the codes). A success is recorded by
 * the enrollment itself, in the transaction that stores the device (`ctx` is then that transaction's).
 */
function auditEnroll(ctx: AppContext, req: FastifyRequest, flow: LoginFlow, user: User, kind: DeviceFactor, outcome: 'success' | 'failure', device: Pick<MfaDevice, 'id' | 'name'> | null, reason: string | null) {
  return recordAudit(ctx, {
    type: `enroll.${kind}`, outcome, userId: user.id, username: user.username,
    factor: kind, deviceId: device?.id ?? null, deviceName: device?.name ?? null, reason, detail: { purpose: flow.data.purpose },
  }, { req });
}

/**
 * After a confirmed device: the person's first device gets a fresh set of recovery codes, shown once on the
 * next page (sealed in the flow meanwhile); otherwise the flow is done.
 */
async function afterEnrollment(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, flow: LoginFlow, user: User, device: MfaDevice): Promise<string> {
  const completed = { factor: device.kind, deviceId: device.id, deviceName: device.name };
  const confirmed = await ctx.store.devices.listForUser(user.id, { confirmedOnly: true });
  if (confirmed.length === 1) {
    const codes = await issueRecoveryCodes(ctx, user.id, (tx, issued) => recordAudit(tx, {
      type: 'recovery.issued', outcome: 'success', userId: user.id, username: user.username, detail: { count: issued.length },
    }, { req }));
    const next = await showRecoveryCodes(ctx, flow, codes, {
      factorsDone: [...new Set([...flow.factorsDone, device.kind])], data: { completed }, clear: ['challenge', 'enrollDeviceId'],
    });
    setFlowCookie(ctx, reply, next);
    return '/login/recovery-codes';
  }
  const done = await advanceFlow(ctx, flow, { state: 'done', factorsDone: [...new Set([...flow.factorsDone, device.kind])], data: { completed }, clear: ['challenge', 'enrollDeviceId'] });
  return finishFlow(ctx, req, reply, done);
}

/**
 * The fields every enrollment page has: the flow's CSRF value for its own form (`flowCsrf`) and, when a signed-in
 * person adds a device from /account, the top menu (with the session's CSRF value for signing out) and the way back.
 */
async function enrollPageFields(ctx: AppContext, req: FastifyRequest, flow: LoginFlow): Promise<Omit<PageModel, 'title'>> {
  const s = flow.data.purpose === 'add-device' ? req.session : null;
  return { flowCsrf: flow.csrf, ...(s ? { user: await pageUser(ctx, s), csrf: s.csrf, backHref: '/account' } : {}) };
}

function groupSecret(secret: string): string {
  return secret.replace(/(.{4})/g, '$1 ').trim();
}

export async function registerEnrollRoutes(app: FastifyInstance, ctx: AppContext, metrics: Metrics): Promise<void> {
  const count = (step: string, outcome: 'success' | 'failure') => metrics.logins.inc({ step, outcome });

  app.get('/login/enroll', async (req, reply) => {
    const flow = await currentFlow(ctx, req);
    const user = await enrollingUser(ctx, req, flow);
    const choices = deviceFactors.map((f) => ({ href: `/login/enroll/${f}`, name: factorFacts[f].label.name, hint: factorFacts[f].label.hint }));
    return sendPage(reply, 'enroll', {
      title: 'Set up two-step verification', site: ctx.config.auth.rpName, username: user.username, choices, cancelHref: flow.data.purpose === 'add-device' ? '/account' : '/login',
      ...(await enrollPageFields(ctx, req, flow)),
    });
  });

  const totpPage = async (req: FastifyRequest, reply: FastifyReply, flow: LoginFlow, user: User, error?: GatehouseError) => {
    const e = await beginTotpEnrollment(ctx, user, flow.data.enrollDeviceId);
    if (e.deviceId !== flow.data.enrollDeviceId) await advanceFlow(ctx, flow, { data: { enrollDeviceId: e.deviceId } }, { rotate: false });
    const model = {
      title: 'Set up an authenticator app', ...(await enrollPageFields(ctx, req, flow)), qrSvg: e.qrSvg, uri: e.uri, secretGroups: groupSecret(e.secret),
      name: str(bodyOf(req).name) || factorFacts.totp.label.name, notice: e.replaced && !error ? `This is a new QR code. ${DELETE_SCANNED_ENTRY}` : null,
    };
    return error ? sendFormError(reply, error, 'enroll-totp', model) : sendPage(reply, 'enroll-totp', model);
  };

  app.get('/login/enroll/totp', async (req, reply) => {
    const flow = await currentFlow(ctx, req);
    const user = await enrollingUser(ctx, req, flow);
    return totpPage(req, reply, flow, user);
  });

  app.post('/login/enroll/totp', async (req, reply) => {
    const flow = await currentFlow(ctx, req);
    checkCsrf(req, flow.csrf);
    const user = await enrollingUser(ctx, req, flow);
    let device: MfaDevice;
    try {
      const { code1, code2, name } = readInput(totpForm, req.body);
      if (!flow.data.enrollDeviceId) throw new GatehouseError('flow_invalid', 'Open the set-up page again.');
      device = await confirmTotpEnrollment(ctx, user, { deviceId: flow.data.enrollDeviceId, code1, code2, name },
        (tx, confirmed) => auditEnroll(tx, req, flow, user, factorName.totp, 'success', confirmed, null));
    } catch (e) {
      count('enroll_totp', 'failure');
      const pending = flow.data.enrollDeviceId ? await ctx.store.devices.findById(flow.data.enrollDeviceId) : undefined;
      await auditEnroll(ctx, req, flow, user, factorName.totp, 'failure', pending ?? null, isGatehouseError(e) ? ((e.detail as { reason?: string } | undefined)?.reason ?? e.code) : 'error');
      const fe = formError(e);
      if (!fe) throw e;
      return totpPage(req, reply, flow, user, fe);
    }
    count('enroll_totp', 'success');
    return reply.redirect(await afterEnrollment(ctx, req, reply, flow, user, device), 303);
  });

  app.get('/login/enroll/webauthn', async (req, reply) => {
    const flow = await currentFlow(ctx, req);
    await enrollingUser(ctx, req, flow);
    return sendPage(reply, 'enroll-webauthn', { title: 'Add a security key or passkey', ...(await enrollPageFields(ctx, req, flow)), name: 'Security key' });
  });

  app.post('/login/enroll/webauthn/options', async (req) => {
    const flow = await currentFlow(ctx, req);
    checkCsrfHeader(req, flow.csrf);
    const user = await enrollingUser(ctx, req, flow);
    const options = await beginWebauthnEnrollment(ctx, user);
    await bindChallenge(ctx, flow, options.challenge, 'register');
    return options;
  });

  app.post('/login/enroll/webauthn/verify', async (req, reply) => {
    const flow = await currentFlow(ctx, req);
    checkCsrfHeader(req, flow.csrf);
    const user = await enrollingUser(ctx, req, flow);
    const { response, name } = readInput(webauthnForm, req.body);
    let device: MfaDevice;
    try {
      device = await finishWebauthnEnrollment(ctx, user, { response: response as unknown as RegistrationResponseJSON, expectedChallenge: expectedChallengeFor(ctx, flow, 'register'), name },
        (tx, stored) => auditEnroll(tx, req, flow, user, factorName.webauthn, 'success', stored, null));
    } catch (e) {
      count('enroll_webauthn', 'failure');
      await auditEnroll(ctx, req, flow, user, factorName.webauthn, 'failure', null, isGatehouseError(e) ? ((e.detail as { reason?: string } | undefined)?.reason ?? e.code) : 'error');
      throw e;
    }
    count('enroll_webauthn', 'success');
    return { redirect: await afterEnrollment(ctx, req, reply, flow, user, device) };
  });

  /** The new recovery codes, shown while the flow waits in recovery-codes (sealed in the flow, never logged). */
  app.get('/login/recovery-codes', async (req, reply) => {
    const flow = await currentFlow(ctx, req);
    requireState(flow, 'recovery-codes');
    const user = await ctx.store.users.findById(flow.userId ?? '');
    return sendPage(reply, 'recovery-codes', {
      title: 'Save your recovery codes', ...(await enrollPageFields(ctx, req, flow)), continueAction: '/login/recovery-codes',
      ...recoveryCodesModel(recoveryCodesOf(ctx, flow), { username: user?.username ?? '', site: ctx.config.auth.rpName, now: ctx.now().getTime() }),
    });
  });

  app.post('/login/recovery-codes', async (req, reply) => {
    const flow = await currentFlow(ctx, req);
    checkCsrf(req, flow.csrf);
    requireState(flow, 'recovery-codes');
    if (flow.data.purpose === 'add-device' && req.session?.idHash !== flow.data.sessionHash) throw new GatehouseError('flow_invalid', 'This enrollment does not belong to your session.');
    const done = await advanceFlow(ctx, flow, { state: 'done', clear: ['recoveryCodesSealed'] });
    return reply.redirect(await finishFlow(ctx, req, reply, done), 303);
  });
}
