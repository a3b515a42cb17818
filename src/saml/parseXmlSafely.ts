/**
 * The one way inbound XML (AuthnRequests, SP metadata, responses in tests) is parsed: size-capped,
 * strict UTF-8, no DTD of any kind (so no entity expansion, no external entities), and every parser
 * warning or error is fatal.
 */
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';
import { GatehouseError } from '../errors.js';

/** Default cap on inbound XML size in bytes (256 KiB). */
export const defaultMaxXmlBytes = 256 * 1024;

/** Options of {@link parseXmlSafely}. */
export interface ParseXmlOptions {
  /** Byte cap, default 256 KiB → `payload_too_large`. */
  maxBytes?: number;
}

/** A parsed document and its root element. */
export interface ParsedXml {
  document: Document;
  root: Element;
}

const dtdMarkup = /<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST|NOTATION)/i;

/**
 * Parses XML safely. Throws GatehouseError:
 * `payload_too_large` above the byte cap, `saml_doctype_forbidden` for any DTD markup (checked on the raw
 * text before parsing and on the result), `saml_request_invalid` for invalid UTF-8, any parser warning or
 * error, or a document without a root element. Pure; nothing to store.
 */
export function parseXmlSafely(input: string | Uint8Array, options: ParseXmlOptions = {}): ParsedXml {
  const maxBytes = options.maxBytes ?? defaultMaxXmlBytes;
  let text: string;
  if (typeof input === 'string') {
    // Cheap bound first: UTF-8 uses at least one byte per UTF-16 code unit and at most three.
    if (input.length > maxBytes || (input.length * 3 > maxBytes && Buffer.byteLength(input, 'utf8') > maxBytes)) {
      throw new GatehouseError('payload_too_large', `XML larger than ${maxBytes} bytes`);
    }
    text = input;
  } else {
    if (input.byteLength > maxBytes) throw new GatehouseError('payload_too_large', `XML larger than ${maxBytes} bytes`);
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(input);
    } catch (cause) {
      throw new GatehouseError('saml_request_invalid', 'XML is not valid UTF-8', { cause });
    }
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (dtdMarkup.test(text)) throw new GatehouseError('saml_doctype_forbidden', 'XML with a DOCTYPE or DTD declarations is refused');

  let document: Document;
  try {
    document = new DOMParser({
      locator: false,
      onError: (level, message) => {
        throw new Error(`${level}: ${message}`);
      },
    }).parseFromString(text, 'text/xml');
  } catch (cause) {
    throw new GatehouseError('saml_request_invalid', 'XML is not well-formed', { cause });
  }
  if (document.doctype !== null) throw new GatehouseError('saml_doctype_forbidden', 'XML with a DOCTYPE is refused');
  const root = document.documentElement;
  if (root === null) throw new GatehouseError('saml_request_invalid', 'XML has no root element');
  return { document, root };
}

/** Child elements of `parent` (elements only, document order). */
function childElements(parent: Element): Element[] {
  const out: Element[] = [];
  for (let n = parent.firstChild; n !== null; n = n.nextSibling) {
    if (n.nodeType === 1) out.push(n as Element);
  }
  return out;
}

/** Child elements of `parent` with the given namespace URI and local name. */
export function childrenNamed(parent: Element, namespace: string, localName: string): Element[] {
  return childElements(parent).filter((e) => e.namespaceURI === namespace && e.localName === localName);
}

/** Concatenated text content of an element, or '' (never null). */
export function textOf(e: Element | undefined): string {
  return e?.textContent ?? '';
}
