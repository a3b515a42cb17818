/**
 * Admin API for people (/api/v1/admin/users…): search, add, read, edit (email, display name, status), set a
 * password, clear a lockout, reset MFA, issue a one-time enrollment link, rename and remove devices, add to and
 * remove from groups. Each route calls the change function the console and the CLI call (src/admin, src/auth).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { clearLock } from '../../../auth/lockout.js';
import { resetMfa } from '../../../auth/resetMfa.js';
import { issueEnrollmentLink } from '../../../auth/enrollmentLink.js';
import type { DeviceView } from '../../../auth/devices.js';
import { deviceFactors } from '../../../auth/factors.js';
import { changedBy } from '../../../admin/changeActor.js';
import { createPerson, setPersonPassword, updatePerson } from '../../../admin/people.js';
import { setMembership } from '../../../admin/memberships.js';
import { requireGroup, requirePerson } from '../../../admin/find.js';
import { findPersonDevice, removePersonDevice, renamePersonDevice } from '../../../admin/personDevices.js';
import { deviceCounts, describePerson, searchPeople, type PersonDetails, type PersonSummary } from '../../../admin/findPeople.js';
import { choiceField, textField } from '../../readInput.js';
import { adminRoute, pageOf, pageQuery, paginate } from '../../api/adminRoute.js';
import { clientIp } from '../../guards.js';

/** The person named in the path (a username is at most 128 characters; see directoryFile.ts). */
export const userParams = z.strictObject({ username: textField(128).describe('The person\'s username (any case).') });
const deviceParams = userParams.extend({ deviceId: textField(64).describe('The device\'s id (from the devices list).') });
const groupParams = userParams.extend({ group: textField(128).describe('The group\'s name.') });

/** The person named `username`, or `not_found`. */
export const findUser = requirePerson;

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const statuses = ['active', 'disabled'] as const;

const summaryView = z.object({
  username: z.string(), email: z.string().nullable(), displayName: z.string().nullable(), status: z.enum(statuses),
  groups: z.array(z.string()), lockedUntil: z.string().nullable().describe('When the lock ends (ISO 8601); null when not locked.'),
  createdAt: z.string(),
});
const deviceView = z.object({
  id: z.string(), kind: z.enum(deviceFactors), kindLabel: z.string(), name: z.string(), flagged: z.boolean(),
  createdAt: z.string(), lastUsedAt: z.string().nullable(),
});
const personView = summaryView.extend({
  id: z.string(), timeZone: z.string().nullable().describe('IANA zone for their pages; null: ui.timeZone.'),
  hasPassword: z.boolean(), devices: z.array(deviceView), recoveryCodes: z.number().int().describe('Unused recovery codes.'),
  lastSecondFactorAt: z.string().nullable().describe('The last time one of their devices proved a second factor, when known.'),
  updatedAt: z.string(),
});

const summaryOf = (s: PersonSummary) => ({
  username: s.user.username, email: s.user.email, displayName: s.user.displayName, status: s.user.status, groups: s.groups,
  lockedUntil: iso(s.lockedUntil), createdAt: iso(s.user.createdAt)!,
});
const deviceOf = (d: DeviceView) => ({ id: d.id, kind: d.kind, kindLabel: d.kindLabel, name: d.name, flagged: d.flagged, createdAt: iso(d.createdAt)!, lastUsedAt: iso(d.lastUsedAt) });
const personOf = (p: PersonDetails) => ({
  ...summaryOf(p), id: p.user.id, timeZone: p.user.timeZone, hasPassword: p.user.passwordHash !== null, devices: p.devices.map(deviceOf),
  recoveryCodes: p.recoveryCodes, lastSecondFactorAt: iso(p.lastSecondFactorAt), updatedAt: iso(p.user.updatedAt)!,
});

const email = textField(320).describe('Email address (also accepted as the login); empty or null: none.');
const displayName = textField(256).describe('Display name; empty or null: none.');

