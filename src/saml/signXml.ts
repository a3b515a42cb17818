/**
 * Enveloped XML signature over XML that the caller wrote directly in exclusive-c14n canonical form
 * (see escapeXml.ts). Nothing is parsed: the digest is taken over the text as written, which is the
 * text a verifier obtains after the enveloped-signature and exc-c14n transforms.
 */
import { createHash, sign } from 'node:crypto';
import { tracingChannel } from 'node:diagnostics_channel';
import { GatehouseError } from '../errors.js';
import { isValidXmlId } from './escapeXml.js';
import type { SigningKey } from './signingKey.js';

/** Algorithm URIs used in every signature Gatehouse writes. */
export const dsig = {
  namespace: 'http://www.w3.org/2000/09/xmldsig#',
  excC14n: 'http://www.w3.org/2001/10/xml-exc-c14n#',
  rsaSha256: 'http://www.w3.org/2001/04/xmldsig-more#rsa-sha256',
  sha256: 'http://www.w3.org/2001/04/xmlenc#sha256',
  envelopedSignature: 'http://www.w3.org/2000/09/xmldsig#enveloped-signature',
} as const;

const signedInfoHead =
  `<ds:SignedInfo xmlns:ds="${dsig.namespace}">` +
  `<ds:CanonicalizationMethod Algorithm="${dsig.excC14n}"></ds:CanonicalizationMethod>` +
  `<ds:SignatureMethod Algorithm="${dsig.rsaSha256}"></ds:SignatureMethod>`;
const transforms =
  '<ds:Transforms>' +
  `<ds:Transform Algorithm="${dsig.envelopedSignature}"></ds:Transform>` +
  `<ds:Transform Algorithm="${dsig.excC14n}"></ds:Transform>` +
  '</ds:Transforms>' +
  `<ds:DigestMethod Algorithm="${dsig.sha256}"></ds:DigestMethod>`;

/**
 * Every signature is traced here (start and end events around it, with the key id). Subscribers, such as
 * the metrics' signing-time histogram, read the clock; this module does not, and with no subscriber tracing
 * costs next to nothing.
 */
export const signingTrace = tracingChannel<object, { kid: string }>('gatehouse:saml.sign');

/**
 * The canonical `<ds:SignedInfo>` (exc-c14n of it as a subtree, hence its own `xmlns:ds`) for one
 * Reference to `#<id>` with the given base64 SHA-256 digest.
 */
export function buildSignedInfo(id: string, digestB64: string): string {
  return `${signedInfoHead}<ds:Reference URI="#${id}">${transforms}<ds:DigestValue>${digestB64}</ds:DigestValue></ds:Reference></ds:SignedInfo>`;
}

/**
 * Signs `canonical` — an element with `ID="<id>"` written in exclusive-c14n form, without whitespace
 * between elements — and returns it with `<ds:Signature>` (RSA-SHA256, SHA-256 digest, enveloped +
 * exc-c14n transforms, KeyInfo/X509Data with the key's certificate) inserted at `insertAt`, which must
 * be the index right after the element's `<…:Issuer>` child (SAML schema order). Pure; nothing to store.
 */
export function signCanonicalXml(canonical: string, id: string, insertAt: number, key: SigningKey): string {
  if (!isValidXmlId(id)) throw new GatehouseError('internal', `invalid XML ID ${JSON.stringify(id)}`);
  const digest = createHash('sha256').update(canonical, 'utf8').digest('base64');
  const signedInfo = buildSignedInfo(id, digest);
  const signatureValue = signingTrace.traceSync(() => sign('sha256', Buffer.from(signedInfo, 'utf8'), key.privateKey), { kid: key.kid }).toString('base64');
  // In the document SignedInfo inherits xmlns:ds from Signature; its canonical form (what was signed)
  // carries the declaration itself, which is what a verifier's exc-c14n of SignedInfo writes.
  const signature =
    `<ds:Signature xmlns:ds="${dsig.namespace}">` +
    `<ds:SignedInfo>${signedInfo.slice(signedInfoHead.indexOf('>') + 1)}` +
    `<ds:SignatureValue>${signatureValue}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${key.certificateB64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
    '</ds:Signature>';
  return canonical.slice(0, insertAt) + signature + canonical.slice(insertAt);
}
