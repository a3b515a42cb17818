/**
 * /account: the signed-in person's MFA devices (kind, name, added, last used), adding, renaming and removing
 * devices, and new recovery codes (after a confirmation). Adding and removing devices and new codes need a recent
 * sign-in (5 minutes) or the password again. Other pages send a person here to add a device with a return path
 * (`addDeviceHref`), and after a recovery-code sign-in to see how many codes remain (`recoveryUsedHref`).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import type { Metrics } from '../metrics.js';
import type { WebSession } from '../session.js';
import { GatehouseError } from '../../errors.js';
import { recordAudit } from '../../audit/recordAudit.js';
import { deviceFactors, factorFacts, isDeviceFactor, type DeviceFactor } from '../../auth/factors.js';
import { startFlow } from '../../auth/flow/storedFlow.js';
import { reauthenticate } from '../../auth/reauthenticate.js';
import {
  checkDeviceLimit, DEVICE_NAME_MAX, listDevices, removeDevice, renameDevice, type DeviceView,
} from '../../auth/devices.js';
import { safeReturnTo } from '../../auth/flow/returnTo.js';
import { checkCsrf } from '../session.js';
import { pageSession, pageUser, requireFullSession, setFlowCookie } from '../guards.js';
import { formError, sendFormError, sendPage, stepMeta } from '../signIn.js';
import type { PageModel } from '../views.js';
import { choiceField, readInput, textField } from '../readInput.js';
import { formatTime, readerTimeZone } from '../formatTime.js';
import { timeZoneChoices } from '../../time/timeZone.js';
import { setTimeZone } from '../../directory/setTimeZone.js';

/** How long after signing in a person may change devices without typing the password again. */
const REAUTH_WINDOW_MS = 5 * 60_000;

/** The password again (needed when the sign-in is older than REAUTH_WINDOW_MS). */
const reauthForm = z.object({ password: textField(8192, { allowControls: true }).optional() });
const addForm = reauthForm.extend({ kind: choiceField(deviceFactors).optional(), return_to: textField(8192).optional() });
const deviceParams = z.object({ id: textField(100) });
const timeZoneForm = z.object({ time_zone: textField(64) });

/** A device's new name as typed (`renameDevice` decides what is a good name; this only bounds it). */
const renameForm = z.object({ name: textField(1024, { allowControls: true }) });

const notices: Record<string, string> = { added: 'Your new device is ready.', removed: 'The device was removed.', renamed: 'The device was renamed.', 'time-zone': 'Your time zone is saved.',
  password: 'Your password was changed. You were signed out everywhere else.',
};

/**
 * The add-device form on /account with `factor` chosen, coming back to `returnTo` once the device is added: where a
 * person is sent who lacks the factor a role or a step-up needs ("Add a security key").
 */
export function addDeviceHref(factor: DeviceFactor, returnTo: string): string {
  return `/account?${new URLSearchParams({ add: factor, return_to: safeReturnTo(returnTo) }).toString()}#add-device`;
}

/** A return path given as `return_to` (only a single text value; never the account page itself). */
function returnToOf(value: unknown): string | undefined {
  const path = typeof value === 'string' ? safeReturnTo(value) : undefined;
  return path && path !== '/account' && !path.startsWith('/account?') ? path : undefined;
}

/** The notice for `?done=…`: only the page's own keys (`constructor`, `__proto__` and the like are not notices). */
export function noticeFor(done: unknown): string | null {
  return typeof done === 'string' && Object.hasOwn(notices, done) ? notices[done] ?? null : null;
}

/** True when the person signed in less than 5 minutes ago (no password needed for a change). */
export function isFresh(ctx: AppContext, s: WebSession): boolean {
  return ctx.now().getTime() - s.createdAt < REAUTH_WINDOW_MS;
}

/** A recent sign-in, or the password again (with the sign-in's lockout, back-off and audit). */
export async function requireRecentAuth(ctx: AppContext, req: FastifyRequest, s: WebSession): Promise<void> {
  const { password } = readInput(reauthForm, req.body);
  if (isFresh(ctx, s)) return;
  await reauthenticate(ctx, s.user, password ?? '', stepMeta(req));
}

/** A device for the page, its times in the person's time zone. */
function deviceRow(ctx: AppContext, s: WebSession, d: DeviceView) {
  const zone = readerTimeZone(s.user, ctx.config.ui.timeZone);
  return { ...d, kindNoun: factorFacts[d.kind].label.noun, created: formatTime(d.createdAt, zone), lastUsed: d.lastUsedAt ? formatTime(d.lastUsedAt, zone) : null };
}

/** The time zone select: the default (`ui.timeZone`), then every zone (the person's own first when it is an alias). */
function timeZoneField(ctx: AppContext, s: WebSession) {
  const own = s.user.timeZone;
  const zones = own && !timeZoneChoices().includes(own) ? [own, ...timeZoneChoices()] : timeZoneChoices();
  return { value: own ?? '', options: [{ value: '', label: `Default (${ctx.config.ui.timeZone})` }, ...zones.map((z) => ({ value: z, label: z.replace(/_/g, ' ') }))] };
}

