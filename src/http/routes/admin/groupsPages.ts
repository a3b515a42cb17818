/**
 * Console pages for groups: /admin/groups (list, create) and /admin/groups/:name (description, members, session
 * tags, role mappings, delete with a confirmation page). Every form works without JavaScript and calls the change
 * functions of src/admin/groups.ts, as the API and the CLI do. Role mapping forms are in mappingsPages.ts.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { factorFacts, meetsRequirement, requiredFactors, secondFactors } from '../../../auth/factors.js';
import { createGroup, deleteGroup, describeGroup, describeGroups, setGroupTag, setMembershipByName, updateGroup, type GroupView } from '../../../admin/groups.js';
import type { GatehouseError } from '../../../errors.js';
import { adminPageActor, type AdminActor } from '../../adminAuth.js';
import { sendAdminPage } from '../../adminPage.js';
import { readInput, textField } from '../../readInput.js';
import { consoleFieldErrors, consoleFormError, doneNotice, optional, seg } from './consoleForms.js';

const nameParams = z.object({ name: textField(128) });
const notices = {
  created: 'The group is created. Add members and map AWS roles below.',
  updated: 'The description is saved.',
  'member-added': 'The person is in the group.',
  'member-removed': 'The person is no longer in the group.',
  'tag-set': 'The session tag is set.',
  'tag-removed': 'The session tag is removed.',
  'mapping-added': 'The role is mapped. If it requires a factor, paste its trust policy into IAM (see the account\'s page).',
  'mapping-changed': 'The mapping is saved. If its required factor changed, paste the role\'s trust policy into IAM again (see the account\'s page).',
  'mapping-removed': 'The mapping is removed.',
  deleted: 'The group is deleted.',
} as const;

export const groupHref = (name: string): string => `/admin/groups/${seg(name)}`;

/** The choices of "Required factor": any, or each requirement with the factors that meet it. */
export function requireChoices() {
  return [
    { value: '', label: 'Any second factor' },
    ...requiredFactors.map((r) => ({ value: r, label: `${secondFactors.filter((f) => meetsRequirement(f, r)).map((f) => factorFacts[f].label.name).join(' or ')} (${r})` })),
  ];
}

/** What views/admin/group.eta shows; `forms` keeps what was typed into a refused form. */
export async function groupPageModel(ctx: AppContext, g: GroupView, extra: { forms?: Record<string, Record<string, string>>; done?: unknown } = {}) {
  const accounts = await ctx.store.accounts.list();
  return {
    title: `Group ${g.name}`, notice: doneNotice(notices, extra.done),
    group: {
      ...g, href: groupHref(g.name),
      members: g.members.map((u) => ({ username: u, accessHref: `/admin/access/${seg(u)}`, removeAction: `${groupHref(g.name)}/members/${seg(u)}/remove` })),
      tags: Object.entries(g.tags).map(([key, value]) => ({ key, value })),
      mappings: g.mappings.map((m) => ({
        ...m, accountHref: `/admin/accounts/${seg(m.accountId)}`, editHref: `${groupHref(g.name)}/mappings/${seg(m.id)}`,
        requires: m.requireFactor ? factorFacts[m.requireFactor].label.name : 'Any second factor', sourceIpsText: m.sourceIps.join(', '),
      })),
    },
    accountOptions: [{ value: '', label: accounts.length === 0 ? 'No AWS account yet: add one first' : 'Choose an account' }, ...accounts.map((a) => ({ value: a.id, label: `${a.alias} (${a.id})` }))],
    requireOptions: requireChoices(),
    forms: { description: { description: g.description ?? '' }, member: {}, tag: {}, mapping: {}, ...extra.forms },
  };
}

async function sendGroupPage(ctx: AppContext, reply: FastifyReply, actor: AdminActor, name: string, extra: Parameters<typeof groupPageModel>[2] & { error?: GatehouseError } = {}) {
  const model = await groupPageModel(ctx, await describeGroup(ctx, name), extra);
  const e = extra.error;
  return sendAdminPage(ctx, reply, actor, 'admin/group', 'groups', { ...model, error: e?.message ?? null, fieldErrors: e ? consoleFieldErrors(e) : {} }, e?.status ?? 200);
}

async function listModel(ctx: AppContext, done?: unknown) {
  return {
    title: 'Groups', notice: doneNotice(notices, done),
    groups: (await describeGroups(ctx)).map((g) => ({
      name: g.name, href: groupHref(g.name), description: g.description ?? '', members: g.members.length,
      roles: g.mappings.map((m) => `${m.account}/${m.role}`), tags: Object.entries(g.tags).map(([k, v]) => `${k}=${v}`).join(', '),
    })),
  };
}

