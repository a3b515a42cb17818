/**
 * The forms of a person's console page (/admin/people/:username/…). Destructive changes — disable, reset MFA,
 * remove a device — first show a confirmation page (plain forms, no JavaScript); MFA resets, device removal and
 * invitation links are sensitive (adminPageActor sends a stale session through re-authentication and back to the
 * confirmation page). A one-time link or a generated password is shown once, on a page that is never cached.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { clearLock } from '../../../auth/lockout.js';
import { resetMfa } from '../../../auth/resetMfa.js';
import { issueEnrollmentLink } from '../../../auth/enrollmentLink.js';
import { setPersonPassword, setPersonStatus, updatePerson } from '../../../admin/people.js';
import { setMembership } from '../../../admin/memberships.js';
import { requireGroup, requirePerson } from '../../../admin/find.js';
import { findPersonDevice, removePersonDevice, renamePersonDevice } from '../../../admin/personDevices.js';
import { describePerson } from '../../../admin/findPeople.js';
import type { User } from '../../../store/repositories/users.js';
import { adminPageActor, type AdminActor, type AdminNeeds } from '../../adminAuth.js';
import { changedBy } from '../../../admin/changeActor.js';
import { sendAdminPage } from '../../adminPage.js';
import { formatTime, readerTimeZone } from '../../formatTime.js';
import { clientIp } from '../../guards.js';
import { choiceField, readInput, textField } from '../../readInput.js';
import { formRefusal, personPath, sendPersonPage } from './peoplePages.js';
import { userParams } from './peopleApi.js';

/** The person of every route here (their device, when the path names one, is read by `deviceOf`). */
const personParams = z.object(userParams.shape);
const deviceParams = userParams.extend({ deviceId: textField(64) });
const detailsForm = z.object({ email: textField(320).optional(), displayName: textField(256).optional() });
const passwordForm = z.object({ mode: choiceField(['generate', 'type']), password: textField(1024, { allowControls: true }).optional(), temporary: choiceField(['1']).optional() });
const groupForm = z.object({ group: textField(128) });
const renameForm = z.object({ name: textField(64) });

/** What a confirmation page (views/admin/person-confirm.eta) says and does. */
interface Confirmation {
  heading: string;
  /** Paragraphs: what will happen. */
  lines: string[];
  action: string;
  button: string;
}

/**
 * The admin and the person of a request, or undefined when the admin was sent elsewhere first (sign-in,
 * re-authentication). They come back to this page (a GET), to the page of the same path that shows the form
 * (`samePage`: a confirmation or rename page), or to the person's page.
 */
async function actorAndPerson(ctx: AppContext, req: FastifyRequest, reply: FastifyReply, needs: AdminNeeds & { samePage?: boolean }): Promise<{ actor: AdminActor; user: User } | undefined> {
  const username = readInput(personParams, req.params, 'path').username;
  const returnTo = req.method === 'GET' || needs.samePage ? req.url : personPath(username);
  const actor = await adminPageActor(ctx, req, reply, { access: needs.access, sensitive: needs.sensitive, returnTo });
  if (!actor) return undefined;
  return { actor, user: await requirePerson(ctx, username) };
}

const done = (reply: FastifyReply, user: User, what: string) => reply.redirect(`${personPath(user.username)}?done=${what}`, 303);

function sendConfirmation(ctx: AppContext, reply: FastifyReply, actor: AdminActor, user: User, c: Confirmation, error?: string, status = 200) {
  return sendAdminPage(ctx, reply, actor, 'admin/person-confirm', 'people', { title: c.heading, ...c, back: personPath(user.username), error }, status);
}

/** A secret shown once (an invitation link, a generated password): never cached, never logged. */
function sendSecret(ctx: AppContext, reply: FastifyReply, actor: AdminActor, user: User, model: { heading: string; label: string; value: string; lines: string[] }) {
  reply.header('cache-control', 'no-store');
  return sendAdminPage(ctx, reply, actor, 'admin/person-secret', 'people', { title: model.heading, ...model, back: personPath(user.username) });
}

