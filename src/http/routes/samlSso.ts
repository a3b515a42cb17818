import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.js';
import { GatehouseError } from '../../errors.js';
import { decodePostMessage, decodeRedirectMessage } from '../../saml/decodeSamlMessage.js';
import { parseAuthnRequest, type AuthnRequest } from '../../saml/parseAuthnRequest.js';
import { checkAuthnRequest, parseRedirectQuery, type CheckedAuthnRequest } from '../../saml/checkAuthnRequest.js';
import { toRegisteredSp } from '../../directory/registerServiceProvider.js';
import type { ServiceProvider } from '../../store/repositories/serviceProviders.js';
import { loginUrl, MAX_RETURN_TO_LENGTH } from '../../auth/flow/returnTo.js';
import { sendAutoPost } from '../sendAutoPost.js';
import { checkSpEnabled } from '../sso/checkSpEnabled.js';
import { issueSpResponse, samlError, type PendingAuthn } from '../sso/issueSpResponse.js';
import type { SigningKeyCache } from '../sso/signingKeyCache.js';

const pendingAad = 'saml-pending-authn';
type Inbound = { xml: string; binding: { kind: 'redirect'; rawQuery: string } | { kind: 'post'; xml: string }; relayState: string | undefined };

const maxRelayStateChars = 1024;

/**
 * Step 1: decode the message of either binding, cheapest checks first: RelayState length, then the
 * message's length and base64 alphabet, then a bounded inflate / decode (decodeSamlMessage.ts). Nothing
 * is parsed or trusted yet; the XML is bounded again before it is parsed (checkRequest).
 */
export function decodeInbound(req: FastifyRequest, maxXmlBytes: number): Inbound {
  const checkRelayState = (relayState: string | undefined): void => {
    if (relayState !== undefined && relayState.length > maxRelayStateChars) {
      throw new GatehouseError('saml_request_invalid', `RelayState is longer than ${maxRelayStateChars} characters.`);
    }
  };
  if (req.method === 'GET') {
    const rawQuery = (req.raw.url ?? '').split('?')[1] ?? '';
    const q = parseRedirectQuery(rawQuery);
    checkRelayState(q.relayState);
    return { xml: decodeRedirectMessage(q.samlRequest, { maxXmlBytes }), binding: { kind: 'redirect', rawQuery }, relayState: q.relayState };
  }
  const body = (req.body ?? {}) as Record<string, unknown>;
  if (typeof body.SAMLRequest !== 'string') throw new GatehouseError('saml_request_invalid', 'SAMLRequest is missing.');
  const relayState = typeof body.RelayState === 'string' ? body.RelayState : undefined;
  checkRelayState(relayState);
  const xml = decodePostMessage(body.SAMLRequest, { maxXmlBytes });
  return { xml, binding: { kind: 'post', xml }, relayState };
}

/**
 * Largest form body of a POST to /saml/sso: the base64 of `maxXmlBytes` (with line breaks), every
 * character percent-encoded at worst, plus a RelayState; fastify refuses a larger body with 413 unread.
 */
export function postBodyLimit(maxXmlBytes: number): number {
  return 3 * (Math.ceil((maxXmlBytes * 4) / 3) + 1024) + 9 * maxRelayStateChars + 4096;
}

/** Step 2: the checks of checkAuthnRequest.ts against the registered SP. */
async function checkRequest(ctx: AppContext, inbound: Inbound): Promise<{ request: AuthnRequest; checked: CheckedAuthnRequest; sp: ServiceProvider }> {
  const request = parseAuthnRequest(inbound.xml, { maxBytes: ctx.config.saml.maxRequestBytes, limits: ctx.config.saml.requestLimits });
  const stored = await ctx.store.serviceProviders.findByEntityId(request.issuer);
  const checked = checkAuthnRequest({
    request, sp: stored && toRegisteredSp(stored), now: ctx.now(), ssoUrl: `${ctx.config.server.baseUrl}/saml/sso`,
    binding: inbound.binding, skewSeconds: ctx.config.saml.clockSkewSeconds,
  });
  return { request, checked, sp: checkSpEnabled(stored!) };
}

/** Step 3: the request ID is single-use on every node. */
async function consumeRequestId(ctx: AppContext, checked: CheckedAuthnRequest): Promise<void> {
  const ok = await ctx.store.singleUse.consumeAuthnRequestId(checked.consume.issuer, checked.consume.id, checked.consume.consumeUntil.getTime(), ctx.now().getTime());
  if (!ok) throw new GatehouseError('saml_request_replayed', 'This sign-in request was already used. Start again from the application.');
}

/**
 * The pending request is answered once, on any node: the first answer consumes its answer key in the store
 * (`consumeSamlAnswer`, kept as long as a resume link lives), so a resume link opened again, or in a second tab, is refused
 * instead of minting another assertion for the same request.
 */
