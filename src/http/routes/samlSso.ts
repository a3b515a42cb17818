import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { GatehouseError } from '../../errors.js';
import { decodePostMessage, decodeRedirectMessage } from '../../saml/decodeSamlMessage.js';
import { parseAuthnRequest, type AuthnRequest } from '../../saml/parseAuthnRequest.js';
import { checkAuthnRequest, parseRedirectQuery, type CheckedAuthnRequest } from '../../saml/checkAuthnRequest.js';
import { toRegisteredSp } from '../../directory/registerServiceProvider.js';
import type { ServiceProvider } from '../../store/repositories/serviceProviders.js';
import { loginUrl } from '../../auth/loginFlow.js';
import { sendAutoPost } from '../sendAutoPost.js';
import { issueSpResponse, samlError, type PendingAuthn } from '../sso/issueSpResponse.js';
import type { SigningKeyCache } from '../sso/signingKeyCache.js';
import type { Metrics } from '../metrics.js';

const pendingAad = 'saml-pending-authn';
type Inbound = { xml: string; binding: { kind: 'redirect'; rawQuery: string } | { kind: 'post'; xml: string }; relayState: string | undefined };

/** Step 1: decode the message of either binding (bounded inflate / base64; nothing is trusted yet). */
function decodeInbound(req: FastifyRequest, maxXmlBytes: number): Inbound {
  if (req.method === 'GET') {
    const rawQuery = (req.raw.url ?? '').split('?')[1] ?? '';
    const q = parseRedirectQuery(rawQuery);
    return { xml: decodeRedirectMessage(q.samlRequest, { maxXmlBytes }), binding: { kind: 'redirect', rawQuery }, relayState: q.relayState };
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (typeof body.SAMLRequest !== 'string') throw new GatehouseError('saml_request_invalid', 'SAMLRequest is missing.');
  const xml = decodePostMessage(body.SAMLRequest, { maxXmlBytes });
  return { xml, binding: { kind: 'post', xml }, relayState: typeof body.RelayState === 'string' ? body.RelayState : undefined };
}

/** Step 2: the checks of checkAuthnRequest.ts against the registered SP. */
async function checkRequest(ctx: AppContext, inbound: Inbound): Promise<{ request: AuthnRequest; checked: CheckedAuthnRequest; sp: ServiceProvider }> {
  const request = parseAuthnRequest(inbound.xml, { maxBytes: ctx.config.saml.maxRequestBytes });
  const stored = await ctx.store.serviceProviders.findByEntityId(request.issuer);
  const checked = checkAuthnRequest({
    request, sp: stored && toRegisteredSp(stored), now: ctx.now(), ssoUrl: `${ctx.config.server.baseUrl}/saml/sso`,
    binding: inbound.binding, skewSeconds: ctx.config.saml.clockSkewSeconds,
  });
  return { request, checked, sp: stored! };
}

/** Step 3: the request ID is single-use on every node. */
async function consumeRequestId(ctx: AppContext, checked: CheckedAuthnRequest): Promise<void> {
  const ok = await ctx.store.singleUse.consume(`authn-request:${checked.consume.issuer}:${checked.consume.id}`, checked.consume.consumeUntil.getTime(), ctx.now().getTime());
  if (!ok) throw new GatehouseError('saml_request_replayed', 'This sign-in request was already used. Start again from the application.');
}

/** Step 4: answer — a Response to the validated ACS, or off to sign in and back via /saml/resume. */
async function respond(ctx: AppContext, keys: SigningKeyCache, metrics: Metrics, req: FastifyRequest, reply: FastifyReply, sp: ServiceProvider, p: PendingAuthn): Promise<FastifyReply> {
  const session = req.session;
  const fresh = session && (!p.force || session.createdAt > p.at);
  if (!fresh) {
    const returnTo = `/saml/resume?r=${encodeURIComponent(ctx.secrets.seal(JSON.stringify(p), pendingAad))}`;
    return reply.redirect(loginUrl(returnTo, { force: p.force }), 303);
  }
  const { response, ok } = await issueSpResponse(ctx, keys, sp, p, session, { ip: req.ip, requestId: req.id });
  metrics.assertions.inc({ sp: sp.kind, outcome: ok ? 'success' : 'failure' });
  return sendAutoPost(reply, { action: p.acs, samlResponse: response.samlResponse, relayState: p.relayState, spName: sp.name });
}

/**
 * SP-initiated SSO: /saml/sso with the HTTP-Redirect (GET) and HTTP-POST bindings, and /saml/resume after
 * sign-in. Errors before the ACS is validated are an error page; after, a SAML error Response to that ACS.
 */
export async function registerSamlSsoRoutes(app: FastifyInstance, ctx: AppContext, keys: SigningKeyCache, metrics: Metrics): Promise<void> {
  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const inbound = decodeInbound(req, ctx.config.saml.maxRequestBytes);
    if (inbound.relayState && inbound.relayState.length > 1024) throw new GatehouseError('saml_request_invalid', 'RelayState is longer than 1024 characters.');
    const { request, checked, sp } = await checkRequest(ctx, inbound);
    await consumeRequestId(ctx, checked);
    const pending: PendingAuthn = { sp: sp.entityId, acs: checked.acs.url, id: request.id, force: request.forceAuthn, at: ctx.now().getTime(), ...(inbound.relayState !== undefined ? { relayState: inbound.relayState } : {}) };
    if (request.isPassive && (!req.session || request.forceAuthn)) {
      const r = samlError(ctx, (await keys.get()).active, pending, 'Responder', 'NoPassive', 'The person is not signed in.');
      return sendAutoPost(reply, { action: pending.acs, samlResponse: r.samlResponse, relayState: pending.relayState, spName: sp.name });
    }
    return respond(ctx, keys, metrics, req, reply, sp, pending);
  };
  app.get('/saml/sso', handle);
  app.post('/saml/sso', handle);

  app.get('/saml/resume', async (req, reply) => {
    const r = (req.query as Record<string, unknown>).r;
    if (typeof r !== 'string' || r.length > 8192) throw new GatehouseError('flow_invalid', 'This sign-in link is incomplete. Start again from the application.');
    let p: PendingAuthn;
    try {
      p = JSON.parse(ctx.secrets.openText(r, pendingAad)) as PendingAuthn;
    } catch {
      throw new GatehouseError('flow_invalid', 'This sign-in link is not valid. Start again from the application.');
    }
    if (ctx.now().getTime() - p.at > ctx.config.auth.flowTtlSeconds * 1000) throw new GatehouseError('flow_expired', 'This sign-in took too long. Start again from the application.');
    const sp = await ctx.store.serviceProviders.findByEntityId(p.sp);
    if (!sp || !sp.acs.some((a) => a.url === p.acs)) throw new GatehouseError('saml_unknown_sp', 'This application is no longer registered.');
    return respond(ctx, keys, metrics, req, reply, sp, p);
  });
}
