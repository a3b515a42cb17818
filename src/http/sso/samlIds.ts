import { randomBytes } from 'node:crypto';

/** A fresh SAML ID: `_` followed by 160 random bits in hex (an NCName, as SAML requires). */
export function newSamlId(): string {
  return '_' + randomBytes(20).toString('hex');
}
