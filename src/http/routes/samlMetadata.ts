import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { buildIdpMetadata } from '../../saml/buildIdpMetadata.js';
import type { SigningKeyCache } from '../sso/signingKeyCache.js';

/** The IdP metadata for the current keys (active and next), valid for config.saml.metadataValidDays. */
export async function renderIdpMetadata(ctx: AppContext, keys: SigningKeyCache): Promise<string> {
  const { published } = await keys.get();
  const validUntil = new Date(ctx.now().getTime() + ctx.config.saml.metadataValidDays * 86_400_000);
  return buildIdpMetadata({ entityId: ctx.config.saml.entityId, baseUrl: ctx.config.server.baseUrl, validUntil, certificates: published.map((k) => k.certificateB64) });
}

/** GET /saml/metadata — IAM-uploadable (UTF-8, no BOM). */
export async function registerSamlMetadataRoutes(app: FastifyInstance, ctx: AppContext, keys: SigningKeyCache): Promise<void> {
  app.get('/saml/metadata', async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    return reply.type('application/samlmetadata+xml; charset=utf-8').send(await renderIdpMetadata(ctx, keys));
  });
}
