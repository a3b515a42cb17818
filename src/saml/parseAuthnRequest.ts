/**
 * Reads a `<samlp:AuthnRequest>` (already decoded from its binding) into a plain value. Structure only:
 * whether the issuer is known, the ACS allowed, the signature valid and the request fresh is decided by
 * the named checks in checkAuthnRequest.ts.
 */
import { GatehouseError } from '../errors.js';
import { saml } from './samlConstants.js';
import type { Element } from '@xmldom/xmldom';
import { childElements, childrenNamed, parseXmlSafely, textOf, type ParseXmlOptions } from './parseXmlSafely.js';

/**
 * The `<saml:Subject>` an AuthnRequest names (SAML core §3.4.1): the assertion may only be about that subject.
 * A NameID is read (value and Format); a BaseID or EncryptedID cannot be compared with anyone, so it is kept
 * as `unreadable` and never matches. A Subject without an identifier names nobody (the presenter is the subject)
 * and is left out.
 */
export type RequestedSubject =
  | { nameId: string; format?: string }
  | { unreadable: 'BaseID' | 'EncryptedID' };

/** Longest Subject NameID read (SAML core §8.3.7 caps persistent identifiers at 256 characters; emails are shorter). */
export const MAX_SUBJECT_NAMEID_LENGTH = 256;

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
  /** The subject the SP asks about, when it names one. */
  subject?: RequestedSubject;
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

/** The Subject child of the request: at most one, with at most one identifier, a NameID of bounded length. */
function readSubject(root: Element): RequestedSubject | undefined {
  const subjects = childrenNamed(root, saml.assertionNs, 'Subject');
  if (subjects.length > 1) throw invalid('more than one Subject');
  const subject = subjects[0];
  if (!subject) return undefined;
  const ids = childElements(subject).filter((e) => e.namespaceURI === saml.assertionNs && ['NameID', 'BaseID', 'EncryptedID'].includes(e.localName ?? ''));
  if (ids.length > 1) throw invalid('Subject has more than one identifier');
  const id = ids[0];
  if (!id) return undefined;
  if (id.localName !== 'NameID') return { unreadable: id.localName as 'BaseID' | 'EncryptedID' };
  if (childElements(id).length > 0) throw invalid('Subject NameID must be text');
  const nameId = textOf(id);
  if (nameId.trim() === '') throw invalid('Subject NameID is empty');
  if (nameId.length > MAX_SUBJECT_NAMEID_LENGTH) throw invalid(`Subject NameID is longer than ${MAX_SUBJECT_NAMEID_LENGTH} characters`);
  const format = optional(id.getAttribute('Format'));
  if (format !== undefined && format.length > 256) throw invalid('Subject NameID Format is longer than 256 characters');
  return format === undefined ? { nameId } : { nameId, format };
}

/**
 * Parses AuthnRequest XML (via parseXmlSafely). Throws GatehouseError('saml_request_invalid') when the root
 * is not samlp:AuthnRequest in the SAML 2.0 protocol namespace, Version is not 2.0, ID, IssueInstant or
 * Issuer is missing or malformed, both AssertionConsumerServiceURL and …Index are given, or the Subject is
 * malformed (two of them, two identifiers, an empty or over-long NameID); plus
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
  const subject = readSubject(root);
  if (subject !== undefined) request.subject = subject;
  return request;
}
