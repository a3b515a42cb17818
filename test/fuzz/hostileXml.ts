// Worst-case inbound AuthnRequests: the structures that make an XML parser work hardest per byte, each
// filled to a byte budget. Used by the unit tests of the pre-scan, the per-request cost test, the flood
// test and the fuzz run (test/fuzz/properties.ts), so every one of them attacks with the same shapes.
import { deflateRawSync } from 'node:zlib';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

const protocolNs = 'urn:oasis:names:tc:SAML:2.0:protocol';
const assertionNs = 'urn:oasis:names:tc:SAML:2.0:assertion';

/** Issuer of every hostile request: registered nowhere. */
export const unknownIssuer = 'https://attacker.example/saml/metadata';

/** An AuthnRequest from {@link unknownIssuer} with `inner` after its Issuer (well-formed whenever `inner` is). */
export function authnRequestAround(inner: string, id = '_hostile'): string {
  return `<samlp:AuthnRequest xmlns:samlp="${protocolNs}" xmlns:saml="${assertionNs}" ID="${id}" Version="2.0" `
    + `IssueInstant="${new Date().toISOString()}"><saml:Issuer>${unknownIssuer}</saml:Issuer>${inner}</samlp:AuthnRequest>`;
}

const fill = (unit: string, budget: number): string => unit.repeat(Math.max(1, Math.floor(budget / unit.length)));
const nest = (open: string, close: string, budget: number): string => {
  const n = Math.max(1, Math.floor(budget / (open.length + close.length)));
  return open.repeat(n) + close.repeat(n);
};
const attrs = (count: number, attr: (i: number) => string): string => Array.from({ length: count }, (_, i) => attr(i)).join(' ');

/**
 * Each shape, as a function of a byte budget for the part after the Issuer. `nestedNamespaces` is the
 * attack of issue 7 (a new namespace scope per level, so every element makes the parser walk all scopes
 * above it); the others stress the other costs a parser has: attributes, declarations, entities, nodes.
 */
export const hostileShapes: Record<string, (budget: number) => string> = {
  nestedNamespaces: (b) => nest('<a xmlns:b="c">', '</a>', b),
  nestedPrefixedNamespaces: (b) => nest('<samlp:a xmlns:b="c" samlp:x="">', '</samlp:a>', b),
  nestedDefaultNamespaces: (b) => nest('<a xmlns="urn:x">', '</a>', b),
  nestedPlain: (b) => nest('<a>', '</a>', b),
  siblings: (b) => fill('<a/>', b),
  siblingsWithAttributes: (b) => fill('<a b="1" c="2" d="3" e="4"/>', b),
  manyAttributes: (b) => `<a ${attrs(Math.floor(b / 9), (i) => `a${i.toString(36)}="1"`)}/>`,
  manyNamespaceDeclarations: (b) => `<a ${attrs(Math.floor(b / 14), (i) => `xmlns:n${i.toString(36)}="u"`)}/>`,
  manyPrefixedAttributes: (b) => `<a xmlns:n="u" ${attrs(Math.floor(b / 10), (i) => `n:a${i.toString(36)}="1"`)}/>`,
  longAttributeValue: (b) => `<a b="${'x'.repeat(b)}"/>`,
  attributeEntities: (b) => `<a b="${fill('&amp;&lt;&#x41;', b)}"/>`,
  textEntities: (b) => `<a>${fill('&amp;&lt;&gt;&quot;&apos;', b)}</a>`,
  characterReferences: (b) => `<a>${fill('&#x1F600;&#65;', b)}</a>`,
  longText: (b) => `<a>${'x'.repeat(b)}</a>`,
  comments: (b) => fill('<!--x-->', b),
  processingInstructions: (b) => fill('<?x y?>', b),
  cdataSections: (b) => `<a>${fill('<![CDATA[x]]>', b)}</a>`,
  unclosedNesting: (b) => fill('<a xmlns:b="c">', b),
};

/** Caps that a hostile request may reach without being refused (saml.maxRequestBytes and saml.requestLimits). */
export interface RequestCaps {
  maxBytes: number;
  maxDepth: number;
  maxElements: number;
  maxAttributesPerElement: number;
  maxAttributes: number;
  maxNamespaceDeclarations: number;
}

/**
 * The most work a request can ask for and still be parsed: every cap reached at once, up to `maxBytes`.
 * A chain of nested elements down to the depth cap, each opening a namespace scope, then as many empty
 * sibling elements at the bottom as the element cap allows, sharing the attribute cap, with values full
 * of entity references up to the byte cap.
 */
export function atTheLimits(caps: RequestCaps): string {
  const rootAttributes = 5;
  const chain = caps.maxDepth - 2;
  const scopes = Math.min(chain, caps.maxNamespaceDeclarations - 2);
  let open = '';
  for (let i = 0; i < chain; i++) open += i < scopes ? `<samlp:d xmlns:n${i.toString(36)}="u">` : '<samlp:d>';
  const close = '</samlp:d>'.repeat(chain);
  const siblings = caps.maxElements - chain - 2;
  const perSibling = Math.min(caps.maxAttributesPerElement, Math.floor((caps.maxAttributes - rootAttributes - scopes) / siblings));
  const room = caps.maxBytes - Buffer.byteLength(authnRequestAround(open + close));
  const bytesPerSibling = Math.floor(room / siblings) - '<samlp:s/>'.length;
  const valueBytes = perSibling === 0 ? 0 : Math.floor(bytesPerSibling / perSibling) - ' a0=""'.length;
  const value = '&amp;'.repeat(Math.max(0, Math.floor(valueBytes / 5)));
  const sibling = `<samlp:s${Array.from({ length: perSibling }, (_, i) => ` a${i.toString(36)}="${value}"`).join('')}/>`;
  return authnRequestAround(open + sibling.repeat(siblings) + close);
}

/** Every hostile request: each shape at `budget` bytes, plus the request at the limits of `caps`. */
export function hostileRequests(budget: number, caps: RequestCaps): { name: string; xml: string }[] {
  return [
    ...Object.entries(hostileShapes).map(([name, shape]) => ({ name, xml: authnRequestAround(shape(budget)) })),
    { name: 'atTheLimits', xml: atTheLimits(caps) },
  ];
}

/** The `SAMLRequest` query value of the HTTP-Redirect binding (raw DEFLATE, base64, URL-encoded). */
export const redirectParam = (xml: string): string => encodeURIComponent(deflateRawSync(Buffer.from(xml, 'utf8')).toString('base64'));

/** The `SAMLRequest` form value of the HTTP-POST binding (base64). */
export const postParam = (xml: string): string => Buffer.from(xml, 'utf8').toString('base64');

/** Whether `xml` fits the HTTP-Redirect binding's URL (Node caps request headers at 16 KiB). */
export const fitsInUrl = (xml: string): boolean => redirectParam(xml).length <= 12_000;

/** `xml` as the SAMLRequest of /saml/sso through `app.inject`, in the binding's way, asking for a JSON answer. */
export function sendAuthnRequest(app: FastifyInstance, binding: 'GET' | 'POST', xml: string): Promise<LightMyRequestResponse> {
  const accept = 'application/json';
  return binding === 'GET'
    ? app.inject({ method: 'GET', url: `/saml/sso?SAMLRequest=${redirectParam(xml)}`, headers: { accept } })
    : app.inject({ method: 'POST', url: '/saml/sso', payload: `SAMLRequest=${encodeURIComponent(postParam(xml))}`, headers: { accept, 'content-type': 'application/x-www-form-urlencoded' } });
}
