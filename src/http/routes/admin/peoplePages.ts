/**
 * Console pages for people: /admin/people (search, paginated), /admin/new-person (add a person; not under /admin/people/, where any name could be a username) and
 * /admin/people/:username (their details, lock, status, password, devices, MFA, invitation link, groups). The
 * forms on a person's page post to personActionPages.ts. Every change calls the function the API and CLI call.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import type { User } from '../../../store/repositories/users.js';
import { createPerson } from '../../../admin/people.js';
import { requirePerson } from '../../../admin/find.js';
import { deviceCounts, describePerson, searchPeople } from '../../../admin/findPeople.js';
import { adminPageActor, type AdminActor } from '../../adminAuth.js';
import { sendAdminPage } from '../../adminPage.js';
import { formatTime, readerTimeZone } from '../../formatTime.js';
import { choiceField, readInput, textField } from '../../readInput.js';
import { isGatehouseError, type ErrorCode, type GatehouseError } from '../../../errors.js';
import { fieldErrorsOf } from '../../signIn.js';
import { userParams } from './peopleApi.js';

/** People per page of the console's list. */
const PAGE_SIZE = 25;

/** The path of a person's page (and the prefix of its forms). */
export const personPath = (username: string): string => `/admin/people/${encodeURIComponent(username)}`;

/** Notices a person's page shows after a change (`?done=`): fixed sentences, never text from the request. */
const notices: Record<string, string> = {
  created: 'The person was added. Send them an invitation link: with it they choose a password and set up a device.',
  updated: 'The details were saved.',
  unlocked: 'The lock was cleared: they can sign in again.',
  'not-locked': 'There was no lock to clear.',
  disabled: 'The person is disabled: their sessions and command-line sessions were ended.',
  enabled: 'The person is enabled again.',
  password: 'The password was set. Their sessions and command-line sessions were ended.',
  'mfa-reset': 'Their MFA was reset: every device and recovery code was removed and their sessions ended. Their next sign-in sets up a new device.',
  renamed: 'The device was renamed.',
  'device-removed': 'The device was removed.',
  'group-added': 'The person was added to the group.',
  'group-removed': 'The person was removed from the group.',
};

