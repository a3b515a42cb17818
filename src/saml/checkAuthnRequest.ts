/**
 * The table of named checks an inbound AuthnRequest must pass, each small and separately tested:
 * checkIssuer → checkDestination → checkAcsUrl → checkSignatureRedirect | checkSignaturePost → checkIssueInstant.
 * {@link checkAuthnRequest} runs them in that order and returns what the caller must store: the request
 * ID, to consume atomically (single use) until `consumeUntil`.
 */
import { verify } from 'node:crypto';
import { GatehouseError } from '../errors.js';
import type { AuthnRequest } from './parseAuthnRequest.js';
import { parseCertificate } from './pem.js';
import { bindings } from './samlConstants.js';
import { dsig } from './signXml.js';
import { verifyEnvelopedSignature } from './xmlSignature.js';

/** An ACS endpoint from SP metadata. */
export interface AcsEndpoint {
  url: string;
  index?: number;
  binding: string;
  isDefault?: boolean;
}

/** A registered SP, as stored from its metadata. */
export interface RegisteredSp {
  entityId: string;
  acs: AcsEndpoint[];
  wantRequestsSigned: boolean;
  /** PEM or base64 DER. */
  signingCertificates: string[];
}

/** Default tolerated clock skew for IssueInstant, in seconds. */
const defaultIssueInstantSkewSeconds = 180;

/** `sp` must be the SP registered under `request.issuer` (the caller looks it up); else `saml_unknown_sp`. */
export function checkIssuer(request: AuthnRequest, sp: RegisteredSp | undefined): RegisteredSp {
  if (sp === undefined || sp.entityId !== request.issuer) {
    throw new GatehouseError('saml_unknown_sp', 'the AuthnRequest Issuer is not a registered service provider', { detail: { issuer: request.issuer } });
  }
  return sp;
}

/** When the request names a Destination, it must be exactly our SSO URL; else `saml_request_invalid`. */
export function checkDestination(request: AuthnRequest, ssoUrl: string): void {
  if (request.destination !== undefined && request.destination !== ssoUrl) {
    throw new GatehouseError('saml_request_invalid', 'AuthnRequest Destination is not this IdP', { detail: { destination: request.destination } });
  }
}

/**
 * The ACS endpoint to answer to (HTTP-POST endpoints only). AssertionConsumerServiceURL must equal one
 * from metadata exactly (no prefix match, no normalisation, no fallback); AssertionConsumerServiceIndex
 * must exist; with neither, the SP's default (isDefault, else the first). A requested ProtocolBinding
 * other than HTTP-POST is refused. Throws `saml_acs_mismatch`.
 */
export function checkAcsUrl(request: AuthnRequest, sp: RegisteredSp): AcsEndpoint {
  const mismatch = (message: string): GatehouseError =>
    new GatehouseError('saml_acs_mismatch', message, { detail: { acsUrl: request.acsUrl, acsIndex: request.acsIndex } });
  if (request.protocolBinding !== undefined && request.protocolBinding !== bindings.post) {
    throw mismatch('only the HTTP-POST binding is supported for responses');
  }
  const post = sp.acs.filter((a) => a.binding === bindings.post);
  let found: AcsEndpoint | undefined;
  if (request.acsUrl !== undefined) found = post.find((a) => a.url === request.acsUrl);
  else if (request.acsIndex !== undefined) found = post.find((a) => a.index === request.acsIndex);
  else found = defaultAcs(sp);
  if (found === undefined) throw mismatch('AssertionConsumerService is not in the SP metadata');
  return found;
}

/** The SP's default HTTP-POST ACS (isDefault, else the first not marked otherwise, else the first): SP default and IdP-initiated. */
export function defaultAcs(sp: RegisteredSp): AcsEndpoint | undefined {
  const post = sp.acs.filter((a) => a.binding === bindings.post);
  return post.find((a) => a.isDefault === true) ?? post.find((a) => a.isDefault !== false) ?? post[0];
}

/** The parameters of an HTTP-Redirect query string: raw (still URL-encoded) and decoded values. */
export interface RedirectQuery {
  samlRequest: string;
  relayState?: string;
  sigAlg?: string;
  signature?: string;
  /** The exact octets that were signed: `SAMLRequest=…[&RelayState=…]&SigAlg=…` as received. */
  signedOctets?: string;
}

function formDecode(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch (cause) {
    throw new GatehouseError('saml_request_invalid', 'malformed query string', { cause });
  }
}

/**
 * Splits the raw query string (everything after `?`, exactly as received) of an HTTP-Redirect request.
 * Each SAML parameter may occur at most once; other parameters are ignored. Throws `saml_request_invalid`.
 */
export function parseRedirectQuery(rawQuery: string): RedirectQuery {
  const raw = new Map<string, string>();
  for (const part of rawQuery.replace(/^\?/, '').split('&')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    if (!['SAMLRequest', 'RelayState', 'SigAlg', 'Signature'].includes(name)) continue;
    if (raw.has(name)) throw new GatehouseError('saml_request_invalid', `${name} appears twice`);
    raw.set(name, eq < 0 ? '' : part.slice(eq + 1));
  }
  const samlRequestRaw = raw.get('SAMLRequest');
  if (samlRequestRaw === undefined || samlRequestRaw === '') throw new GatehouseError('saml_request_invalid', 'no SAMLRequest');
  const q: RedirectQuery = { samlRequest: formDecode(samlRequestRaw) };
  const relayStateRaw = raw.get('RelayState');
  if (relayStateRaw !== undefined) q.relayState = formDecode(relayStateRaw);
  const sigAlgRaw = raw.get('SigAlg');
  if (sigAlgRaw !== undefined) {
    q.sigAlg = formDecode(sigAlgRaw);
    q.signedOctets = `SAMLRequest=${samlRequestRaw}${relayStateRaw === undefined ? '' : `&RelayState=${relayStateRaw}`}&SigAlg=${sigAlgRaw}`;
  }
  const signatureRaw = raw.get('Signature');
  if (signatureRaw !== undefined) q.signature = formDecode(signatureRaw);
  return q;
}

