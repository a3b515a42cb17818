/**
 * Preset for AWS IAM Identity Center as a SAML SP (AWS-SAML.md): NameID format emailAddress whose value
 * is the Identity Center user name (the person's email; no just-in-time users), and ABAC attributes
 * `https://aws.amazon.com/SAML/Attributes/AccessControl:<Key>` (at most 50, one value each).
 * Identity Center takes its ACS URL and entityID from its own metadata (registered as an ordinary SP).
 */
import { GatehouseError } from '../errors.js';
import { saml, type SamlAttribute } from './buildAssertion.js';

/** Attribute-name prefix of Identity Center ABAC attributes. */
export const accessControlPrefix = 'https://aws.amazon.com/SAML/Attributes/AccessControl:';
/** Maximum number of AccessControl attributes. */
export const maxAccessControlAttributes = 50;

const keyPattern = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
const valuePattern = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

/** Input of {@link buildIdentityCenterSubject}. */
export interface IdentityCenterInput {
  /** The Identity Center user name, normally the person's email. */
  email: string;
  /** ABAC attributes, in the order to send them. */
  accessControl: Record<string, string>;
}

/** The Subject and attribute part of an AssertionInput for Identity Center. */
export interface IdentityCenterSubject {
  nameId: string;
  nameIdFormat: string;
  attributes: SamlAttribute[];
}

/**
 * Builds NameID and AccessControl attributes. Throws GatehouseError('aws_lint_failed') with
 * `{rule, message}[]` detail for an empty email, more than 50 attributes, keys outside 1–128 characters of
 * letters, digits, spaces and `_.:/=+-@`, keys equal ignoring case, or values outside 0–256 of the same.
 */
export function buildIdentityCenterSubject(input: IdentityCenterInput): IdentityCenterSubject {
  const violations: { rule: string; message: string }[] = [];
  if (input.email.trim() === '') violations.push({ rule: 'nameid.missing', message: 'Identity Center needs the user name (email)' });
  const entries = Object.entries(input.accessControl);
  if (entries.length > maxAccessControlAttributes) {
    violations.push({ rule: 'access_control.too_many', message: `more than ${maxAccessControlAttributes} AccessControl attributes` });
  }
  const folded = new Set<string>();
  for (const [key, value] of entries) {
    if (!keyPattern.test(key)) violations.push({ rule: 'access_control.key.invalid', message: `invalid AccessControl key ${JSON.stringify(key)}` });
    if (folded.has(key.toLowerCase())) violations.push({ rule: 'access_control.key.case_collision', message: `AccessControl key ${key} repeats ignoring case` });
    folded.add(key.toLowerCase());
    if (!valuePattern.test(value)) violations.push({ rule: 'access_control.value.invalid', message: `invalid value for AccessControl:${key}` });
  }
  if (violations.length > 0) {
    throw new GatehouseError('aws_lint_failed', 'assertion would be rejected by IAM Identity Center', { detail: violations });
  }
  return {
    nameId: input.email,
    nameIdFormat: saml.nameIdFormat.emailAddress,
    attributes: entries.map(([key, value]) => ({ name: `${accessControlPrefix}${key}`, values: [value] })),
  };
}
