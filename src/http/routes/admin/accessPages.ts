/**
 * Console pages for a person's effective access: /admin/access/:username (the roles and tags they would receive,
 * which group gives each role, which rule blocks which role and what would unblock it, for a sign-in the admin
 * describes) and its "Preview the assertion" form (the AWS attributes that would be signed, with the AWS lint;
 * nothing is signed or audited). Both are src/admin/access.ts, computed by the functions sign-in uses.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { factorFacts, secondFactors } from '../../../auth/factors.js';
import { effectiveAccess, previewAssertion, type AccessAsk, type AccessView } from '../../../admin/access.js';
import { adminPageActor, type AdminActor } from '../../adminAuth.js';
import { sendAdminPage } from '../../adminPage.js';
import { readInput, textField } from '../../readInput.js';
import { askFields } from './accessApi.js';
import { consoleFieldErrors, consoleFormError, optional, seg } from './consoleForms.js';
import { groupHref } from './groupsPages.js';

const userParams = z.object({ username: textField(128) });
/** The form's fields as typed: empty means "default". */
const askForm = z.object({ factor: textField(20).optional(), source_ip: textField(45).optional(), account: textField(64).optional() });

const accessHref = (username: string): string => `/admin/access/${seg(username)}`;
const factorOptions = (first: string) => [{ value: '', label: first }, ...secondFactors.map((f) => ({ value: f, label: `${factorFacts[f].label.name} (${f})` }))];

/** The form's values checked by the API's rules (the same zod fields, so the same messages). */
function ask(form: z.output<typeof askForm>): AccessAsk {
  const v = readInput(z.object({ factor: askFields.factor, source_ip: askFields.sourceIp }), { factor: optional(form.factor), source_ip: optional(form.source_ip) });
  return { factor: v.factor, sourceIp: v.source_ip };
}

function accessModel(v: AccessView, typed: Record<string, string>) {
  const accounts = [...new Map(v.roles.map((r) => [r.accountId, r.account])).entries()];
  return {
    title: `Effective access of ${v.username}`,
    person: { ...v, href: accessHref(v.username), groups: v.groups.map((g) => ({ name: g, href: groupHref(g) })), deviceLabels: v.deviceKinds.map((k) => factorFacts[k].label.name) },
    judgedText: `${v.judged.factors.length === 0 ? 'no second factor' : v.judged.factors.map((f) => factorFacts[f].label.name).join(' or ')}${v.judged.factorsFrom === 'devices' ? ' (the person\'s devices)' : ''}, from ${v.judged.sourceIp ?? 'an unknown address'}`,
    roles: v.roles.map((r) => ({
      ...r, groups: r.groups.map((g) => ({ name: g, href: groupHref(g) })),
      blocks: r.mappings.flatMap((m) => m.blockedBy.map((b) => ({ ...b, group: m.group }))),
    })),
    tags: v.tags.map((t) => ({ ...t, from: t.group === null ? 'the person\'s attribute' : `group ${t.group}` })),
    form: { factor: typed.factor ?? '', source_ip: typed.source_ip ?? '' },
    previewForm: { factor: typed.preview_factor ?? '', source_ip: typed.preview_source_ip ?? '', account: typed.account ?? '' },
    factorOptions: factorOptions('Every kind of device the person has'),
    previewFactorOptions: factorOptions('The strongest device the person has'),
    accountOptions: [{ value: '', label: 'All allowed roles of one partition' }, ...accounts.map(([id, alias]) => ({ value: id, label: `${alias} (${id})` }))],
    previewAction: `${accessHref(v.username)}/preview`,
  };
}

export async function registerAccessPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const send = async (actor: AdminActor, reply: Parameters<typeof sendAdminPage>[1], username: string, query: Record<string, string>) => {
    try {
      const v = await effectiveAccess(ctx, username, ask(readInput(askForm, query, 'query')));
      return sendAdminPage(ctx, reply, actor, 'admin/access', 'people', accessModel(v, query));
    } catch (e) {
      const fe = consoleFormError(e);
      if (!fe) throw e;
      const v = await effectiveAccess(ctx, username);
      return sendAdminPage(ctx, reply, actor, 'admin/access', 'people', { ...(accessModel(v, query)), error: fe.message, fieldErrors: consoleFieldErrors(fe) }, fe.status);
    }
  };

  app.get('/admin/access/:username', async (req, reply) => {
    const { username } = readInput(userParams, req.params, 'path');
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    return send(actor, reply, username, (req.query ?? {}) as Record<string, string>);
  });

  app.post('/admin/access/:username/preview', async (req, reply) => {
    const { username } = readInput(userParams, req.params, 'path');
    const actor = await adminPageActor(ctx, req, reply, { access: 'read', returnTo: accessHref(username) });
    if (!actor) return reply;
    const typed = Object.fromEntries(Object.entries((req.body as Record<string, unknown>) ?? {}).filter(([k, v]) => k !== '_csrf' && typeof v === 'string')) as Record<string, string>;
    try {
      const form = readInput(askForm, req.body);
      const p = await previewAssertion(ctx, username, { ...ask(form), account: optional(form.account) });
      return sendAdminPage(ctx, reply, actor, 'admin/access-preview', 'people', {
        title: `Assertion preview for ${p.username}`, preview: p, backHref: accessHref(p.username),
        factorLabel: factorFacts[p.factor].label.name,
      });
    } catch (e) {
      const fe = consoleFormError(e, { notFound: true });
      if (!fe || (fe.code === 'not_found' && !(await ctx.store.users.findByUsername(username)))) throw e;
      const v = await effectiveAccess(ctx, username);
      const renamed = { preview_factor: typed.factor ?? '', preview_source_ip: typed.source_ip ?? '', account: typed.account ?? '' };
      const fields = Object.fromEntries(Object.entries(consoleFieldErrors(fe)).map(([k, m]) => [k === 'account' ? k : `preview_${k}`, m]));
      return sendAdminPage(ctx, reply, actor, 'admin/access', 'people', { ...(accessModel(v, renamed)), error: fe.message, fieldErrors: fields }, fe.status);
    }
  });
}
