/**
 * /account: the signed-in person's MFA devices (kind, name, added, last used), adding and removing devices, and
 * new recovery codes. Changes need a recent sign-in (5 minutes) or the password again.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { Metrics } from '../metrics.js';
import type { WebSession } from '../session.js';
import { GatehouseError } from '../../errors.js';
import { recordAudit } from '../../audit/recordAudit.js';
import { deviceFactors, factorFacts } from '../../auth/factors.js';
import { startFlow } from '../../auth/flow/storedFlow.js';
import { reauthenticate } from '../../auth/reauthenticate.js';
import { checkDeviceLimit, issueRecoveryCodes, listDevices, removeDevice, type DeviceView } from '../../auth/devices.js';
import { checkCsrf } from '../session.js';
import { pageSession, pageUser, requireFullSession, setFlowCookie } from '../guards.js';
import { formError, sendFormError, sendPage, stepMeta } from '../signIn.js';
import type { PageModel } from '../views.js';
import { choiceField, readInput, textField } from '../readInput.js';

/** How long after signing in a person may change devices without typing the password again. */
const REAUTH_WINDOW_MS = 5 * 60_000;

/** The password again (needed when the sign-in is older than REAUTH_WINDOW_MS). */
const reauthForm = z.object({ password: textField(8192, { allowControls: true }).optional() });
const addForm = reauthForm.extend({ kind: choiceField(deviceFactors).optional() });
const deviceParams = z.object({ id: textField(100) });
const when = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';

const notices: Record<string, string> = {
  added: 'Your new device is ready.', removed: 'The device was removed.',
  password: 'Your password was changed. You were signed out everywhere else.',
};

/** The notice for `?done=…`: only the page's own keys (`constructor`, `__proto__` and the like are not notices). */
export function noticeFor(done: unknown): string | null {
  return typeof done === 'string' && Object.hasOwn(notices, done) ? notices[done] ?? null : null;
}

function isFresh(ctx: AppContext, s: WebSession): boolean {
  return ctx.now().getTime() - s.createdAt < REAUTH_WINDOW_MS;
}

/** A recent sign-in, or the password again (with the sign-in's lockout, back-off and audit). */
async function requireRecentAuth(ctx: AppContext, req: FastifyRequest, s: WebSession): Promise<void> {
  const { password } = readInput(reauthForm, req.body);
  if (isFresh(ctx, s)) return;
  await reauthenticate(ctx, s.user, password ?? '', stepMeta(req));
}

function deviceRow(d: DeviceView) {
  return {
    ...d, createdIso: new Date(d.createdAt).toISOString(), createdText: when(d.createdAt),
    lastUsedIso: d.lastUsedAt ? new Date(d.lastUsedAt).toISOString() : null, lastUsedText: d.lastUsedAt ? when(d.lastUsedAt) : null,
  };
}

async function accountModel(ctx: AppContext, s: WebSession): Promise<PageModel> {
  const devices = (await listDevices(ctx, s.userId)).map(deviceRow);
  return {
    title: 'Your account', csrf: s.csrf, user: await pageUser(ctx, s), devices, remainingCodes: await ctx.store.devices.remainingRecoveryCodes(s.userId),
    needPassword: !isFresh(ctx, s), canAdd: devices.length < ctx.config.auth.maxDevices, maxDevices: ctx.config.auth.maxDevices,
    deviceChoices: deviceFactors.map((f) => ({ value: f, label: factorFacts[f].label.name })),
  };
}

async function findOwnDevice(ctx: AppContext, s: WebSession, id: string) {
  const device = (await listDevices(ctx, s.userId)).find((d) => d.id === id);
  if (!device) throw new GatehouseError('not_found', 'No such device on your account.');
  return deviceRow(device);
}

export async function registerAccountRoutes(app: FastifyInstance, ctx: AppContext, _metrics: Metrics): Promise<void> {
  /** Runs a change; a form error shows the account page (or `page`) again with the error announced. */
  const withFormErrors = async (reply: FastifyReply, s: WebSession, fn: () => Promise<FastifyReply>, page?: { name: string; model: PageModel }) => {
    try {
      return await fn();
    } catch (e) {
      const fe = formError(e);
      if (!fe) throw e;
      return page ? sendFormError(reply, fe, page.name, page.model) : sendFormError(reply, fe, 'account', await accountModel(ctx, s));
    }
  };

  app.get('/account', async (req, reply) => {
    const s = await pageSession(ctx, req, reply);
    if (!s) return reply;
    return sendPage(reply, 'account', { ...(await accountModel(ctx, s)), notice: noticeFor((req.query as Record<string, unknown>).done) });
  });

  /** Starts an add-device flow bound to this session; the enrollment pages do the rest. */
  app.post('/account/devices/add', async (req, reply) => {
    const s = await requireFullSession(ctx, req);
    checkCsrf(req, s.csrf);
    return withFormErrors(reply, s, async () => {
      const { kind = deviceFactors[0]! } = readInput(addForm, req.body);
      await requireRecentAuth(ctx, req, s);
      await checkDeviceLimit(ctx, s.userId);
      const flow = await startFlow(ctx, { purpose: 'add-device', state: 'enroll-mfa', userId: s.userId, returnTo: '/account', factorsDone: ['password'], data: { sessionHash: s.idHash } });
      setFlowCookie(ctx, reply, flow);
      return reply.redirect(`/login/enroll/${kind}`, 303);
    });
  });

  app.get<{ Params: { id: string } }>('/account/devices/:id/remove', async (req, reply) => {
    const s = await pageSession(ctx, req, reply);
    if (!s) return reply;
    const device = await findOwnDevice(ctx, s, readInput(deviceParams, req.params, 'path').id);
    return sendPage(reply, 'device-remove', { title: 'Remove device', csrf: s.csrf, user: await pageUser(ctx, s), device, needPassword: !isFresh(ctx, s) });
  });

  app.post<{ Params: { id: string } }>('/account/devices/:id/remove', async (req, reply) => {
    const s = await requireFullSession(ctx, req);
    checkCsrf(req, s.csrf);
    const device = await findOwnDevice(ctx, s, readInput(deviceParams, req.params, 'path').id);
    const page = { name: 'device-remove', model: { title: 'Remove device', csrf: s.csrf, user: await pageUser(ctx, s), device, needPassword: !isFresh(ctx, s) } };
    return withFormErrors(reply, s, async () => {
      await requireRecentAuth(ctx, req, s);
      await removeDevice(ctx, s.user, device.id, (tx, removed) => recordAudit(tx, {
        type: 'device.removed', outcome: 'success', userId: s.userId, username: s.user.username,
        deviceId: removed.id, deviceName: removed.name, factor: removed.kind,
      }, { req }));
      return reply.redirect('/account?done=removed', 303);
    }, page);
  });

  /** New recovery codes, shown once in this response; the old ones stop working. */
  app.post('/account/recovery-codes', async (req, reply) => {
    const s = await requireFullSession(ctx, req);
    checkCsrf(req, s.csrf);
    return withFormErrors(reply, s, async () => {
      await requireRecentAuth(ctx, req, s);
      const codes = await issueRecoveryCodes(ctx, s.userId, (tx, issued) => recordAudit(tx, {
        type: 'recovery.regenerated', outcome: 'success', userId: s.userId, username: s.user.username, detail: { count: issued.length },
      }, { req }));
      return sendPage(reply, 'recovery-codes', { title: 'Your new recovery codes', user: await pageUser(ctx, s), csrf: s.csrf, codes, continueHref: '/account' });
    });
  });
}
