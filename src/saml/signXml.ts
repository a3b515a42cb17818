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
 * Every signature is traced here (start and end events around it, or start and asyncEnd for one made on the
 * thread pool, with the key id). Subscribers, such as the metrics' signing-time histogram, read the clock;
 * this module does not, and with no subscriber tracing costs next to nothing.
 */
export const signingTrace = tracingChannel<object, SigningTraceContext>('gatehouse:saml.sign');

/** What a signing trace carries: the key id, and `async` when the signature is made on the thread pool (it ends at asyncEnd). */
export interface SigningTraceContext { kid: string; async?: boolean }

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
  const signedInfo = signedInfoFor(canonical, id);
  const signatureValue = signingTrace.traceSync(() => sign('sha256', Buffer.from(signedInfo, 'utf8'), key.privateKey), { kid: key.kid });
  return withSignature(canonical, insertAt, signedInfo, signatureValue, key);
}

/**
 * {@link signCanonicalXml} with the RSA signature computed on libuv's thread pool: the event loop serves other
 * requests meanwhile, so one process can keep a second core busy signing (the signature is most of an SSO's
 * CPU). The same signature, byte for byte; nothing to store.
 */
export async function signCanonicalXmlAsync(canonical: string, id: string, insertAt: number, key: SigningKey): Promise<string> {
  const signedInfo = signedInfoFor(canonical, id);
  const signatureValue = await signingTrace.tracePromise(
    () => new Promise<Buffer>((resolve, reject) => { sign('sha256', Buffer.from(signedInfo, 'utf8'), key.privateKey, (err, sig) => { if (err) reject(err); else resolve(sig); }); }),
    { kid: key.kid, async: true },
  );
  return withSignature(canonical, insertAt, signedInfo, signatureValue, key);
}

/** The canonical SignedInfo to sign for `canonical`, whose root element has `ID="<id>"`. */
function signedInfoFor(canonical: string, id: string): string {
  if (!isValidXmlId(id)) throw new GatehouseError('internal', `invalid XML ID ${JSON.stringify(id)}`);
  const digest = createHash('sha256').update(canonical, 'utf8').digest('base64');
  return buildSignedInfo(id, digest);
}

/** `canonical` with the `<ds:Signature>` over `signedInfo` (its canonical form) inserted at `insertAt`. */
function withSignature(canonical: string, insertAt: number, signedInfo: string, signatureValue: Buffer, key: SigningKey): string {
  // In the document SignedInfo inherits xmlns:ds from Signature; its canonical form (what was signed)
  // carries the declaration itself, which is what a verifier's exc-c14n of SignedInfo writes.
  const signature =
    `<ds:Signature xmlns:ds="${dsig.namespace}">` +
    `<ds:SignedInfo>${signedInfo.slice(signedInfoHead.indexOf('>') + 1)}` +
    `<ds:SignatureValue>${signatureValue.toString('base64')}</ds:SignatureValue>` +
    `<ds:KeyInfo><ds:X509Data><ds:X509Certificate>${key.certificateB64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>` +
    '</ds:Signature>';
  return canonical.slice(0, insertAt) + signature + canonical.slice(insertAt);
}