const createBody = z.strictObject({
  username: textField(128).describe('1–128 letters, digits or ._@+=,- starting with a letter or digit; unique in any case.'),
  email: email.optional(),
  displayName: displayName.optional(),
  groups: z.array(textField(128), { error: 'must be a list of group names' }).max(100, { error: 'must have at most 100 groups' }).optional().describe('Existing groups to add the person to.'),
});
const patchBody = z.strictObject({
  email: email.nullable().optional(),
  displayName: displayName.nullable().optional(),
  status: choiceField(statuses).optional().describe('disabled: no sign-in, no roles; ends their sessions and CLI sessions.'),
});
const passwordBody = z.strictObject({
  password: textField(1024, { allowControls: true }).optional().describe('The new password (the policy of auth.passwordMinLength applies).'),
  generate: z.literal(true, { error: 'must be true' }).optional().describe('true: Gatehouse makes a password and answers it, once.'),
  temporary: z.boolean({ error: 'must be true or false' }).optional().describe('true: the person must choose their own password right after the second factor of their next sign-in.'),
}).refine((b) => (b.password === undefined) !== (b.generate === undefined), { path: ['password'], error: 'give either password or generate: true' });

export async function registerPeopleApi(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const tag = 'People';
  const person = async (username: string) => personOf(await describePerson(ctx, await requirePerson(ctx, username)));

  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/users', tag, access: 'read',
    summary: 'Search people',
    query: z.strictObject({
      ...pageQuery,
      q: textField(200).optional().describe('Part of the username, email or display name (any case).'),
      status: choiceField(statuses).optional(),
      group: textField(128).optional().describe('Members of this group only.'),
      locked: choiceField(['true', 'false']).optional().describe('true: only people locked now; false: only people who are not.'),
    }),
    response: pageOf(summaryView.extend({ deviceCount: z.number().int().describe('Confirmed devices.') })),
  }, async ({ query }) => {
    const found = await searchPeople(ctx, { q: query.q, status: query.status, group: query.group, locked: query.locked === undefined ? undefined : query.locked === 'true' });
    const page = paginate(found, query);
    const counts = await deviceCounts(ctx, page.items.map((s) => s.user));
    return { ...page, items: page.items.map((s) => ({ ...summaryOf(s), deviceCount: counts.get(s.user.id) ?? 0 })) };
  });

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/users', tag, access: 'write',
    summary: 'Add a person (without a password: send them an enrollment link)',
    description: 'Refused with conflict when the username or email is taken, not_found for a group that does not exist.',
    body: createBody, response: personView,
  }, async ({ body, actor }) => {
    const u = await createPerson(ctx, { username: body.username, email: body.email, displayName: body.displayName, groups: body.groups }, actor);
    return person(u.username);
  });

  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/users/:username', tag, access: 'read',
    summary: 'A person: status, groups, devices, lock, recovery codes', params: userParams, response: personView,
  }, async ({ params }) => person(params.username));

  adminRoute(app, ctx, {
    method: 'PATCH', url: '/api/v1/admin/users/:username', tag, access: 'write',
    summary: 'Change a person\'s email, display name or status',
    params: userParams, body: patchBody, response: personView,
  }, async ({ params, body, actor }) => {
    const u = await updatePerson(ctx, await requirePerson(ctx, params.username), body, actor);
    return person(u.username);
  });

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/users/:username/password', tag, access: 'write', status: 200,
    summary: 'Set a person\'s password (ends their sessions and CLI sessions)',
    description: 'Either `password`, or `generate: true` for one made by Gatehouse and answered this once. Refused with password_rejected when the policy refuses it.',
    params: userParams, body: passwordBody,
    response: z.object({ username: z.string(), password: z.string().optional().describe('The generated password: shown this once, stored only as a hash.') }),
  }, async ({ params, body, actor }) => {
    const u = await requirePerson(ctx, params.username);
    const r = await setPersonPassword(ctx, u, { ...(body.generate ? { generate: true as const } : { password: body.password ?? '' }), temporary: body.temporary }, actor);
    return { username: u.username, ...(r.generated ? { password: r.generated } : {}) };
  });

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/users/:username/unlock', tag, access: 'write', status: 200,
    summary: 'Clear a person\'s failure counter and lock',
    params: userParams,
    response: z.object({ username: z.string(), cleared: z.boolean().describe('False when there was nothing to clear.') }),
  }, async ({ params, actor, req }) => {
    const user = await requirePerson(ctx, params.username);
    const cleared = await clearLock(ctx.store, user.username, { now: ctx.now().getTime(), ...changedBy(actor), ip: clientIp(req), requestId: req.id });
    return { username: user.username, cleared };
  });

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/users/:username/reset-mfa', tag, access: 'write', sensitive: true, status: 200,
    summary: 'Reset MFA: remove every device and recovery code, end sessions',
    description: 'The person\'s next sign-in after the password is forced into enrollment (or give them an enrollment link).',
    params: userParams,
    response: z.object({ username: z.string(), devices: z.number().int(), recoveryCodes: z.number().int(), cliSessions: z.number().int() }),
  }, async ({ params, actor }) => {
    const user = await requirePerson(ctx, params.username);
    return { username: user.username, ...(await resetMfa(ctx, user, actor)) };
  });

  adminRoute(app, ctx, {
    method: 'POST', url: '/api/v1/admin/users/:username/enrollment-link', tag, access: 'write', sensitive: true, status: 200,
    summary: 'Issue a one-time link with which the person sets up a device (and a password, when they have none)',
    description: 'The link is valid for auth.enrollmentLinkTtlSeconds and works once.',
    params: userParams,
    response: z.object({ username: z.string(), url: z.string(), expiresAt: z.string() }),
  }, async ({ params, actor }) => {
    const user = await requirePerson(ctx, params.username);
    const link = await issueEnrollmentLink(ctx, user, actor);
    return { username: user.username, url: link.url, expiresAt: new Date(link.expiresAt).toISOString() };
  });

  adminRoute(app, ctx, {
    method: 'GET', url: '/api/v1/admin/users/:username/devices', tag, access: 'read',
    summary: 'A person\'s devices', params: userParams, query: z.strictObject(pageQuery), response: pageOf(deviceView),
  }, async ({ params, query }) => paginate((await describePerson(ctx, await requirePerson(ctx, params.username))).devices.map(deviceOf), query));

  adminRoute(app, ctx, {
    method: 'PATCH', url: '/api/v1/admin/users/:username/devices/:deviceId', tag, access: 'write',
    summary: 'Rename a person\'s device', params: deviceParams,
    body: z.strictObject({ name: textField(64).describe('1–64 characters.') }), response: deviceView,
  }, async ({ params, body, actor }) => {
    const user = await requirePerson(ctx, params.username);
    await renamePersonDevice(ctx, user, params.deviceId, body.name, actor);
    return deviceOf(await findPersonDevice(ctx, user, params.deviceId));
  });

  adminRoute(app, ctx, {
    method: 'DELETE', url: '/api/v1/admin/users/:username/devices/:deviceId', tag, access: 'write', sensitive: true, status: 204,
    summary: 'Remove a person\'s device',
    description: 'Their only device is refused with conflict: reset their MFA instead.',
    params: deviceParams,
  }, async ({ params, actor }) => {
    await removePersonDevice(ctx, await requirePerson(ctx, params.username), params.deviceId, actor);
  });

  const groupsResponse = z.object({ username: z.string(), groups: z.array(z.string()), changed: z.boolean().describe('False when it was so already.') });
  for (const add of [true, false]) {
    adminRoute(app, ctx, {
      method: add ? 'PUT' : 'DELETE', url: '/api/v1/admin/users/:username/groups/:group', tag, access: 'write', status: 200,
      summary: add ? 'Add a person to a group' : 'Remove a person from a group',
      params: groupParams, response: groupsResponse,
    }, async ({ params, actor }) => {
      const user = await requirePerson(ctx, params.username);
      const changed = await setMembership(ctx, user, await requireGroup(ctx, params.group), add, actor);
      return { username: user.username, groups: (await ctx.store.groups.groupsOf(user.id)).map((g) => g.name).sort(), changed };
    });
  }
}
