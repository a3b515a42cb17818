/**
 * Reads SP metadata (an `md:EntityDescriptor` with an `md:SPSSODescriptor`) into the values Gatehouse
 * stores for a registered SP. Our own reader on parseXmlSafely rather than samlify: it needs a dozen
 * lines of DOM walking, refuses DTDs, and keeps samlify out of the inbound path.
 */
import type { Element } from '@xmldom/xmldom';
import { GatehouseError } from '../errors.js';
import type { AcsEndpoint, RegisteredSp } from './checkAuthnRequest.js';
import type { XmlLimits } from './checkXmlLimits.js';
import { childrenNamed, parseXmlSafely, textOf, type ParseXmlOptions } from './parseXmlSafely.js';
import { saml } from './samlConstants.js';
import { dsig } from './signXml.js';

const MD = saml.metadataNs;

/** Size cap of SP metadata (256 KiB): admin-uploaded, larger than any AuthnRequest, still bounded. */
export const spMetadataMaxBytes = 256 * 1024;

/**
 * Structure caps of SP metadata, checked before parsing: room for vendor metadata that declares
 * namespaces on every element and lists hundreds of claims, while parsing stays in the milliseconds.
 */
export const spMetadataXmlLimits: Readonly<XmlLimits> = Object.freeze({
  maxDepth: 32,
  maxElements: 2048,
  maxAttributesPerElement: 64,
  maxAttributes: 16384,
  maxNamespaceDeclarations: 1024,
});

/** SP metadata as stored. Assignable to RegisteredSp. */
export interface SpMetadata extends RegisteredSp {
  /** md:SPSSODescriptor/@WantAssertionsSigned (informational: Gatehouse always signs assertions). */
  wantAssertionsSigned: boolean;
  nameIdFormats: string[];
  validUntil?: Date;
}

const invalid = (message: string): GatehouseError => new GatehouseError('validation_failed', `SP metadata: ${message}`);

function bool(e: Element, name: string): boolean {
  const v = e.getAttribute(name);
  if (v === null || v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  throw invalid(`${name} is not a boolean`);
}

/**
 * Parses SP metadata XML. Accepts an EntityDescriptor, or an EntitiesDescriptor holding exactly one.
 * Requires an entityID, an SPSSODescriptor supporting SAML 2.0 and at least one AssertionConsumerService
 * with an absolute https (or http://localhost) Location. Signing certificates are the KeyDescriptors with
 * use="signing" or no use. Size and structure are capped before parsing by {@link spMetadataMaxBytes} and
 * {@link spMetadataXmlLimits} unless `options` says otherwise. Throws GatehouseError('validation_failed')
 * plus parseXmlSafely's errors. Pure.
 */
export function parseSpMetadata(xml: string | Uint8Array, options: ParseXmlOptions = {}): SpMetadata {
  const { root } = parseXmlSafely(xml, { maxBytes: spMetadataMaxBytes, limits: spMetadataXmlLimits, ...options });
  let entity = root;
  if (root.namespaceURI === MD && root.localName === 'EntitiesDescriptor') {
    const entities = childrenNamed(root, MD, 'EntityDescriptor');
    if (entities.length !== 1 || entities[0] === undefined) throw invalid('expected exactly one EntityDescriptor');
    entity = entities[0];
  }
  if (entity.namespaceURI !== MD || entity.localName !== 'EntityDescriptor') throw invalid('root is not md:EntityDescriptor');
  const entityId = entity.getAttribute('entityID') ?? '';
  if (entityId === '' || entityId.length > 1024) throw invalid('missing entityID');
  const sps = childrenNamed(entity, MD, 'SPSSODescriptor')
    .filter((d) => (d.getAttribute('protocolSupportEnumeration') ?? '').split(/\s+/).includes(saml.protocolNs));
  const sp = sps[0];
  if (sps.length !== 1 || sp === undefined) throw invalid('expected exactly one SAML 2.0 SPSSODescriptor');

  const acs: AcsEndpoint[] = childrenNamed(sp, MD, 'AssertionConsumerService').map((e) => {
    const url = e.getAttribute('Location') ?? '';
    const binding = e.getAttribute('Binding') ?? '';
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw invalid(`ACS Location is not an absolute URL: ${url}`);
    }
    const local = parsed.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(parsed.hostname);
    if (parsed.protocol !== 'https:' && !local) throw invalid(`ACS Location must be https: ${url}`);
    if (binding === '') throw invalid('ACS without Binding');
    const endpoint: AcsEndpoint = { url, binding };
    const index = e.getAttribute('index');
    if (index !== null && index !== '') {
      if (!/^\d{1,5}$/.test(index) || Number(index) > 65535) throw invalid(`ACS index is not an unsigned short: ${index}`);
      endpoint.index = Number(index);
    }
    if (e.getAttribute('isDefault') !== null) endpoint.isDefault = bool(e, 'isDefault');
    return endpoint;
  });
  if (acs.length === 0) throw invalid('no AssertionConsumerService');
  const indexes = acs.flatMap((a) => (a.index === undefined ? [] : [a.index]));
  if (new Set(indexes).size !== indexes.length) throw invalid('duplicate ACS index');

  const signingCertificates = childrenNamed(sp, MD, 'KeyDescriptor')
    .filter((k) => { const use = k.getAttribute('use'); return use === null || use === '' || use === 'signing'; })
    .flatMap((k) => childrenNamed(k, dsig.namespace, 'KeyInfo'))
    .flatMap((ki) => childrenNamed(ki, dsig.namespace, 'X509Data'))
    .flatMap((xd) => childrenNamed(xd, dsig.namespace, 'X509Certificate'))
    .map((c) => textOf(c).replace(/\s+/g, ''))
    .filter((c) => c !== '');

  const result: SpMetadata = {
    entityId,
    acs,
    wantRequestsSigned: bool(sp, 'AuthnRequestsSigned'),
    wantAssertionsSigned: bool(sp, 'WantAssertionsSigned'),
    signingCertificates: [...new Set(signingCertificates)],
    nameIdFormats: childrenNamed(sp, MD, 'NameIDFormat').map((n) => textOf(n).trim()).filter((s) => s !== ''),
  };
  const validUntil = entity.getAttribute('validUntil');
  if (validUntil) {
    const d = new Date(validUntil);
    if (Number.isNaN(d.getTime())) throw invalid('validUntil is not a date');
    result.validUntil = d;
  }
  if (result.wantRequestsSigned && result.signingCertificates.length === 0) {
    throw invalid('AuthnRequestsSigned="true" but no signing certificate');
  }
  return result;
}
