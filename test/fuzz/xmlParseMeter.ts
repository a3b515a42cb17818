// What the XML parser was given while a piece of code ran, counted rather than timed: the work an inbound
// message can cause is bounded when everything xmldom parses is within the byte and structure caps, because
// the pre-scan in front of it is linear and everything after it walks the tree it built. Timings are the
// benchmark's business (bench/inbound.ts); this is the property the tests hold every input to.
import assert from 'node:assert/strict';
import { DOMParser, type Node as DomNode } from '@xmldom/xmldom';
import type { XmlLimits, XmlShape } from '../../src/saml/checkXmlLimits.js';

/** One call of xmldom's parseFromString: its input in UTF-8 bytes and the shape of what it built. */
export interface XmlParse {
  bytes: number;
  shape: XmlShape;
}

/** The shape of a parsed document, counted on the tree: what checkXmlLimits must never undercount. */
export function domShape(root: DomNode): XmlShape {
  const shape: XmlShape = { depth: 0, elements: 0, attributes: 0, attributesPerElement: 0, namespaceDeclarations: 0 };
  const stack: { node: DomNode; depth: number }[] = [];
  for (let n = root.firstChild; n !== null; n = n.nextSibling) stack.push({ node: n, depth: 1 });
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const { node, depth } = item;
    if ([1, 4, 7, 8].includes(node.nodeType)) shape.elements++;
    if (node.nodeType !== 1) continue;
    shape.depth = Math.max(shape.depth, depth);
    const attributes = (node as unknown as { attributes: { length: number; item(i: number): { name: string } | null } }).attributes;
    shape.attributes += attributes.length;
    shape.attributesPerElement = Math.max(shape.attributesPerElement, attributes.length);
    for (let i = 0; i < attributes.length; i++) {
      const name = attributes.item(i)?.name ?? '';
      if (name === 'xmlns' || name.startsWith('xmlns:')) shape.namespaceDeclarations++;
    }
    for (let c = node.firstChild; c !== null; c = c.nextSibling) stack.push({ node: c, depth: depth + 1 });
  }
  return shape;
}

type Parse = (this: DOMParser, source: string, mimeType: string) => ReturnType<DOMParser['parseFromString']>;

/**
 * Observes xmldom's parseFromString (ours, through parseXmlSafely, and xml-crypto's own) until `stop()`, and
 * collects every parse into `parses`. One observer at a time: it is process-wide.
 */
export function observeXmlParses(): { parses: XmlParse[]; stop: () => void } {
  const proto = DOMParser.prototype as unknown as { parseFromString: Parse };
  const original = proto.parseFromString;
  const parses: XmlParse[] = [];
  proto.parseFromString = function observed(source, mimeType) {
    const document = original.call(this, source, mimeType);
    parses.push({ bytes: Buffer.byteLength(source, 'utf8'), shape: domShape(document) });
    return document;
  };
  return { parses, stop: () => { proto.parseFromString = original; } };
}

/** Every parse was of at most `maxBytes` and built a tree within `limits`. */
export function assertParsesWithin(what: string, parses: readonly XmlParse[], caps: { maxBytes: number; limits: Readonly<XmlLimits> }): void {
  const { limits } = caps;
  for (const { bytes, shape } of parses) {
    const over = [
      bytes > caps.maxBytes && `${bytes} bytes > ${caps.maxBytes}`,
      shape.depth > limits.maxDepth && `depth ${shape.depth} > ${limits.maxDepth}`,
      shape.elements > limits.maxElements && `${shape.elements} elements > ${limits.maxElements}`,
      shape.attributes > limits.maxAttributes && `${shape.attributes} attributes > ${limits.maxAttributes}`,
      shape.attributesPerElement > limits.maxAttributesPerElement && `${shape.attributesPerElement} attributes on one element > ${limits.maxAttributesPerElement}`,
      shape.namespaceDeclarations > limits.maxNamespaceDeclarations && `${shape.namespaceDeclarations} namespace declarations > ${limits.maxNamespaceDeclarations}`,
    ].filter(Boolean);
    assert.deepEqual(over, [], `${what}: the XML parser was given more than the caps allow`);
  }
}
