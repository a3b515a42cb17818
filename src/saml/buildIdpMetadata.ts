/**
 * The IdP's SAML metadata (what admins upload to IAM with create-saml-provider / update-saml-provider
 * and give to other SPs). UTF-8 without BOM, with an XML declaration; unsigned.
 */
import { GatehouseError } from '../errors.js';
import { bindings, saml } from './samlConstants.js';
import { escapeAttribute, escapeText, formatInstant } from './escapeXml.js';
import { dsig } from './signXml.js';

/** Input of {@link buildIdpMetadata}. */
export interface IdpMetadataInput {
  entityId: string;
  /** Public base URL, e.g. `https://idp.example.com`; SSO is at `<baseUrl>/saml/sso`. */
  baseUrl: string;
  validUntil: Date;
  /**
   * Every certificate to publish (base64 DER, as SigningKey.certificateB64): the current key and the next
   * one, so SPs trust the next key before Gatehouse switches to it. IAM accepts up to 10.
   */
  certificates: string[];
  /** Default: persistent, transient, emailAddress, unspecified. */
  nameIdFormats?: string[];
}

/** Maximum number of signing certificates IAM accepts per SAML provider. */
const maxPublishedCertificates = 10;

/**
 * Builds the metadata XML text. Throws GatehouseError('validation_failed') without certificates, with more
 * than 10, or with a non-base64 certificate. Pure; nothing to store.
 */
export function buildIdpMetadata(input: IdpMetadataInput): string {
  const certs = [...new Set(input.certificates.map((c) => c.replace(/\s+/g, '')))];
  if (certs.length === 0) throw new GatehouseError('validation_failed', 'metadata needs at least one signing certificate');
  if (certs.length > maxPublishedCertificates) {
    throw new GatehouseError('validation_failed', `IAM accepts at most ${maxPublishedCertificates} signing certificates`);
  }
  if (certs.some((c) => !/^[A-Za-z0-9+/]+={0,2}$/.test(c))) throw new GatehouseError('validation_failed', 'certificate is not base64 DER');
  const sso = `${input.baseUrl.replace(/\/+$/, '')}/saml/sso`;
  const formats = input.nameIdFormats ?? [
    saml.nameIdFormat.persistent, saml.nameIdFormat.transient, saml.nameIdFormat.emailAddress, saml.nameIdFormat.unspecified,
  ];
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<md:EntityDescriptor xmlns:md="${saml.metadataNs}" xmlns:ds="${dsig.namespace}" entityID="${escapeAttribute(input.entityId)}" validUntil="${formatInstant(input.validUntil)}">`,
    `  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="${saml.protocolNs}">`,
    ...certs.map((c) => `    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>${c}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>`),
    ...formats.map((f) => `    <md:NameIDFormat>${escapeText(f)}</md:NameIDFormat>`),
    `    <md:SingleSignOnService Binding="${bindings.redirect}" Location="${escapeAttribute(sso)}"/>`,
    `    <md:SingleSignOnService Binding="${bindings.post}" Location="${escapeAttribute(sso)}"/>`,
    '  </md:IDPSSODescriptor>',
    '</md:EntityDescriptor>',
    '',
  ];
  return lines.join('\n');
}
