/**
 * Reads a `<samlp:AuthnRequest>` (already decoded from its binding) into a plain value. Structure only:
 * whether the issuer is known, the ACS allowed, the signature valid and the request fresh is decided by
 * the named checks in checkAuthnRequest.ts.
 */
import { GatehouseError } from '../errors.js';
import { saml } from './samlConstants.js';
import { childrenNamed, parseXmlSafely, textOf, type ParseXmlOptions } from './parseXmlSafely.js';

/** A parsed AuthnRequest. */
export interface AuthnRequest {
  id: string;
  issuer: string;
  issueInstant: Date;
  destination?: string;
  acsUrl?: string;
  acsIndex?: number;
  protocolBinding?: string;
  forceAuthn: boolean;
  isPassive: boolean;
  nameIdPolicyFormat?: string;
  /** True when the root carries a ds:Signature child (HTTP-POST binding signature). */
  hasXmlSignature: boolean;
}

const dateTime = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:\d\d)$/;

const invalid = (message: string): GatehouseError => new GatehouseError('saml_request_invalid', message);

function parseBoolean(value: string | null, name: string): boolean {
  if (value === null || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw invalid(`${name} is not a boolean`);
}

function optional(value: string | null): string | undefined {
  return value === null || value === '' ? undefined : value;
}

/**
 * Parses AuthnRequest XML (via parseXmlSafely). Throws GatehouseError('saml_request_invalid') when the root
 * is not samlp:AuthnRequest in the SAML 2.0 protocol namespace, Version is not 2.0, ID, IssueInstant or
 * Issuer is missing or malformed, or both AssertionConsumerServiceURL and …Index are given; plus
 * parseXmlSafely's errors. Pure; the caller stores `id` for single-use consumption (see checkAuthnRequest).
 */
export function parseAuthnRequest(xml: string | Uint8Array, options: ParseXmlOptions = {}): AuthnRequest {
  const { root } = parseXmlSafely(xml, options);
  if (root.namespaceURI !== saml.protocolNs || root.localName !== 'AuthnRequest') throw invalid('not a SAML 2.0 AuthnRequest');
  if (root.getAttribute('Version') !== '2.0') throw invalid('AuthnRequest Version must be 2.0');
  const id = root.getAttribute('ID') ?? '';
  if (id === '' || id.length > 256 || /\s/.test(id)) throw invalid('AuthnRequest has no valid ID');
  const instant = root.getAttribute('IssueInstant') ?? '';
  const issueInstant = new Date(instant);
  if (!dateTime.test(instant) || Number.isNaN(issueInstant.getTime())) throw invalid('AuthnRequest has no valid IssueInstant');
  const issuers = childrenNamed(root, saml.assertionNs, 'Issuer');
  const issuer = textOf(issuers[0]).trim();
  if (issuers.length !== 1 || issuer === '') throw invalid('AuthnRequest must have exactly one Issuer');
  const format = issuers[0]?.getAttribute('Format');
  if (format && format !== saml.nameIdFormat.entity) throw invalid('Issuer Format must be entity');

  const acsUrl = optional(root.getAttribute('AssertionConsumerServiceURL'));
  const indexText = optional(root.getAttribute('AssertionConsumerServiceIndex'));
  if (acsUrl !== undefined && indexText !== undefined) throw invalid('AssertionConsumerServiceURL and Index are mutually exclusive');
  let acsIndex: number | undefined;
  if (indexText !== undefined) {
    if (!/^\d{1,5}$/.test(indexText) || Number(indexText) > 65535) throw invalid('AssertionConsumerServiceIndex is not an unsigned short');
    acsIndex = Number(indexText);
  }
  const policies = childrenNamed(root, saml.protocolNs, 'NameIDPolicy');
  if (policies.length > 1) throw invalid('more than one NameIDPolicy');

  const request: AuthnRequest = {
    id,
    issuer,
    issueInstant,
    forceAuthn: parseBoolean(root.getAttribute('ForceAuthn'), 'ForceAuthn'),
    isPassive: parseBoolean(root.getAttribute('IsPassive'), 'IsPassive'),
    hasXmlSignature: childrenNamed(root, 'http://www.w3.org/2000/09/xmldsig#', 'Signature').length > 0,
  };
  const destination = optional(root.getAttribute('Destination'));
  if (destination !== undefined) request.destination = destination;
  if (acsUrl !== undefined) request.acsUrl = acsUrl;
  if (acsIndex !== undefined) request.acsIndex = acsIndex;
  const binding = optional(root.getAttribute('ProtocolBinding'));
  if (binding !== undefined) request.protocolBinding = binding;
  const nameIdFormat = optional(policies[0]?.getAttribute('Format') ?? null);
  if (nameIdFormat !== undefined) request.nameIdPolicyFormat = nameIdFormat;
  return request;
}
