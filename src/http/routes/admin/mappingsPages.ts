/**
 * Console forms for a group's role mappings: add (on the group's page), change (its own page), remove. Each is a
 * sensitive change: an admin whose second factor is older than admin.reauthSeconds confirms it again, then comes
 * back to the form. The values are checked by src/admin/roleMappings.ts (the directory file's rules), whose field
 * names the forms use, so an error shows next to its control.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { factorFacts } from '../../../auth/factors.js';
import { describeGroup } from '../../../admin/groups.js';
import { addMapping, removeMapping, requireMapping, updateMapping, type MappingPatch, type MappingView } from '../../../admin/roleMappings.js';
import { adminPageActor } from '../../adminAuth.js';
import { sendAdminPage } from '../../adminPage.js';
import { readInput, textField } from '../../readInput.js';
import { consoleFieldErrors, consoleFormError, optional, seg } from './consoleForms.js';
import { groupHref, groupPageModel, requireChoices } from './groupsPages.js';

const mappingParams = z.object({ name: textField(128), id: textField(64) });
const conditionsForm = z.object({ session_duration: textField(12).optional(), require: textField(20).optional(), source_ips: textField(4000).optional() });
const addForm = conditionsForm.extend({ account: textField(64), role: textField(600) });

/** The conditions as typed: an empty field is "none"; source IP ranges are separated by commas, spaces or lines. */
function conditions(form: z.output<typeof conditionsForm>): Required<MappingPatch> {
  const d = optional(form.session_duration);
  return {
    sessionDuration: d === undefined ? null : Number(d),
    requireFactor: optional(form.require) ?? null,
    sourceIps: (form.source_ips ?? '').split(/[\s,]+/).filter(Boolean),
  };
}

/** What views/admin/mapping.eta shows. */
function mappingModel(m: MappingView, typed?: Record<string, string>) {
  return {
    title: `${m.account}/${m.role} for ${m.group}`,
    mapping: { ...m, groupHref: groupHref(m.group), accountHref: `/admin/accounts/${seg(m.accountId)}`, action: `${groupHref(m.group)}/mappings/${seg(m.id)}` },
    requireOptions: requireChoices(),
    form: typed ?? { session_duration: m.sessionDuration === null ? '' : String(m.sessionDuration), require: m.requireFactor ?? '', source_ips: m.sourceIps.join(', ') },
    factorNote: m.requireFactor ? `IAM checks this factor (${factorFacts[m.requireFactor].label.name}) only if the role's trust policy, copied from the account's page, says so.` : null,
  };
}

const typedFields = (body: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries((body as Record<string, unknown>) ?? {}).filter(([k, v]) => k !== '_csrf' && typeof v === 'string')) as Record<string, string>;

export async function registerMappingsPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.post('/admin/groups/:name/mappings', async (req, reply) => {
    const { name } = readInput(z.object({ name: textField(128) }), req.params, 'path');
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', sensitive: true, returnTo: groupHref(name) });
    if (!actor) return reply;
    try {
      const form = readInput(addForm, req.body);
      await addMapping(ctx, name, { account: form.account, role: form.role.trim(), ...conditions(form) }, actor);
      return reply.redirect(`${groupHref(name)}?done=mapping-added#roles`, 303);
    } catch (e) {
      const fe = consoleFormError(e, { notFound: true });
      if (!fe) throw e;
      const model = await groupPageModel(ctx, await describeGroup(ctx, name), { forms: { mapping: typedFields(req.body) } });
      return sendAdminPage(ctx, reply, actor, 'admin/group', 'groups', { ...model, error: fe.message, fieldErrors: consoleFieldErrors(fe) }, fe.status);
    }
  });

  app.get('/admin/groups/:name/mappings/:id', async (req, reply) => {
    const { name, id } = readInput(mappingParams, req.params, 'path');
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    return sendAdminPage(ctx, reply, actor, 'admin/mapping', 'groups', mappingModel(await requireMapping(ctx, name, id)));
  });

  app.post('/admin/groups/:name/mappings/:id', async (req, reply) => {
    const { name, id } = readInput(mappingParams, req.params, 'path');
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', sensitive: true, returnTo: `${groupHref(name)}/mappings/${seg(id)}` });
    if (!actor) return reply;
    try {
      await updateMapping(ctx, name, id, conditions(readInput(conditionsForm, req.body)), actor);
      return reply.redirect(`${groupHref(name)}?done=mapping-changed#roles`, 303);
    } catch (e) {
      const fe = consoleFormError(e);
      if (!fe) throw e;
      const model = mappingModel(await requireMapping(ctx, name, id), typedFields(req.body));
      return sendAdminPage(ctx, reply, actor, 'admin/mapping', 'groups', { ...model, error: fe.message, fieldErrors: consoleFieldErrors(fe) }, fe.status);
    }
  });

  app.post('/admin/groups/:name/mappings/:id/remove', async (req, reply) => {
    const { name, id } = readInput(mappingParams, req.params, 'path');
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', sensitive: true, returnTo: groupHref(name) });
    if (!actor) return reply;
    await removeMapping(ctx, name, id, actor);
    return reply.redirect(`${groupHref(name)}?done=mapping-removed#roles`, 303);
  });
}