/**
 * Verifies the HTTP-Redirect signature (SigAlg + Signature query parameters) over the raw query string
 * bytes exactly as received. Only rsa-sha256. Unsigned is accepted only when the SP does not require
 * signed requests; a present but bad signature is always refused. Returns whether it was signed.
 * Throws `saml_signature_invalid`.
 */
export function checkSignatureRedirect(rawQuery: string, sp: RegisteredSp): { signed: boolean } {
  const q = parseRedirectQuery(rawQuery);
  const fail = (m: string): GatehouseError => new GatehouseError('saml_signature_invalid', m);
  if (q.signature === undefined && q.sigAlg === undefined) {
    if (sp.wantRequestsSigned) throw fail('the SP must sign its AuthnRequests');
    return { signed: false };
  }
  if (q.signature === undefined || q.sigAlg === undefined || q.signedOctets === undefined) throw fail('SigAlg and Signature must come together');
  if (q.sigAlg !== dsig.rsaSha256) throw fail('SigAlg must be rsa-sha256');
  const signature = Buffer.from(q.signature, 'base64');
  const data = Buffer.from(q.signedOctets, 'utf8');
  for (const cert of sp.signingCertificates) {
    try {
      if (verify('sha256', data, parseCertificate(cert).publicKey, signature)) return { signed: true };
    } catch {
      // unusable certificate: try the next one
    }
  }
  throw fail('the AuthnRequest signature does not verify');
}

/**
 * Verifies the enveloped XML signature of an HTTP-POST AuthnRequest (xmlSignature.ts: exactly one
 * Signature, child of the root, referencing the root's ID). Unsigned is accepted only when the SP does
 * not require signed requests. Returns whether it was signed. Throws `saml_signature_invalid`.
 */
export function checkSignaturePost(xml: string, request: AuthnRequest, sp: RegisteredSp): { signed: boolean } {
  if (!request.hasXmlSignature) {
    if (sp.wantRequestsSigned) throw new GatehouseError('saml_signature_invalid', 'the SP must sign its AuthnRequests');
    return { signed: false };
  }
  if (!sp.wantRequestsSigned && sp.signingCertificates.length === 0) return { signed: false };
  verifyEnvelopedSignature(xml, sp.signingCertificates);
  return { signed: true };
}

/** IssueInstant must be within `skewSeconds` (default 180) of `now`, either way; else `saml_request_stale`. */
export function checkIssueInstant(request: AuthnRequest, now: Date, skewSeconds = defaultIssueInstantSkewSeconds): void {
  const delta = now.getTime() - request.issueInstant.getTime();
  if (Math.abs(delta) > skewSeconds * 1000) {
    throw new GatehouseError('saml_request_stale', delta > 0 ? 'the AuthnRequest is too old' : 'the AuthnRequest is from the future', {
      detail: { issueInstant: request.issueInstant.toISOString() },
    });
  }
}

/** Input of {@link checkAuthnRequest}. */
export interface CheckAuthnRequestInput {
  request: AuthnRequest;
  /** The SP registered under request.issuer, looked up by the caller. */
  sp: RegisteredSp | undefined;
  now: Date;
  /** This IdP's SSO URL (`<baseUrl>/saml/sso`). */
  ssoUrl: string;
  /** HTTP-Redirect: the raw query string; HTTP-POST: the decoded XML. */
  binding: { kind: 'redirect'; rawQuery: string } | { kind: 'post'; xml: string };
  skewSeconds?: number;
}

/** What passed, and what the caller must store. */
export interface CheckedAuthnRequest {
  sp: RegisteredSp;
  acs: AcsEndpoint;
  signed: boolean;
  /** Consume `{issuer, id}` atomically (single use); keep it until `consumeUntil`, then it is stale anyway. */
  consume: { issuer: string; id: string; consumeUntil: Date };
}

/** Runs every check in order; throws the first failure's GatehouseError. Pure. */
export function checkAuthnRequest(input: CheckAuthnRequestInput): CheckedAuthnRequest {
  const { request, now } = input;
  const skew = input.skewSeconds ?? defaultIssueInstantSkewSeconds;
  const sp = checkIssuer(request, input.sp);
  checkDestination(request, input.ssoUrl);
  const acs = checkAcsUrl(request, sp);
  const { signed } = input.binding.kind === 'redirect'
    ? checkSignatureRedirect(input.binding.rawQuery, sp)
    : checkSignaturePost(input.binding.xml, request, sp);
  checkIssueInstant(request, now, skew);
  return {
    sp, acs, signed,
    consume: { issuer: request.issuer, id: request.id, consumeUntil: new Date(request.issueInstant.getTime() + skew * 1000) },
  };
}
