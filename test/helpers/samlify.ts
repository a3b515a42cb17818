/**
 * samlify, the SAML library most Node.js service providers use, as a second independent judge of what
 * Gatehouse sends and accepts. This is the only module that imports samlify (eslint.config.js).
 *
 * samlify leaves schema validation to its caller; we give it a validator that really checks: our hardened
 * parser (size cap, no DTD, every parser error fatal) plus a SAML 2.0 protocol message as the root element.
 * samlify itself verifies signatures against the peer's metadata, the issuer and the time windows; it does
 * not compare the audience, the Destination or InResponseTo with anything, so {@link samlifyConsume} does.
 */
import { Constants, IdentityProvider, ServiceProvider, setSchemaValidator, type IdentityProviderInstance, type ServiceProviderInstance } from 'samlify';
import { parseXmlSafely } from '../../src/saml/parseXmlSafely.js';
import { saml } from '../../src/saml/samlConstants.js';
import type { SigningKey } from '../../src/saml/signingKey.js';

const protocolMessages = new Set(['Response', 'AuthnRequest', 'LogoutRequest', 'LogoutResponse']);

/** The schema check samlify runs on every inbound message before anything else. Throws on refusal. */
export async function validateSamlMessage(xml: string): Promise<string> {
  const { root } = parseXmlSafely(xml);
  if (root.namespaceURI !== saml.protocolNs || !protocolMessages.has(root.localName ?? '')) {
    throw new Error(`ERR_SCHEMA_ROOT: ${root.namespaceURI ?? ''} ${root.localName ?? ''} is not a SAML 2.0 protocol message`);
  }
  if (root.getAttribute('Version') !== '2.0') throw new Error('ERR_SCHEMA_VERSION: Version must be 2.0');
  if ((root.getAttribute('ID') ?? '') === '' || (root.getAttribute('IssueInstant') ?? '') === '') throw new Error('ERR_SCHEMA_ATTRIBUTES: ID and IssueInstant are required');
  return 'valid';
}

setSchemaValidator({ validate: validateSamlMessage });

/** samlify's URIs, for tests that pass bindings and algorithms by name. */
export const samlifyBinding = { redirect: 'redirect', post: 'post' } as const;

/**
 * An IdP as samlify sees it: the metadata Gatehouse publishes. Gatehouse publishes
 * WantAuthnRequestsSigned="false" because it decides per SP (from the SP's own AuthnRequestsSigned), and
 * samlify refuses to sign a request for an IdP that does not ask for it; `forSigningSp` tells samlify that
 * this IdP wants signed requests, by turning that one attribute to "true" and changing nothing else.
 */
export function samlifyIdp(metadataXml: string, o: { forSigningSp?: boolean } = {}): IdentityProviderInstance {
  const metadata = o.forSigningSp === true ? metadataXml.replace('WantAuthnRequestsSigned="false"', 'WantAuthnRequestsSigned="true"') : metadataXml;
  if (o.forSigningSp === true && metadata === metadataXml) throw new Error('the metadata does not say WantAuthnRequestsSigned="false"');
  return IdentityProvider({ metadata, requestSignatureAlgorithm: Constants.algorithms.signature.RSA_SHA256 });
}

/** Options of {@link samlifySp}. */
export interface SamlifySpOptions {
  entityId: string;
  acsUrl: string;
  /** Signs AuthnRequests (rsa-sha256) and is published in the SP metadata; none → unsigned requests. */
  signingKey?: SigningKey;
  nameIdFormat?: string;
}

/**
 * A samlify ServiceProvider configured strictly: assertions must be signed, its own requests are signed
 * with rsa-sha256 when a key is given, no clock drift allowed, one HTTP-POST ACS.
 */
export function samlifySp(o: SamlifySpOptions): ServiceProviderInstance {
  const key = o.signingKey;
  return ServiceProvider({
    entityID: o.entityId,
    assertionConsumerService: [{ Binding: Constants.namespace.binding.post, Location: o.acsUrl }],
    wantAssertionsSigned: true,
    wantMessageSigned: false,
    authnRequestsSigned: key !== undefined,
    ...(key === undefined ? {} : {
      privateKey: key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      signingCert: key.certificatePem,
      requestSignatureAlgorithm: Constants.algorithms.signature.RSA_SHA256,
    }),
    nameIDFormat: [o.nameIdFormat ?? saml.nameIdFormat.persistent],
    clockDrifts: [0, 0],
  });
}

/** What samlify read from a Response it accepted. */
export interface SamlifyLogin {
  issuer: string;
  nameID: string;
  audience: string;
  destination: string;
  inResponseTo: string | undefined;
  attributes: Record<string, string | string[]>;
}

/**
 * Has samlify consume an HTTP-POST Response (base64 `SAMLResponse`), then checks what samlify leaves to
 * its caller: the audience is the SP's entityID, Destination is `acsUrl`, InResponseTo is `inResponseTo`
 * (absent for IdP-initiated). Throws samlify's `ERR_…` / our `ERR_SCHEMA_…` errors, or an Error naming the
 * field that does not match.
 */
export async function samlifyConsume(sp: ServiceProviderInstance, idp: IdentityProviderInstance, form: { samlResponse: string },
  expect: { acsUrl: string; inResponseTo?: string }): Promise<SamlifyLogin> {
  const { extract } = await sp.parseLoginResponse(idp, samlifyBinding.post, { body: { SAMLResponse: form.samlResponse } });
  const str = (v: unknown): string => (typeof v === 'string' ? v : JSON.stringify(v));
  const response = (extract.response ?? {}) as Record<string, string | undefined>;
  const login: SamlifyLogin = {
    issuer: str(extract.issuer), nameID: str(extract.nameID), audience: str(extract.audience),
    destination: response.destination ?? '', inResponseTo: response.inResponseTo,
    attributes: (extract.attributes ?? {}) as Record<string, string | string[]>,
  };
  const entityId = sp.entityMeta.getEntityID();
  if (login.audience !== entityId) throw new Error(`ERR_AUDIENCE: ${login.audience} is not ${entityId}`);
  if (login.destination !== expect.acsUrl) throw new Error(`ERR_DESTINATION: ${login.destination} is not ${expect.acsUrl}`);
  if (login.inResponseTo !== expect.inResponseTo) throw new Error(`ERR_IN_RESPONSE_TO: ${String(login.inResponseTo)} is not ${String(expect.inResponseTo)}`);
  return login;
}

/**
 * A samlify AuthnRequest for `idp`: HTTP-Redirect (a URL whose query carries SigAlg and Signature when the
 * SP signs) or HTTP-POST (the base64 `SAMLRequest` with an enveloped signature). Returns the request ID too.
 */
export function samlifyLoginRequest(sp: ServiceProviderInstance, idp: IdentityProviderInstance, binding: 'redirect', relayState?: string): { id: string; url: string };
export function samlifyLoginRequest(sp: ServiceProviderInstance, idp: IdentityProviderInstance, binding: 'post', relayState?: string): { id: string; samlRequest: string; relayState?: string };
export function samlifyLoginRequest(sp: ServiceProviderInstance, idp: IdentityProviderInstance, binding: 'redirect' | 'post', relayState?: string):
  { id: string; url: string } | { id: string; samlRequest: string; relayState?: string } {
  const ctx = sp.createLoginRequest(idp, binding, relayState === undefined ? {} : { relayState });
  if (binding === 'redirect') return { id: ctx.id, url: ctx.context };
  return { id: ctx.id, samlRequest: ctx.context, ...(relayState === undefined ? {} : { relayState }) };
}
