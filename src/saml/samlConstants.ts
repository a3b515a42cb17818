/**
 * SAML 2.0 names that several modules write or compare: namespaces, URIs of formats, methods and
 * authentication context classes, status codes and bindings. Values only; nothing here builds or parses.
 */

/** SAML namespace and URI constants. */
export const saml = {
  assertionNs: 'urn:oasis:names:tc:SAML:2.0:assertion',
  protocolNs: 'urn:oasis:names:tc:SAML:2.0:protocol',
  metadataNs: 'urn:oasis:names:tc:SAML:2.0:metadata',
  bearer: 'urn:oasis:names:tc:SAML:2.0:cm:bearer',
  attrnameFormatUri: 'urn:oasis:names:tc:SAML:2.0:attrname-format:uri',
  refedsMfa: 'https://refeds.org/profile/mfa',
  mobileTwoFactorContract: 'urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract',
  nameIdFormat: {
    persistent: 'urn:oasis:names:tc:SAML:2.0:nameid-format:persistent',
    transient: 'urn:oasis:names:tc:SAML:2.0:nameid-format:transient',
    emailAddress: 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress',
    unspecified: 'urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified',
    /** The format of an Issuer that names an entity (SAML core §8.3.6). */
    entity: 'urn:oasis:names:tc:SAML:2.0:nameid-format:entity',
  },
} as const;

/** Status code URIs (SAML core §3.2.2.2). */
export const statusCodes = {
  success: 'urn:oasis:names:tc:SAML:2.0:status:Success',
  requester: 'urn:oasis:names:tc:SAML:2.0:status:Requester',
  responder: 'urn:oasis:names:tc:SAML:2.0:status:Responder',
  versionMismatch: 'urn:oasis:names:tc:SAML:2.0:status:VersionMismatch',
  authnFailed: 'urn:oasis:names:tc:SAML:2.0:status:AuthnFailed',
  noPassive: 'urn:oasis:names:tc:SAML:2.0:status:NoPassive',
  requestDenied: 'urn:oasis:names:tc:SAML:2.0:status:RequestDenied',
  invalidNameIdPolicy: 'urn:oasis:names:tc:SAML:2.0:status:InvalidNameIDPolicy',
  noAuthnContext: 'urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext',
  requestUnsupported: 'urn:oasis:names:tc:SAML:2.0:status:RequestUnsupported',
  unsupportedBinding: 'urn:oasis:names:tc:SAML:2.0:status:UnsupportedBinding',
} as const;

/** SAML binding URIs. */
export const bindings = {
  redirect: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect',
  post: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST',
} as const;
