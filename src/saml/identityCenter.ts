/**
 * Preset for AWS IAM Identity Center as a SAML SP (AWS-SAML.md): NameID format emailAddress whose value
 * is the Identity Center user name (the person's email; no just-in-time users), and ABAC attributes
 * `https://aws.amazon.com/SAML/Attributes/AccessControl:<Key>` (at most 50, one value each).
 * Identity Center takes its ACS URL and entityID from its own metadata (registered as an ordinary SP).
 */
import { lintTags } from '../aws/tags.js';
import { GatehouseError } from '../errors.js';
import type { SamlAttribute } from './buildAssertion.js';
import { saml } from './samlConstants.js';

/** Attribute-name prefix of Identity Center ABAC attributes. */
const accessControlPrefix = 'https://aws.amazon.com/SAML/Attributes/AccessControl:';
/** Maximum number of AccessControl attributes. */
const maxAccessControlAttributes = 50;

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
 * the `{rule, message}[]` list as its (client-visible) `publicDetail` for an empty email, or AccessControl attributes that break the session tag
 * rules of aws/tags.ts (rule ids `access_control.*`: more than 50, a bad key or `aws:` prefix, keys equal
 * ignoring case, a bad value). Pure; nothing to store.
 */
export function buildIdentityCenterSubject(input: IdentityCenterInput): IdentityCenterSubject {
  const violations: { rule: string; message: string }[] = [];
  if (input.email.trim() === '') violations.push({ rule: 'nameid.missing', message: 'Identity Center needs the user name (email)' });
  const entries = Object.entries(input.accessControl);
  violations.push(...lintTags(entries.map(([key, value]) => ({ key, values: [value] })), 'access_control', maxAccessControlAttributes));
  if (violations.length > 0) {
    throw new GatehouseError('aws_lint_failed', 'assertion would be rejected by IAM Identity Center', { publicDetail: violations });
  }
  return {
    nameId: input.email,
    nameIdFormat: saml.nameIdFormat.emailAddress,
    attributes: entries.map(([key, value]) => ({ name: `${accessControlPrefix}${key}`, values: [value] })),
  };
}
