/**
 * Whether the subject an AuthnRequest names is the person Gatehouse would assert (SAML core §3.4.1: the
 * assertion must be about the requested subject, and §3.3.4's matching of identifiers).
 */
import { saml } from './samlConstants.js';
import type { RequestedSubject } from './parseAuthnRequest.js';

/** The NameID Gatehouse issues to this SP for the signed-in person. */
export interface IssuedNameId {
  nameId: string;
  nameIdFormat: string;
}

/**
 * True when `requested` names the person `issued` identifies: the same NameID value, and a Format that is
 * either absent, `unspecified`, or the format Gatehouse uses for this SP. Persistent identifiers compare
 * exactly; usernames and email addresses (unspecified / emailAddress) without regard to case, as Gatehouse
 * treats them at sign-in. A BaseID or EncryptedID never matches: Gatehouse cannot tell whom it names.
 * Pure; nothing to store.
 */
export function matchRequestedSubject(requested: RequestedSubject, issued: IssuedNameId): boolean {
  if ('unreadable' in requested) return false;
  const { format } = requested;
  if (format !== undefined && format !== saml.nameIdFormat.unspecified && format !== issued.nameIdFormat) return false;
  if (issued.nameIdFormat === saml.nameIdFormat.persistent) return requested.nameId === issued.nameId;
  return requested.nameId.toLowerCase() === issued.nameId.toLowerCase();
}