/** The account page; `add` preselects a device kind and `returnTo` is where adding a device goes back to. */
async function accountModel(ctx: AppContext, s: WebSession, opts: { add?: DeviceFactor; returnTo?: string } = {}): Promise<PageModel> {
  const devices = (await listDevices(ctx, s.userId)).map((d) => deviceRow(ctx, s, d));
  const add = opts.add ?? deviceFactors[0]!;
  return {
    title: 'Your account', csrf: s.csrf, user: await pageUser(ctx, s), devices, remainingCodes: await ctx.store.devices.remainingRecoveryCodes(s.userId),
    needPassword: !isFresh(ctx, s), canAdd: devices.length < ctx.config.auth.maxDevices, maxDevices: ctx.config.auth.maxDevices,
    deviceChoices: deviceFactors.map((f) => ({ value: f, label: factorFacts[f].label.name, checked: f === add })), returnTo: opts.returnTo ?? null, timeZone: timeZoneField(ctx, s),
  };
}

/** The /account notice and "Continue" link: a device added on the way somewhere, or an invitation to add one. */
function accountNotice(q: Record<string, unknown>, returnTo: string | undefined, add: DeviceFactor | undefined): { notice: string | null; continueHref?: string } {
  if (q.done === 'added' && returnTo) return { notice: noticeFor(q.done), continueHref: returnTo };
  if (add && returnTo && q.done === undefined) return { notice: `To continue, ${factorFacts[add].label.add.toLowerCase()} below.` };
  return { notice: noticeFor(q.done) };
}

async function findOwnDevice(ctx: AppContext, s: WebSession, id: string) {
  const device = (await listDevices(ctx, s.userId)).find((d) => d.id === id);
  if (!device) throw new GatehouseError('not_found', 'No such device on your account.');
  return deviceRow(ctx, s, device);
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
    const q = req.query as Record<string, unknown>;
    const add = isDeviceFactor(q.add) ? q.add : undefined;
    const returnTo = returnToOf(q.return_to);
    return sendPage(reply, 'account', { ...(await accountModel(ctx, s, { add, returnTo: q.done === undefined ? returnTo : undefined })), ...accountNotice(q, returnTo, add) });
  });

  /** Starts an add-device flow bound to this session, ending at `return_to` (else /account); the enrollment pages do the rest. */
  app.post('/account/devices/add', async (req, reply) => {
    const s = await requireFullSession(ctx, req);
    checkCsrf(req, s.csrf);
    const body = (req.body ?? {}) as Record<string, unknown>;
    const page = { name: 'account', model: await accountModel(ctx, s, { add: isDeviceFactor(body.kind) ? body.kind : undefined, returnTo: returnToOf(body.return_to) }) };
    return withFormErrors(reply, s, async () => {
      const { kind = deviceFactors[0]!, return_to } = readInput(addForm, req.body);
      await requireRecentAuth(ctx, req, s);
      await checkDeviceLimit(ctx, s.userId);
      const flow = await startFlow(ctx, {
        purpose: 'add-device', state: 'enroll-mfa', userId: s.userId, returnTo: returnToOf(return_to) ?? '/account', factorsDone: ['password'], data: { sessionHash: s.idHash },
      });
      setFlowCookie(ctx, reply, flow);
      return reply.redirect(`/login/enroll/${kind}`, 303);
    }, page);
  });

  const renamePage = async (s: WebSession, device: DeviceView, name: string) => ({
    name: 'device-rename', model: { title: 'Rename device', csrf: s.csrf, user: await pageUser(ctx, s), device, name, maxLength: DEVICE_NAME_MAX },
  });

  app.get<{ Params: { id: string } }>('/account/devices/:id/rename', async (req, reply) => {
    const s = await pageSession(ctx, req, reply);
    if (!s) return reply;
    const device = await findOwnDevice(ctx, s, readInput(deviceParams, req.params, 'path').id);
    const page = await renamePage(s, device, device.name);
    return sendPage(reply, page.name, page.model);
  });

  /** A new name for one of the person's devices (no password needed: a name grants nothing), audited with before and after. */
  app.post<{ Params: { id: string } }>('/account/devices/:id/rename', async (req, reply) => {
    const s = await requireFullSession(ctx, req);
    checkCsrf(req, s.csrf);
    const device = await findOwnDevice(ctx, s, readInput(deviceParams, req.params, 'path').id);
    const typed = (req.body as Record<string, unknown> | undefined)?.name;
    return withFormErrors(reply, s, async () => {
      const { name } = readInput(renameForm, req.body);
      await renameDevice(ctx, s.user, device.id, name, (tx, r) => recordAudit(tx, {
        type: 'device.renamed', outcome: 'success', userId: s.userId, username: s.user.username,
        deviceId: r.device.id, deviceName: r.after, factor: r.device.kind, detail: { before: r.before, after: r.after },
      }, { req }));
      return reply.redirect('/account?done=renamed', 303);
    }, await renamePage(s, device, typeof typed === 'string' ? typed.slice(0, 1024) : device.name));
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

  /** The time zone of the person's pages ('' = the default); audited with before and after. */
  app.post('/account/time-zone', async (req, reply) => {
    const s = await requireFullSession(ctx, req);
    checkCsrf(req, s.csrf);
    return withFormErrors(reply, s, async () => {
      const { time_zone: zone } = readInput(timeZoneForm, req.body);
      await setTimeZone(ctx, s.user, zone === '' ? null : zone, s.user.username, req);
      return reply.redirect('/account?done=time-zone', 303);
    });
  });
}
