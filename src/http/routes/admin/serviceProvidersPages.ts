/**
 * Console pages for SAML service providers: the list with a registration form (metadata as a file or pasted, no
 * JavaScript needed), one SP with its ACS URLs, enable / disable, and removal after a confirmation. The changes are
 * src/admin/serviceProviders.ts, shared with the API and `gatehouse sp`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../../context.js';
import { GatehouseError } from '../../../errors.js';
import { addServiceProvider, findServiceProvider, removeServiceProvider, setServiceProviderEnabled } from '../../../admin/serviceProviders.js';
import type { ServiceProvider } from '../../../store/repositories/serviceProviders.js';
import { spMetadataMaxBytes } from '../../../saml/parseSpMetadata.js';
import { adminPageActor, type AdminActor } from '../../adminAuth.js';
import { sendAdminFormError, sendAdminPage } from '../../adminPage.js';
import { formatTime, readerTimeZone } from '../../formatTime.js';
import { acceptMultipartForms } from '../../multipartForm.js';
import { choiceField, readInput, textField } from '../../readInput.js';
import { registerSpBody, spParams } from './serviceProvidersApi.js';

const listPath = '/admin/service-providers';
const spPath = (id: string) => `${listPath}/${encodeURIComponent(id)}`;
/** The path's id as sent, for a return address only (read through `spParams` before use). */
const rawId = (params: unknown): string => String((params as { id?: unknown }).id ?? '').slice(0, 100);

/** The registration form: metadata pasted (`metadata`) or as a file (`metadata_file`), not both. */
const registerForm = z.strictObject({
  _csrf: z.string().optional(),
  metadata: textField(spMetadataMaxBytes, { allowControls: true }).optional(),
  metadata_file: textField(spMetadataMaxBytes, { allowControls: true }).optional(),
  name: textField(200).optional(),
  kind: choiceField(['generic', 'identity-center']).optional(),
});

/** Notices after a change (the page is reached by redirect; only these fixed texts are shown). */
const notices: Record<string, string> = {
  registered: 'Service provider saved.', enabled: 'Service provider enabled: it may sign people in again.',
  disabled: 'Service provider disabled: its sign-in requests are refused and the portal no longer offers it.', removed: 'Service provider removed.',
};
const noticeOf = (q: unknown): string | undefined => notices[String((q as { done?: unknown }).done ?? '')];

/** Room for 256 KiB of metadata sent as a file and pasted (url-encoded: up to 3 bytes per byte), plus the other fields. */
const formBodyLimit = 6 * spMetadataMaxBytes + 64 * 1024;

function zoneOf(ctx: AppContext, actor: AdminActor): string {
  return readerTimeZone(actor.session!.user, ctx.config.ui.timeZone);
}

async function sendList(ctx: AppContext, reply: FastifyReply, actor: AdminActor, extra: { form?: Record<string, string>; notice?: string | undefined; error?: unknown } = {}): Promise<FastifyReply> {
  const zone = zoneOf(ctx, actor);
  const sps = (await ctx.store.serviceProviders.list()).map((s) => ({
    id: s.id, href: spPath(s.id), name: s.name, kind: s.kind, entityId: s.entityId, acs: s.acs.map((a) => a.url), enabled: s.enabled, created: formatTime(s.createdAt, zone),
  }));
  const model = { title: 'Service providers', sps, form: extra.form ?? {}, notice: extra.notice ?? null, maxKiB: spMetadataMaxBytes / 1024 };
  if (extra.error !== undefined) return sendAdminFormError(ctx, reply, actor, 'admin/service-providers', 'sps', model, extra.error);
  return sendAdminPage(ctx, reply, actor, 'admin/service-providers', 'sps', model);
}

function detailModel(ctx: AppContext, actor: AdminActor, sp: ServiceProvider) {
  const zone = zoneOf(ctx, actor);
  return {
    title: sp.name,
    sp: {
      id: sp.id, href: spPath(sp.id), name: sp.name, kind: sp.kind, entityId: sp.entityId, enabled: sp.enabled, created: formatTime(sp.createdAt, zone),
      wantRequestsSigned: sp.wantRequestsSigned, signingCerts: sp.signingCerts.length, nameIdFormat: sp.nameIdFormat ?? '',
      acs: sp.acs.map((a) => ({ url: a.url, index: a.index === null ? '' : String(a.index), binding: a.binding.replace(/^urn:oasis:names:tc:SAML:2\.0:bindings:/, ''), isDefault: a.isDefault })),
    },
  };
}

export async function registerServiceProvidersPages(app: FastifyInstance, ctx: AppContext): Promise<void> {
  app.get(listPath, async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    return sendList(ctx, reply, actor, { notice: noticeOf(req.query) });
  });

  await app.register(async (scope) => {
    acceptMultipartForms(scope, formBodyLimit);
    scope.post(listPath, { bodyLimit: formBodyLimit }, async (req, reply) => {
      const actor = await adminPageActor(ctx, req, reply, { access: 'write', returnTo: listPath });
      if (!actor) return reply;
      let kept: Record<string, string> = {};
      try {
        const form = readInput(registerForm, req.body);
        kept = { name: form.name ?? '', kind: form.kind ?? 'generic', metadata: form.metadata ?? '' };
        const pasted = form.metadata?.trim() ? form.metadata : undefined;
        const file = form.metadata_file?.trim() ? form.metadata_file : undefined;
        if (pasted && file) throw new GatehouseError('validation_failed', 'metadata: choose a file or paste the metadata, not both', { publicDetail: [{ field: 'metadata', message: 'choose a file or paste the metadata, not both' }] });
        const body = readInput(registerSpBody, { metadata: file ?? pasted ?? '', ...(form.name?.trim() ? { name: form.name.trim() } : {}), ...(form.kind ? { kind: form.kind } : {}) });
        const sp = await addServiceProvider(ctx, { metadataXml: body.metadata, name: body.name, kind: body.kind }, actor);
        return reply.redirect(`${spPath(sp.id)}?done=registered`, 303);
      } catch (e) {
        return sendList(ctx, reply, actor, { form: kept, error: e });
      }
    });
  });

  app.get(`${listPath}/:id`, async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    const sp = await findServiceProvider(ctx, readInput(spParams, req.params, 'path').id);
    return sendAdminPage(ctx, reply, actor, 'admin/service-provider', 'sps', { ...detailModel(ctx, actor, sp), notice: noticeOf(req.query) ?? null });
  });

  app.post(`${listPath}/:id/enabled`, async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', returnTo: spPath(rawId(req.params)) });
    if (!actor) return reply;
    const { id } = readInput(spParams, req.params, 'path');
    const form = readInput(z.object({ enabled: choiceField(['true', 'false']) }), req.body);
    const sp = await setServiceProviderEnabled(ctx, id, form.enabled === 'true', actor);
    return reply.redirect(`${spPath(sp.id)}?done=${sp.enabled ? 'enabled' : 'disabled'}`, 303);
  });

  app.get(`${listPath}/:id/remove`, async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    const sp = await findServiceProvider(ctx, readInput(spParams, req.params, 'path').id);
    return sendAdminPage(ctx, reply, actor, 'admin/service-provider-remove', 'sps', { ...detailModel(ctx, actor, sp), title: `Remove ${sp.name}?` });
  });

  app.post(`${listPath}/:id/remove`, async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', returnTo: `${spPath(rawId(req.params))}/remove` });
    if (!actor) return reply;
    const { id } = readInput(spParams, req.params, 'path');
    await removeServiceProvider(ctx, id, actor);
    return reply.redirect(`${listPath}?done=removed`, 303);
  });
}