export async function registerPersonActionPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const base = '/admin/people/:username';
  const zone = (actor: AdminActor) => readerTimeZone(actor.session!.user, ctx.config.ui.timeZone);

  app.post(`${base}/details`, async (req, reply) => {
    const a = await actorAndPerson(ctx, req, reply, { access: 'write' });
    if (!a) return reply;
    try {
      const f = readInput(detailsForm, req.body);
      await updatePerson(ctx, a.user, { email: f.email ?? null, displayName: f.displayName ?? null }, a.actor);
      return done(reply, a.user, 'updated');
    } catch (e) {
      const refused = formRefusal(e, (x) => (x.code === 'conflict' ? 'email' : undefined));
      if (!refused) throw e;
      return sendPersonPage(ctx, reply, a.actor, a.user, { error: refused.message, fieldErrors: refused.fields, form: req.body as Record<string, unknown> }, refused.status);
    }
  });

  app.post(`${base}/unlock`, async (req, reply) => {
    const a = await actorAndPerson(ctx, req, reply, { access: 'write' });
    if (!a) return reply;
    const cleared = await clearLock(ctx.store, a.user.username, { now: ctx.now().getTime(), ...changedBy(a.actor), ip: clientIp(req), requestId: req.id });
    return done(reply, a.user, cleared ? 'unlocked' : 'not-locked');
  });

  const disable = (user: User): Confirmation => ({
    heading: `Disable ${user.username}?`,
    lines: [
      'They will not be able to sign in, and no AWS role or service provider will accept them.',
      'Their browser sessions and command-line sessions end now. Their devices, groups and password stay, so enabling them again restores everything.',
    ],
    action: `${personPath(user.username)}/disable`, button: `Disable ${user.username}`,
  });
  app.get(`${base}/disable`, async (req, reply) => {
    const a = await actorAndPerson(ctx, req, reply, { access: 'write' });
    if (!a) return reply;
    return sendConfirmation(ctx, reply, a.actor, a.user, disable(a.user));
  });
  app.post(`${base}/disable`, async (req, reply) => {
    const a = await actorAndPerson(ctx, req, reply, { access: 'write', samePage: true });
    if (!a) return reply;
    try {
      await setPersonStatus(ctx, a.user, 'disabled', a.actor);
    } catch (e) {
      const refused = formRefusal(e);
      if (!refused) throw e;
      return sendConfirmation(ctx, reply, a.actor, a.user, disable(a.user), refused.message, refused.status);
    }
    return done(reply, a.user, 'disabled');
  });
  app.post(`${base}/enable`, async (req, reply) => {
    const a = await actorAndPerson(ctx, req, reply, { access: 'write' });
    if (!a) return reply;
    await setPersonStatus(ctx, a.user, 'active', a.actor);
    return done(reply, a.user, 'enabled');
  });

  app.post(`${base}/password`, async (req, reply) => {
    const a = await actorAndPerson(ctx, req, reply, { access: 'write' });
    if (!a) return reply;
    try {
      const f = readInput(passwordForm, req.body);
      const r = await setPersonPassword(ctx, a.user, { ...(f.mode === 'generate' ? { generate: true as const } : { password: f.password ?? '' }), temporary: f.temporary === '1' }, a.actor);
      if (!r.generated) return done(reply, a.user, 'password');
      return sendSecret(ctx, reply, a.actor, a.user, {
        heading: `New password for ${a.user.username}`, label: 'Password', value: r.generated,
        lines: ['Give it to them over a channel you trust. It is shown only this once: Gatehouse keeps only its hash.', 'Their sessions and command-line sessions were ended.'],
      });
    } catch (e) {
      const refused = formRefusal(e, (x) => (x.code === 'password_rejected' ? 'password' : undefined));
      if (!refused) throw e;
      return sendPersonPage(ctx, reply, a.actor, a.user, { error: refused.message, fieldErrors: refused.fields }, refused.status);
    }
  });

  const resetMfaConfirmation = async (user: User): Promise<Confirmation> => {
    const { devices, recoveryCodes } = await describePerson(ctx, user);
    const have = devices.length === 0 ? 'no device' : `${devices.length === 1 ? 'one device' : `${devices.length} devices`} (${devices.map((d) => d.name).join(', ')})`;
    return {
      heading: `Reset the MFA of ${user.username}?`,
      lines: [
        `They have ${have} and ${recoveryCodes} unused recovery code${recoveryCodes === 1 ? '' : 's'}.`,
        'Every device and every recovery code of theirs is removed, and their browser sessions and command-line sessions end.',
        ctx.config.auth.enrollAtFirstLogin
          ? 'Their next sign-in, after the password, asks them to set up a new device. You can also send them an invitation link.'
          : 'They cannot sign in until they set up a new device with an invitation link: make one on their page afterwards.',
      ],
      action: `${personPath(user.username)}/reset-mfa`, button: 'Reset MFA',
    };
  };
  app.get(`${base}/reset-mfa`, async (req, reply) => {
    const a = await actorAndPerson(ctx, req, reply, { access: 'write', sensitive: true });
    if (!a) return reply;
    return sendConfirmation(ctx, reply, a.actor, a.user, await resetMfaConfirmation(a.user));
  });
  app.post(`${base}/reset-mfa`, async (req, reply) => {
    const a = await actorAndPerson(ctx, req, reply, { access: 'write', sensitive: true, samePage: true });
    if (!a) return reply;
    await resetMfa(ctx, a.user, a.actor);
    return done(reply, a.user, 'mfa-reset');
  });

  app.post(`${base}/enrollment-link`, async (req, reply) => {
    const a = await actorAndPerson(ctx, req, reply, { access: 'write', sensitive: true });
    if (!a) return reply;
    const link = await issueEnrollmentLink(ctx, a.user, a.actor);
    const until = formatTime(link.expiresAt, zone(a.actor)).text;
    return sendSecret(ctx, reply, a.actor, a.user, {
      heading: `Invitation link for ${a.user.username}`, label: 'One-time link', value: link.url,
      lines: [
        a.user.passwordHash === null ? 'With it they choose a password, then set up a device.' : 'With it they confirm their password, then set up a device.',
        `It works once, until ${until}. Give it to them only; it is shown only this once.`,
      ],
    });
  });

  const removeDeviceConfirmation = (user: User, d: { id: string; name: string; kindLabel: string }): Confirmation => ({
    heading: `Remove “${d.name}” of ${user.username}?`,
    lines: [`${d.kindLabel}. They will no longer be able to sign in with it.`],
    action: `${personPath(user.username)}/devices/${encodeURIComponent(d.id)}/remove`, button: 'Remove device',
  });
  const deviceOf = async (req: FastifyRequest, user: User) => findPersonDevice(ctx, user, readInput(deviceParams, req.params, 'path').deviceId);
  app.get(`${base}/devices/:deviceId/remove`, async (req, reply) => {
    const a = await actorAndPerson(ctx, req, reply, { access: 'write', sensitive: true });
    if (!a) return reply;
    return sendConfirmation(ctx, reply, a.actor, a.user, removeDeviceConfirmation(a.user, await deviceOf(req, a.user)));
  });
  app.post(`${base}/devices/:deviceId/remove`, async (req, reply) => {
    const a = await actorAndPerson(ctx, req, reply, { access: 'write', sensitive: true, samePage: true });
    if (!a) return reply;
    const d = await deviceOf(req, a.user);
    try {
      await removePersonDevice(ctx, a.user, d.id, a.actor);
    } catch (e) {
      const refused = formRefusal(e);
      if (!refused) throw e;
      return sendConfirmation(ctx, reply, a.actor, a.user, removeDeviceConfirmation(a.user, d), refused.message, refused.status);
    }
    return done(reply, a.user, 'device-removed');
  });

  const sendRename = (reply: FastifyReply, actor: AdminActor, user: User, d: { id: string; name: string }, name: string, error?: { message: string; status: number }) =>
    sendAdminPage(ctx, reply, actor, 'admin/person-device-rename', 'people', {
      title: `Rename “${d.name}”`, device: d, name, back: personPath(user.username),
      action: `${personPath(user.username)}/devices/${encodeURIComponent(d.id)}/rename`, error: error?.message, fieldErrors: error ? { name: error.message } : {},
    }, error?.status ?? 200);
  app.get(`${base}/devices/:deviceId/rename`, async (req, reply) => {
    const a = await actorAndPerson(ctx, req, reply, { access: 'write' });
    if (!a) return reply;
    const d = await deviceOf(req, a.user);
    return sendRename(reply, a.actor, a.user, d, d.name);
  });
  app.post(`${base}/devices/:deviceId/rename`, async (req, reply) => {
    const a = await actorAndPerson(ctx, req, reply, { access: 'write', samePage: true });
    if (!a) return reply;
    const d = await deviceOf(req, a.user);
    const typed = String((req.body as Record<string, unknown> | undefined)?.name ?? '');
    try {
      await renamePersonDevice(ctx, a.user, d.id, readInput(renameForm, req.body).name, a.actor);
    } catch (e) {
      const refused = formRefusal(e);
      if (!refused) throw e;
      return sendRename(reply, a.actor, a.user, d, typed.slice(0, 200), { message: refused.fields.name ?? refused.message, status: refused.status });
    }
    return done(reply, a.user, 'renamed');
  });

  for (const add of [true, false]) {
    app.post(`${base}/groups${add ? '' : '/remove'}`, async (req, reply) => {
      const a = await actorAndPerson(ctx, req, reply, { access: 'write' });
      if (!a) return reply;
      try {
        const group = await requireGroup(ctx, readInput(groupForm, req.body).group);
        await setMembership(ctx, a.user, group, add, a.actor);
      } catch (e) {
        const refused = formRefusal(e, () => 'group');
        if (!refused) throw e;
        return sendPersonPage(ctx, reply, a.actor, a.user, { error: refused.message, fieldErrors: refused.fields }, refused.status);
      }
      return done(reply, a.user, add ? 'group-added' : 'group-removed');
    });
  }
}
