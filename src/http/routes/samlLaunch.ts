import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AppContext } from '../../context.js';
import { GatehouseError } from '../../errors.js';
import { defaultAcs } from '../../saml/checkAuthnRequest.js';
import { toRegisteredSp } from '../../directory/registerServiceProvider.js';
import { pageSession } from '../guards.js';
import { checkCsrf } from '../session.js';
import { sendAutoPost } from '../sendAutoPost.js';
import { readInput, textField } from '../readInput.js';
import { issueSpResponse } from '../sso/issueSpResponse.js';
import { checkSpEnabled } from '../sso/checkSpEnabled.js';
import type { SigningKeyCache } from '../sso/signingKeyCache.js';

/** The portal's launch button: the registered SP's id. */
const launchForm = z.object({ sp: textField(100) });

/**
 * IdP-initiated sign-in to a registered SP (IAM Identity Center, generic SPs) from the portal:
 * POST /saml/launch with the SP's id → a signed Response (no InResponseTo) to the SP's default ACS.
 */
export async function registerSamlLaunchRoutes(app: FastifyInstance, ctx: AppContext, keys: SigningKeyCache): Promise<void> {
  app.post('/saml/launch', async (req, reply) => {
    const session = await pageSession(ctx, req, reply);
    if (!session) return reply;
    checkCsrf(req, session.csrf);
    const form = readInput(launchForm, req.body);
    const sp = await ctx.store.serviceProviders.findById(form.sp);
    if (!sp) throw new GatehouseError('saml_unknown_sp', 'That application is not registered.');
    checkSpEnabled(sp);
    const acs = defaultAcs(toRegisteredSp(sp));
    if (!acs) throw new GatehouseError('saml_acs_mismatch', `${sp.name} has no HTTP-POST AssertionConsumerService in its metadata.`);
    const pending = { sp: sp.entityId, acs: acs.url, force: false, at: ctx.now().getTime() };
    const { response } = await issueSpResponse(ctx, keys, sp, pending, session, { ip: req.ip, requestId: req.id });
    return sendAutoPost(reply, { action: acs.url, samlResponse: response.samlResponse, spName: sp.name });
  });
}
