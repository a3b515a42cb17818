/**
 * /admin/keys: the SAML signing keys (next, active, retired) with fingerprints and expiry, and the rotation steps —
 * rotate, activate, retire — each a sensitive change whose button says what it means for IAM. The changes are
 * src/keys/signingKeyService.ts, shared with the API and `gatehouse keys`.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { AppContext } from '../../../context.js';
import { activateKey, listKeys, retireKey, rotateKey } from '../../../keys/signingKeyService.js';
import { adminPageActor, type AdminActor } from '../../adminAuth.js';
import { sendAdminFormError, sendAdminPage } from '../../adminPage.js';
import { formatTime, readerTimeZone } from '../../formatTime.js';
import { readInput } from '../../readInput.js';
import { keyParams } from './keysApi.js';
import type { SigningKeyCache } from '../../sso/signingKeyCache.js';

const keysPath = '/admin/keys';
const notices: Record<string, string> = {
  rotated: 'Next key created and published in the metadata. Now update every IAM SAML provider with the metadata, then activate the key.',
  activated: 'Key activated: Gatehouse signs with it from now on (every node within 30 seconds).',
  retired: 'Key retired: it is no longer published in the metadata.',
};

async function sendKeys(ctx: AppContext, reply: FastifyReply, actor: AdminActor, extra: { notice?: string | undefined; error?: unknown } = {}): Promise<FastifyReply> {
  const zone = readerTimeZone(actor.session!.user, ctx.config.ui.timeZone);
  const t = (ms: number | null) => (ms === null ? null : formatTime(ms, zone));
  const keys = (await listKeys(ctx)).reverse().map((k) => ({
    id: k.id, state: k.state, fingerprint: k.fingerprint256, created: t(k.createdAt), activated: t(k.activatedAt), retired: t(k.retiredAt), notAfter: t(Date.parse(k.notAfter)),
  }));
  const model = {
    title: 'Signing keys', keys, next: keys.find((k) => k.state === 'next') ?? null, active: keys.find((k) => k.state === 'active') ?? null,
    metadataUrl: `${ctx.config.server.baseUrl}/saml/metadata`, notice: extra.notice ?? null,
  };
  if (extra.error !== undefined) return sendAdminFormError(ctx, reply, actor, 'admin/keys', 'keys', model, extra.error);
  return sendAdminPage(ctx, reply, actor, 'admin/keys', 'keys', model);
}

export async function registerKeysPages(app: FastifyInstance, ctx: AppContext, keys: SigningKeyCache): Promise<void> {
  app.get(keysPath, async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'read' });
    if (!actor) return reply;
    return sendKeys(ctx, reply, actor, { notice: notices[String((req.query as { done?: unknown }).done ?? '')] });
  });

  app.post(`${keysPath}/rotate`, async (req, reply) => {
    const actor = await adminPageActor(ctx, req, reply, { access: 'write', sensitive: true, returnTo: keysPath });
    if (!actor) return reply;
    try {
      await keys.afterChange(rotateKey(ctx, actor));
    } catch (e) {
      return sendKeys(ctx, reply, actor, { error: e });
    }
    return reply.redirect(`${keysPath}?done=rotated`, 303);
  });

  for (const [step, change] of [['activate', activateKey], ['retire', retireKey]] as const) {
    app.post(`${keysPath}/:id/${step}`, async (req, reply) => {
      const actor = await adminPageActor(ctx, req, reply, { access: 'write', sensitive: true, returnTo: keysPath });
      if (!actor) return reply;
      const { id } = readInput(keyParams, req.params, 'path');
      try {
        await keys.afterChange(change(ctx, id, actor));
      } catch (e) {
        return sendKeys(ctx, reply, actor, { error: e });
      }
      return reply.redirect(`${keysPath}?done=${step === 'activate' ? 'activated' : 'retired'}`, 303);
    });
  }
}
