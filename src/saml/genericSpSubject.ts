/**
 * Subject and attributes for a generic SAML SP (not AWS, not IAM Identity Center): the NameID in the format
 * the SP registered (persistent by default), and the attributes `username`, `email`, `displayName` and
 * `groups` (multi-valued), each left out when empty.
 */
import { GatehouseError } from '../errors.js';
import type { SamlAttribute } from './buildAssertion.js';
import { saml } from './samlConstants.js';

/** Input of {@link buildGenericSpSubject}. */
export interface GenericSpInput {
  /** The SP's name, for the error a person sees. */
  spName: string;
  /** The NameID format the SP registered; null → persistent. */
  nameIdFormat: string | null;
  person: { id: string; username: string; email: string | null; displayName: string | null };
  /** Names of the person's groups, in the order to send them. */
  groups: readonly string[];
}

/** The Subject and attribute part of an AssertionInput for a generic SP. */
export interface GenericSpSubject {
  nameId: string;
  nameIdFormat: string;
  attributes: SamlAttribute[];
}

const attribute = (name: string, values: readonly (string | null)[]): SamlAttribute[] => {
  const present = values.filter((v): v is string => v !== null && v.length > 0);
  return present.length > 0 ? [{ name, values: present }] : [];
};

/**
 * The NameID is the person's id (persistent, and any format Gatehouse has no value for), email
 * (emailAddress) or username (unspecified). Throws GatehouseError('forbidden') when the SP wants an
 * email address and the person has none. Pure; nothing to store.
 */
export function buildGenericSpSubject(input: GenericSpInput): GenericSpSubject {
  const format = input.nameIdFormat ?? saml.nameIdFormat.persistent;
  const { person } = input;
  let nameId = person.id;
  if (format === saml.nameIdFormat.emailAddress) {
    if (!person.email) {
      throw new GatehouseError('forbidden', `${input.spName} identifies people by email address, and your account has none. Ask your administrator to add it.`);
    }
    nameId = person.email;
  } else if (format === saml.nameIdFormat.unspecified) nameId = person.username;
  return {
    nameId, nameIdFormat: format,
    attributes: [
      ...attribute('username', [person.username]), ...attribute('email', [person.email]),
      ...attribute('displayName', [person.displayName]), ...attribute('groups', input.groups),
    ],
  };
}
