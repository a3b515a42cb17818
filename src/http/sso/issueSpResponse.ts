import type { AppContext } from '../../context.js';
import { recordAudit } from '../../audit/recordAudit.js';
import { GatehouseError } from '../../errors.js';
import { loadEntitlements } from '../../directory/loadEntitlements.js';
import { buildResponseAsync, type BuiltResponse } from '../../saml/buildResponse.js';
import { buildErrorResponse, type SecondLevelStatus } from '../../saml/buildErrorResponse.js';
import { buildGenericSpSubject } from '../../saml/genericSpSubject.js';
import { buildIdentityCenterSubject } from '../../saml/identityCenter.js';
import { matchRequestedSubject } from '../../saml/matchRequestedSubject.js';
import type { RequestedSubject } from '../../saml/parseAuthnRequest.js';
import type { ServiceProvider } from '../../store/repositories/serviceProviders.js';
import type { WebSession } from '../session.js';
import type { SigningKeyCache } from './signingKeyCache.js';
import { newSamlId } from './samlIds.js';
import { factorsOf } from '../routes/portal.js';

/**
 * What to answer: a validated SP-initiated request waiting for the person to sign in (sealed into the resume
 * URL), or an IdP-initiated launch from the portal (no `id`, so no InResponseTo).
 */
export interface PendingAuthn {
  sp: string;
  acs: string;
  id?: string;
  relayState?: string;
  force: boolean;
  /** ms since the epoch, when the AuthnRequest was accepted. */
  at: number;
  /** The AuthnRequest's <Subject>: the assertion may only be about that person (SAML core §3.4.1). */
  subject?: RequestedSubject;
}

/**
 * Builds the signed Response for an SP-initiated request (InResponseTo echoed) and audits it. A person who
 * may not receive an assertion gets a SAML error Response instead, to the already validated ACS.
 */
export async function issueSpResponse(ctx: AppContext, keys: SigningKeyCache, sp: ServiceProvider, p: PendingAuthn, s: WebSession, meta: { ip: string; requestId: string }): Promise<{ response: BuiltResponse; ok: boolean }> {
  const now = ctx.now();
  const key = (await keys.get()).active;
  const deviceName = s.deviceName;
  const audit = { at: now.getTime(), type: 'saml.assertion' as const, userId: s.userId, username: s.user.username, ip: meta.ip, requestId: meta.requestId, factor: s.authMethod, deviceId: s.deviceId, deviceName };
  try {
    let subject;
    if (sp.kind === 'identity-center') {
      if (!s.user.email) throw new GatehouseError('forbidden', 'IAM Identity Center identifies people by email address, and your account has none.');
      const ent = await loadEntitlements(ctx.store, s.user, { now: now.getTime(), sourceIp: meta.ip, factorsUsed: factorsOf(s) });
      subject = buildIdentityCenterSubject({ email: s.user.email, accessControl: ent.tags });
    } else {
      const groups = (await ctx.store.groups.groupsOf(s.userId)).map((g) => g.name);
      subject = buildGenericSpSubject({ spName: sp.name, nameIdFormat: sp.nameIdFormat, person: s.user, groups });
    }
    // A request that names its subject gets an assertion only about that subject; for anyone else, a signed
    // error Response (Responder / RequestDenied) to the validated ACS, never an assertion about the wrong person.
    if (p.subject && !matchRequestedSubject(p.subject, subject)) {
      throw new GatehouseError('saml_subject_mismatch', `${sp.name} asked to sign in someone other than the person signed in here. Sign out, or start again from ${sp.name} as yourself.`);
    }
    const assertionId = newSamlId();
    const response = await buildResponseAsync({
      issuer: ctx.config.saml.entityId, assertionId, responseId: newSamlId(), now, acsUrl: p.acs, audience: sp.entityId, inResponseTo: p.id,
      sessionIndex: '_' + s.idHash.slice(0, 32), authnInstant: new Date(s.createdAt), sessionNotOnOrAfter: new Date(s.expiresAt),
      lifetimeSeconds: ctx.config.saml.assertionLifetimeSeconds, key, ...subject,
    });
    await recordAudit(ctx, { ...audit, outcome: 'success', detail: { sp: sp.entityId, acs: p.acs, assertionId, inResponseTo: p.id, attributes: subject.attributes.map((a) => a.name) } });
    return { response, ok: true };
  } catch (e) {
    const reason = e instanceof GatehouseError ? e.code : 'internal';
    await recordAudit(ctx, { ...audit, outcome: 'failure', reason, detail: { sp: sp.entityId, acs: p.acs, inResponseTo: p.id, message: e instanceof GatehouseError && e.expose ? e.message : undefined } });
    const response = samlError(ctx, key, p, 'Responder', 'RequestDenied', e instanceof GatehouseError && e.expose ? e.message : 'The identity provider could not sign you in.');
    return { response, ok: false };
  }
}

/** A signed SAML error Response to a VALIDATED ACS. */
export function samlError(ctx: AppContext, key: Parameters<typeof buildErrorResponse>[0]['key'], p: Pick<PendingAuthn, 'acs' | 'id'>, status: 'Requester' | 'Responder', subStatus: SecondLevelStatus, message: string): BuiltResponse {
  return buildErrorResponse({ issuer: ctx.config.saml.entityId, responseId: newSamlId(), now: ctx.now(), destination: p.acs, inResponseTo: p.id, status, subStatus, message, key });
}
