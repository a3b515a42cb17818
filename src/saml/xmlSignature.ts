/**
 * The one module that imports xml-crypto: verification of enveloped XML signatures on inbound messages
 * (HTTP-POST AuthnRequests; signed assertions in tests and the STS stand-in).
 *
 * Signature-wrapping defence, checked on our own parse before xml-crypto runs:
 * - the signed element is the root, or a named element that occurs exactly once and is a child of the root;
 * - it has exactly one `ds:Signature` child, and no `ds:Signature` exists anywhere else except as a child
 *   of the root (a Response signature next to a signed Assertion);
 * - that signature has exactly one Reference, whose URI is `#<ID of the signed element>`, and no other
 *   element carries the same ID/Id/id;
 * - algorithms: exc-c14n, rsa-sha256, sha256, transforms enveloped-signature and exc-c14n only.
 * Certificates come from configuration (SP metadata), never from the message's KeyInfo.
 */
import { XMLSerializer, type Element } from '@xmldom/xmldom';
import { SignedXml } from 'xml-crypto';
import { GatehouseError } from '../errors.js';
import { childrenNamed, parseXmlSafely, type ParseXmlOptions } from './parseXmlSafely.js';
import { parseCertificate } from './pem.js';
import { dsig } from './signXml.js';

/** Which element must be signed: the root (default), or the unique root child with this name. */
export interface SignedElementSelector {
  namespace: string;
  localName: string;
}

/** Options of {@link verifyEnvelopedSignature}. */
export interface VerifySignatureOptions extends ParseXmlOptions {
  element?: SignedElementSelector;
}

const allowedTransforms = new Set<string>([dsig.envelopedSignature, dsig.excC14n]);

const fail = (message: string, cause?: unknown): GatehouseError =>
  new GatehouseError('saml_signature_invalid', message, cause === undefined ? {} : { cause });

function attr(e: Element | undefined, name: string): string | null {
  return e === undefined ? null : e.getAttribute(name);
}

function only(parent: Element, localName: string, what: string): Element {
  const found = childrenNamed(parent, dsig.namespace, localName);
  if (found.length !== 1 || found[0] === undefined) throw fail(`signature must have exactly one ${what}`);
  return found[0];
}

/**
 * Every element under `root` (itself included), in document order. Iterative: a document nested tens of
 * thousands deep must be refused, not overflow the stack (parseXmlSafely's depth cap refuses it first).
 */
function allElements(root: Element): Element[] {
  const out: Element[] = [];
  const stack: Element[] = [root];
  for (let e = stack.pop(); e !== undefined; e = stack.pop()) {
    out.push(e);
    // Last child pushed first, so the first child is visited next.
    for (let n = e.lastChild; n !== null; n = n.previousSibling) if (n.nodeType === 1) stack.push(n as Element);
  }
  return out;
}

/**
 * Verifies the enveloped signature of the root element (or of `options.element`) of `xml` against the
 * given certificates (PEM or bare base64 DER; any one may match). Returns the canonical XML of the signed
 * element as verified (callers that read values should read them from this). Throws
 * GatehouseError('saml_signature_invalid') for a missing, extra, misplaced, wrapped, weak or wrong signature,
 * plus parseXmlSafely's errors. Pure; nothing to store.
 */
export function verifyEnvelopedSignature(xml: string, certificates: readonly string[], options: VerifySignatureOptions = {}): string {
  const { root } = parseXmlSafely(xml, options);
  if (certificates.length === 0) throw fail('no certificate configured to verify the signature');

  const elements = allElements(root);
  let target = root;
  if (options.element !== undefined) {
    const { namespace, localName } = options.element;
    const all = elements.filter((e) => e.namespaceURI === namespace && e.localName === localName);
    const first = all[0];
    if (all.length !== 1 || first === undefined || first.parentNode !== root) {
      throw fail(`expected exactly one ${localName}, as a child of the root`);
    }
    target = first;
  }

  const signatures = elements.filter((e) => e.namespaceURI === dsig.namespace && e.localName === 'Signature');
  const own = signatures.filter((s) => s.parentNode === target);
  const signature = own[0];
  if (own.length !== 1 || signature === undefined) throw fail('signed element must have exactly one Signature child');
  if (signatures.some((s) => s.parentNode !== target && s.parentNode !== root)) throw fail('unexpected Signature element');
  if (target === root && signatures.length !== 1) throw fail('expected exactly one Signature');

  const id = target.getAttribute('ID') ?? target.getAttribute('Id') ?? target.getAttribute('id');
  if (id === null || id === '') throw fail('signed element has no ID');
  const sameId = elements.filter((e) => ['ID', 'Id', 'id'].some((a) => e.getAttribute(a) === id));
  if (sameId.length !== 1) throw fail('duplicate ID');

  const signedInfo = only(signature, 'SignedInfo', 'SignedInfo');
  if (attr(only(signedInfo, 'CanonicalizationMethod', 'CanonicalizationMethod'), 'Algorithm') !== dsig.excC14n) {
    throw fail('canonicalization must be exclusive c14n');
  }
  if (attr(only(signedInfo, 'SignatureMethod', 'SignatureMethod'), 'Algorithm') !== dsig.rsaSha256) {
    throw fail('signature algorithm must be rsa-sha256');
  }
  const reference = only(signedInfo, 'Reference', 'Reference');
  if (reference.getAttribute('URI') !== `#${id}`) throw fail('signature does not reference the signed element');
  if (attr(only(reference, 'DigestMethod', 'DigestMethod'), 'Algorithm') !== dsig.sha256) throw fail('digest must be sha256');
  const transformsEl = childrenNamed(reference, dsig.namespace, 'Transforms')[0];
  const transforms = transformsEl === undefined ? [] : childrenNamed(transformsEl, dsig.namespace, 'Transform');
  if (transforms.length > 2 || transforms.some((t) => !allowedTransforms.has(t.getAttribute('Algorithm') ?? ''))) {
    throw fail('unsupported transforms');
  }

  const signatureXml = new XMLSerializer().serializeToString(signature);
  const errors: unknown[] = [];
  for (const cert of certificates) {
    let publicCert: string;
    try {
      publicCert = parseCertificate(cert).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    } catch (cause) {
      errors.push(cause);
      continue;
    }
    const sig = new SignedXml({ publicCert, getCertFromKeyInfo: () => null });
    try {
      sig.loadSignature(signatureXml);
      if (sig.checkSignature(xml)) {
        const signed = sig.getSignedReferences();
        if (signed.length === 1 && signed[0] !== undefined) return signed[0];
      }
    } catch (cause) {
      errors.push(cause);
    }
  }
  throw fail('signature does not verify with any configured certificate', errors.length > 0 ? errors : undefined);
}
