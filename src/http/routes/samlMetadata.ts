import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.js';
import { idpMetadataFor } from '../../keys/idpMetadata.js';
import type { SigningKeyCache } from '../sso/signingKeyCache.js';

/** GET /saml/metadata — IAM-uploadable (UTF-8, no BOM), every published certificate (active and next). */
export async function registerSamlMetadataRoutes(app: FastifyInstance, ctx: AppContext, keys: SigningKeyCache): Promise<void> {
  app.get('/saml/metadata', async (_req, reply) => {
    reply.header('cache-control', 'public, max-age=300');
    const xml = idpMetadataFor(ctx.config, ctx.now(), (await keys.get()).published);
    return reply.type('application/samlmetadata+xml; charset=utf-8').send(xml);
  });
}
