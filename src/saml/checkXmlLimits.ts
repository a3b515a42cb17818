/**
 * A linear pre-scan of inbound XML that bounds the work of the real parse: nesting depth, element count,
 * attributes and namespace declarations are counted on the raw text, and the scan stops at the first
 * limit exceeded, before @xmldom/xmldom builds anything. xmldom's cost grows with depth × elements
 * (each namespace scope is a prototype-chain link it walks), so a small document of deeply nested
 * namespace declarations would otherwise stall the event loop for seconds.
 *
 * The scan is strict where the XML grammar is: a quote in a start tag only opens an attribute value
 * right after `=`, and `<` never occurs inside a tag or an attribute value. Whatever it accepts, it
 * splits into tags exactly as a conforming parser does, so its counts are the counts of the tree.
 */
import { GatehouseError } from '../errors.js';

/** Caps on the structure of one XML document. */
export interface XmlLimits {
  /** Deepest element nesting; the root element is depth 1. */
  maxDepth: number;
  /** Elements in the document; comments, processing instructions and CDATA sections count as elements too. */
  maxElements: number;
  /** Attributes on any one element, namespace declarations included. */
  maxAttributesPerElement: number;
  /** Attributes in the whole document, namespace declarations included. */
  maxAttributes: number;
  /** `xmlns` and `xmlns:*` declarations in the whole document. */
  maxNamespaceDeclarations: number;
}

/** What {@link checkXmlLimits} counted. */
export interface XmlShape {
  depth: number;
  elements: number;
  attributes: number;
  /** Most attributes on one element. */
  attributesPerElement: number;
  namespaceDeclarations: number;
}

/**
 * Default caps for inbound XML that has no caps of its own (responses, signed documents): generous for
 * any real SAML message, small enough that parsing stays in the low milliseconds.
 */
export const defaultXmlLimits: Readonly<XmlLimits> = Object.freeze({
  maxDepth: 32,
  maxElements: 2048,
  maxAttributesPerElement: 64,
  maxAttributes: 16384,
  maxNamespaceDeclarations: 256,
});

/** No caps at all: for measuring a document's shape (tests, tools), never for parsing untrusted input. */
export const unlimitedXml: Readonly<XmlLimits> = Object.freeze({
  maxDepth: Infinity,
  maxElements: Infinity,
  maxAttributesPerElement: Infinity,
  maxAttributes: Infinity,
  maxNamespaceDeclarations: Infinity,
});

const LT = 0x3c, GT = 0x3e, SLASH = 0x2f, BANG = 0x21, QUESTION = 0x3f, EQUALS = 0x3d, DQUOTE = 0x22, SQUOTE = 0x27;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

const tooLarge = (message: string): GatehouseError => new GatehouseError('payload_too_large', `XML ${message}`);
const malformed = (message: string): GatehouseError => new GatehouseError('saml_request_invalid', `XML is not well-formed: ${message}`);

/** True when the token at `at` is `xmlns` or `xmlns:…` (a namespace declaration, or an element named so). */
function isXmlnsToken(text: string, at: number): boolean {
  if (!text.startsWith('xmlns', at)) return false;
  const next = text.charCodeAt(at + 5);
  return next === 0x3a || next === EQUALS || isSpace(next) || Number.isNaN(next);
}

/**
 * Scans `text` once, left to right, and throws as soon as a cap of `limits` is exceeded:
 * GatehouseError('payload_too_large') naming the cap, or `saml_request_invalid` for markup that is not
 * well-formed in a way that would change the counts (unterminated tags, comments, CDATA or processing
 * instructions, a stray quote or `<` in a tag, an end tag without a start tag, `<!` other than a comment
 * or CDATA). DTDs must have been refused before (parseXmlSafely does). Returns the counts. Pure;
 * nothing to store.
 */
export function checkXmlLimits(text: string, limits: Readonly<XmlLimits>): XmlShape {
  const shape: XmlShape = { depth: 0, elements: 0, attributes: 0, attributesPerElement: 0, namespaceDeclarations: 0 };
  const n = text.length;
  let depth = 0;
  const countNode = (): void => {
    if (++shape.elements > limits.maxElements) throw tooLarge(`has more than ${limits.maxElements} elements`);
  };
  const skipPast = (terminator: string, from: number, what: string): number => {
    const end = text.indexOf(terminator, from);
    if (end < 0) throw malformed(`unterminated ${what}`);
    return end + terminator.length;
  };

  let i = 0;
  for (;;) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    const next = text.charCodeAt(lt + 1);
    if (next === BANG) {
      if (text.startsWith('<!--', lt)) i = skipPast('-->', lt + 4, 'comment');
      else if (text.startsWith('<![CDATA[', lt)) i = skipPast(']]>', lt + 9, 'CDATA section');
      else throw malformed('markup declaration');
      countNode();
      continue;
    }
    if (next === QUESTION) {
      i = skipPast('?>', lt + 2, 'processing instruction');
      countNode();
      continue;
    }
    if (next === SLASH) {
      i = skipPast('>', lt + 2, 'end tag');
      if (depth === 0) throw malformed('end tag without a start tag');
      depth--;
      continue;
    }

    // A start tag: count attributes (one per `=`) and namespace declarations, find its end.
    countNode();
    let attributes = 0;
    let afterEquals = false;
    let inToken = false;
    let j = lt + 1;
    for (;; j++) {
      if (j >= n) throw malformed('unterminated start tag');
      const c = text.charCodeAt(j);
      if (c === GT && !afterEquals) break;
      if (c === LT) throw malformed('"<" inside a tag');
      if (c === DQUOTE || c === SQUOTE) {
        if (!afterEquals) throw malformed('quote outside an attribute value');
        let k = j + 1;
        for (; k < n; k++) {
          const v = text.charCodeAt(k);
          if (v === c) break;
          if (v === LT) throw malformed('"<" inside an attribute value');
        }
        if (k >= n) throw malformed('unterminated attribute value');
        j = k;
        afterEquals = false;
        inToken = false;
        continue;
      }
      if (isSpace(c)) {
        inToken = false;
        continue;
      }
      if (afterEquals) throw malformed('attribute value without quotes');
      if (c === EQUALS) {
        if (++attributes > limits.maxAttributesPerElement) throw tooLarge(`has an element with more than ${limits.maxAttributesPerElement} attributes`);
        if (++shape.attributes > limits.maxAttributes) throw tooLarge(`has more than ${limits.maxAttributes} attributes`);
        afterEquals = true;
        inToken = false;
        continue;
      }
      if (!inToken) {
        inToken = true;
        if (isXmlnsToken(text, j) && ++shape.namespaceDeclarations > limits.maxNamespaceDeclarations) {
          throw tooLarge(`has more than ${limits.maxNamespaceDeclarations} namespace declarations`);
        }
      }
    }
    i = j + 1;
    if (attributes > shape.attributesPerElement) shape.attributesPerElement = attributes;
    const level = depth + 1;
    if (level > limits.maxDepth) throw tooLarge(`nests elements deeper than ${limits.maxDepth}`);
    if (level > shape.depth) shape.depth = level;
    // Empty only when `/` comes right before `>` (`<a / >` stays open, as a strict parser reads it).
    if (text.charCodeAt(j - 1) !== SLASH) depth = level;
  }
  if (depth !== 0) throw malformed('unclosed element');
  return shape;
}