async function answerOnce(ctx: AppContext, p: PendingAuthn & { id: string }): Promise<void> {
  const until = p.at + ctx.config.auth.flowTtlSeconds * 1000;
  const ok = await ctx.store.singleUse.consumeSamlAnswer(p.sp, p.id, until, ctx.now().getTime());
  if (!ok) throw new GatehouseError('saml_request_replayed', 'This sign-in request was already answered. Start again from the application.');
}

/**
 * Step 4: answer — a Response to the validated ACS, or off to sign in and back via /saml/resume.
 * A request whose <Subject> names someone (SAML core §3.4.1) is answered only about that person: nobody signed
 * in → sign in first; the person signed in is someone else → a signed error Response (Responder / RequestDenied,
 * `saml_subject_mismatch` in the audit) to the validated ACS, decided in issueSpResponse. We do not start a
 * fresh sign-in for the other person: the browser belongs to whoever is signed in, and the SP can send its
 * user here again after they sign out.
 */
async function respond(ctx: AppContext, keys: SigningKeyCache, req: FastifyRequest, reply: FastifyReply, sp: ServiceProvider, p: PendingAuthn & { id: string }): Promise<FastifyReply> {
  const session = req.session;
  const fresh = session && (!p.force || session.createdAt > p.at);
  if (!fresh) {
    const returnTo = `/saml/resume?r=${encodeURIComponent(ctx.secrets.seal(JSON.stringify(p), pendingAad))}`;
    if (returnTo.length > MAX_RETURN_TO_LENGTH) throw new GatehouseError('saml_request_invalid', 'This sign-in request is too large to carry through sign-in (its RelayState or Subject is too long).');
    return reply.redirect(loginUrl(returnTo, { force: p.force }), 303);
  }
  await answerOnce(ctx, p);
  const { response } = await issueSpResponse(ctx, keys, sp, p, session, { ip: req.ip, requestId: req.id });
  return sendAutoPost(reply, { action: p.acs, samlResponse: response.samlResponse, relayState: p.relayState, spName: sp.name });
}

/**
 * SP-initiated SSO: /saml/sso with the HTTP-Redirect (GET) and HTTP-POST bindings, and /saml/resume after
 * sign-in. Errors before the ACS is validated are an error page; after, a SAML error Response to that ACS.
 */
export async function registerSamlSsoRoutes(app: FastifyInstance, ctx: AppContext, keys: SigningKeyCache): Promise<void> {
  const handle = async (req: FastifyRequest, reply: FastifyReply) => {
    const inbound = decodeInbound(req, ctx.config.saml.maxRequestBytes);
    const { request, checked, sp } = await checkRequest(ctx, inbound);
    await consumeRequestId(ctx, checked);
    const pending: PendingAuthn & { id: string } = {
      sp: sp.entityId, acs: checked.acs.url, id: request.id, force: request.forceAuthn, at: ctx.now().getTime(),
      ...(inbound.relayState !== undefined ? { relayState: inbound.relayState } : {}), ...(request.subject ? { subject: request.subject } : {}),
    };
    if (request.isPassive && (!req.session || request.forceAuthn)) {
      const r = samlError(ctx, (await keys.get()).active, pending, 'Responder', 'NoPassive', 'The person is not signed in.');
      return sendAutoPost(reply, { action: pending.acs, samlResponse: r.samlResponse, relayState: pending.relayState, spName: sp.name });
    }
    return respond(ctx, keys, req, reply, sp, pending);
  };
  app.get('/saml/sso', handle);
  app.post('/saml/sso', { bodyLimit: postBodyLimit(ctx.config.saml.maxRequestBytes) }, handle);

  app.get('/saml/resume', async (req, reply) => {
    const r = (req.query as Record<string, unknown>).r;
    if (typeof r !== 'string' || r.length > MAX_RETURN_TO_LENGTH) throw new GatehouseError('flow_invalid', 'This sign-in link is incomplete. Start again from the application.');
    let p: PendingAuthn;
    try {
      p = JSON.parse(ctx.secrets.openText(r, pendingAad)) as PendingAuthn;
    } catch {
      throw new GatehouseError('flow_invalid', 'This sign-in link is not valid. Start again from the application.');
    }
    const id = p.id;
    if (typeof id !== 'string') throw new GatehouseError('flow_invalid', 'This sign-in link is not valid. Start again from the application.');
    if (ctx.now().getTime() - p.at > ctx.config.auth.flowTtlSeconds * 1000) throw new GatehouseError('flow_expired', 'This sign-in took too long. Start again from the application.');
    const sp = await ctx.store.serviceProviders.findByEntityId(p.sp);
    if (!sp || !sp.acs.some((a) => a.url === p.acs)) throw new GatehouseError('saml_unknown_sp', 'This application is no longer registered.');
    return respond(ctx, keys, req, reply, checkSpEnabled(sp), { ...p, id });
  });
}