const createForm = z.object({ name: textField(128), description: textField(1000).optional() });
const descriptionForm = z.object({ description: textField(1000).optional() });
const memberForm = z.object({ username: textField(128) });
const tagForm = z.object({ key: textField(128), value: textField(256).optional() });

export async function registerGroupsPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get('/admin/groups', async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    return sendAdminPage(ctx, reply, actor, 'admin/groups', 'groups', { ...(await listModel(ctx, (req.query as { done?: unknown }).done)), form: {} });
  });

  app.post('/admin/groups', async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', returnTo: '/admin/groups' });
    if (!actor) return reply;
    const typed = req.body as Record<string, string> | undefined;
    try {
      const form = readInput(createForm, req.body);
      const g = await createGroup(ctx, { name: form.name.trim(), description: optional(form.description) }, actor);
      return reply.redirect(`${groupHref(g.name)}?done=created`, 303);
    } catch (e) {
      const fe = consoleFormError(e);
      if (!fe) throw e;
      return sendAdminPage(ctx, reply, actor, 'admin/groups', 'groups', { ...(await listModel(ctx)), form: { name: String(typed?.name ?? ''), description: String(typed?.description ?? '') }, error: fe.message, fieldErrors: consoleFieldErrors(fe) }, fe.status);
    }
  });

  app.get('/admin/groups/:name', async (req, reply) => {
    const { name } = readInput(nameParams, req.params, 'path');
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    return sendGroupPage(ctx, reply, actor, name, { done: (req.query as { done?: unknown }).done });
  });

  /** One group form: read it, change, back to the group page with a notice, or the page again with the error. */
  const groupForm = <S extends z.ZodType>(path: string, schema: S, formName: string, opts: { notFound?: boolean },
    change: (name: string, form: z.output<S>, actor: AdminActor, params: Record<string, string>) => Promise<string>) => {
    app.post(`/admin/groups/:name${path}`, async (req, reply) => {
      const params = req.params as Record<string, string>;
      const { name } = readInput(nameParams, { name: params.name }, 'path');
      const actor = await adminPageActor(ctx, req, reply, { access: 'write', returnTo: groupHref(name) });
      if (!actor) return reply;
      try {
        const done = await change(name, readInput(schema, req.body), actor, params);
        return reply.redirect(`${groupHref(name)}?done=${done}`, 303);
      } catch (e) {
        const fe = consoleFormError(e, opts);
        if (!fe) throw e;
        const typed = Object.fromEntries(Object.entries((req.body as Record<string, unknown>) ?? {}).filter(([k, v]) => k !== '_csrf' && typeof v === 'string')) as Record<string, string>;
        return sendGroupPage(ctx, reply, actor, name, { error: fe, forms: { [formName]: typed } });
      }
    });
  };

  groupForm('', descriptionForm, 'description', {}, async (name, form, actor) => {
    await updateGroup(ctx, name, { description: optional(form.description) ?? null }, actor);
    return 'updated';
  });
  groupForm('/members', memberForm, 'member', { notFound: true }, async (name, form, actor) => {
    await setMembershipByName(ctx, name, form.username.trim(), true, actor);
    return 'member-added';
  });
  groupForm('/members/:username/remove', z.object({}), 'member', {}, async (name, _form, actor, params) => {
    await setMembershipByName(ctx, name, readInput(z.object({ username: textField(128) }), { username: params.username }, 'path').username, false, actor);
    return 'member-removed';
  });
  groupForm('/tags', tagForm, 'tag', {}, async (name, form, actor) => {
    await setGroupTag(ctx, name, form.key.trim(), form.value ?? '', actor);
    return 'tag-set';
  });
  groupForm('/tags/remove', z.object({ key: textField(128) }), 'tag', {}, async (name, form, actor) => {
    await setGroupTag(ctx, name, form.key, null, actor);
    return 'tag-removed';
  });

  // Deleting a group removes its role mappings: a sensitive change, after a confirmation page.
  app.get('/admin/groups/:name/delete', async (req, reply) => {
    const { name } = readInput(nameParams, req.params, 'path');
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', sensitive: true });
    if (!actor) return reply;
    const g = await describeGroup(ctx, name);
    return sendAdminPage(ctx, reply, actor, 'admin/group-delete', 'groups', {
      title: `Delete group ${g.name}?`, group: { ...g, href: groupHref(g.name), roles: g.mappings.map((m) => `${m.account}/${m.role}`) },
    });
  });

  app.post('/admin/groups/:name/delete', async (req, reply) => {
    const { name } = readInput(nameParams, req.params, 'path');
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', sensitive: true, returnTo: `${groupHref(name)}/delete` });
    if (!actor) return reply;
    await deleteGroup(ctx, name, actor);
    return reply.redirect('/admin/groups?done=deleted', 303);
  });
}