const listQuery = z.object({
  q: textField(200).optional(),
  status: choiceField(['', 'active', 'disabled']).optional(),
  group: textField(128).optional(),
  locked: choiceField(['', 'yes', 'no']).optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export interface FormRefusal { message: string; fields: Record<string, string>; status: number }

/** Errors a console form shows above itself (with the fields they name) instead of the error page. */
const formCodes: readonly ErrorCode[] = ['validation_failed', 'conflict', 'not_found', 'password_rejected'];

/** What a form shows for a refused change: the message, the refused fields (by form name), the status; undefined: not a form error. */
export function formRefusal(e: unknown, field?: (e: GatehouseError) => string | undefined): FormRefusal | undefined {
  if (!isGatehouseError(e) || !formCodes.includes(e.code)) return undefined;
  const fields = fieldErrorsOf(e);
  const named = field?.(e);
  if (named && !fields[named]) fields[named] = e.message;
  const message = e.code === 'validation_failed' && Object.keys(fields).length > 0 ? 'Check the fields marked below.' : e.message;
  return { message, fields, status: e.status };
}

const zoneOf = (ctx: AppContext, actor: AdminActor) => readerTimeZone(actor.session!.user, ctx.config.ui.timeZone);

/** The add-a-person form: its fields as typed, and the groups to choose from. */
const newPersonForm = z.object({
  username: textField(128),
  email: textField(320).optional(),
  displayName: textField(256).optional(),
  groups: z.union([textField(128), z.array(textField(128)).max(100)]).optional(),
});

async function sendNewPersonPage(ctx: AppContext, reply: FastifyReply, actor: AdminActor, form: Record<string, unknown>, error?: FormRefusal) {
  const chosen = new Set(([] as unknown[]).concat(form.groups ?? []).map(String));
  const groups = (await ctx.store.groups.list()).map((g) => ({ name: g.name, checked: chosen.has(g.name) }));
  return sendAdminPage(ctx, reply, actor, 'admin/person-new', 'people', {
    title: 'Add a person', form, groups, error: error?.message, fieldErrors: error?.fields ?? {},
  }, error?.status ?? 200);
}

/** A lifetime in words: `3 days`, `12 hours`, `30 minutes`. */
function lifetime(seconds: number): string {
  const [n, unit] = seconds % 86_400 === 0 ? [seconds / 86_400, 'day'] : seconds % 3600 === 0 ? [seconds / 3600, 'hour'] : [Math.ceil(seconds / 60), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** Everything a person's page shows, for `views/admin/person.eta`. */
export async function sendPersonPage(ctx: AppContext, reply: FastifyReply, actor: AdminActor, user: User, extra: { notice?: string; error?: string; fieldErrors?: Record<string, string>; form?: Record<string, unknown> } = {}, status = 200): Promise<FastifyReply> {
  const zone = zoneOf(ctx, actor);
  const p = await describePerson(ctx, user);
  const allGroups = (await ctx.store.groups.list()).map((g) => g.name);
  const time = (ms: number | null) => (ms === null ? null : formatTime(ms, zone));
  return sendAdminPage(ctx, reply, actor, 'admin/person', 'people', {
    title: user.username,
    base: personPath(user.username),
    person: {
      username: user.username, displayName: user.displayName, email: user.email, status: user.status, hasPassword: user.passwordHash !== null,
      timeZone: user.timeZone ?? `${ctx.config.ui.timeZone} (the default)`, created: time(user.createdAt), lastUsed: time(p.lastSecondFactorAt),
      lockedUntil: time(p.lockedUntil), groups: p.groups, recoveryCodes: p.recoveryCodes, isSelf: user.id === actor.userId,
    },
    devices: p.devices.map((d) => ({ id: d.id, name: d.name, kindLabel: d.kindLabel, flagged: d.flagged, created: time(d.createdAt), lastUsed: time(d.lastUsedAt) })),
    otherGroups: allGroups.filter((g) => !p.groups.includes(g)),
    form: extra.form ?? { email: user.email ?? '', displayName: user.displayName ?? '' },
    minLength: ctx.config.auth.passwordMinLength, linkHours: lifetime(ctx.config.auth.enrollmentLinkTtlSeconds),
    notice: extra.notice, error: extra.error, fieldErrors: extra.fieldErrors ?? {},
  }, status);
}

export async function registerPeoplePages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/admin/people', async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    const q = readInput(listQuery, req.query, 'query');
    const found = await searchPeople(ctx, { q: q.q, status: q.status || undefined, group: q.group || undefined, locked: q.locked ? q.locked === 'yes' : undefined });
    const page = found.slice(q.offset, q.offset + PAGE_SIZE);
    const counts = await deviceCounts(ctx, page.map((s) => s.user));
    const zone = zoneOf(ctx, actor);
    const filters = { q: q.q ?? '', status: q.status ?? '', group: q.group ?? '', locked: q.locked ?? '' };
    const href = (offset: number) => `/admin/people?${new URLSearchParams({ ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== '')), ...(offset > 0 ? { offset: String(offset) } : {}) }).toString()}`;
    return sendAdminPage(ctx, reply, actor, 'admin/people', 'people', {
      title: 'People', filters,
      groups: (await ctx.store.groups.list()).map((g) => g.name),
      people: page.map((s) => ({
        username: s.user.username, href: personPath(s.user.username), displayName: s.user.displayName ?? '', email: s.user.email ?? '', status: s.user.status,
        groups: s.groups, devices: counts.get(s.user.id) ?? 0, lockedUntil: s.lockedUntil === null ? null : formatTime(s.lockedUntil, zone),
      })),
      total: found.length, from: found.length === 0 ? 0 : q.offset + 1, to: q.offset + page.length,
      prev: q.offset > 0 ? href(Math.max(0, q.offset - PAGE_SIZE)) : null,
      next: q.offset + PAGE_SIZE < found.length ? href(q.offset + PAGE_SIZE) : null,
    });
  });

  app.get('/admin/new-person', async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'write' });
    if (!actor) return reply;
    return sendNewPersonPage(ctx, reply, actor, {});
  });

  app.post('/admin/people', async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', returnTo: '/admin/new-person' });
    if (!actor) return reply;
    const raw = (req.body ?? {}) as Record<string, unknown>;
    try {
      const f = readInput(newPersonForm, req.body);
      const groups = f.groups === undefined ? [] : ([] as string[]).concat(f.groups);
      const u = await createPerson(ctx, { username: f.username.trim(), email: f.email, displayName: f.displayName, groups }, actor);
      return reply.redirect(`${personPath(u.username)}?done=created`, 303);
    } catch (e) {
      const refused = formRefusal(e, (x) => (x.code === 'not_found' ? 'groups' : x.code === 'conflict' ? (x.message.startsWith('email') ? 'email' : 'username') : undefined));
      if (!refused) throw e;
      return sendNewPersonPage(ctx, reply, actor, raw, refused);
    }
  });

  app.get('/admin/people/:username', async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    const user = await requirePerson(ctx, readInput(userParams, req.params, 'path').username);
    const done = (req.query as Record<string, unknown>).done;
    return sendPersonPage(ctx, reply, actor, user, { notice: typeof done === 'string' && Object.hasOwn(notices, done) ? notices[done] : undefined });
  });
}
