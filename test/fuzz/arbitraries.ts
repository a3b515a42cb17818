// fast-check arbitraries for the inbound parsers: XML-ish documents (element trees with SAML names,
// namespaces, attributes, entities, comments, PIs, CDATA), the real fixtures with random edits, the
// hostile shapes of hostileXml.ts, raw token soup and bytes; and YAML-ish directory files.
import { readFileSync } from 'node:fs';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { stringify as toYaml } from 'yaml';
import { fixture, genericSpMetadata } from '../unit/saml/spFixtures.js';
import { authnRequestAround, hostileShapes, unknownIssuer } from './hostileXml.js';

const protocolNs = 'urn:oasis:names:tc:SAML:2.0:protocol';
const assertionNs = 'urn:oasis:names:tc:SAML:2.0:assertion';
const metadataNs = 'urn:oasis:names:tc:SAML:2.0:metadata';
const dsigNs = 'http://www.w3.org/2000/09/xmldsig#';

/** Strings over the characters that matter to an XML tokenizer, and a few that do not. */
export const xmlSoup = fc.string({
  unit: fc.constantFrom('<', '>', '/', '"', "'", '=', '!', '?', '-', '[', ']', '&', ';', '#', 'x', ':', ' ', '\n', 'a', 'CDATA', 'xmlns', 'DOCTYPE', '\u0000', '\uFFFD', '\uD800', 'é', '😀'),
  maxLength: 40,
});

const elementNames = fc.constantFrom(
  'a', 'b', 'samlp:AuthnRequest', 'saml:Issuer', 'samlp:NameIDPolicy', 'samlp:Extensions', 'ds:Signature', 'ds:SignedInfo',
  'ds:Reference', 'md:EntityDescriptor', 'md:EntitiesDescriptor', 'md:SPSSODescriptor', 'md:AssertionConsumerService', 'md:KeyDescriptor',
  'ds:KeyInfo', 'ds:X509Data', 'ds:X509Certificate', 'md:NameIDFormat', 'x:y', 'undeclared:z',
);
const attributeNames = fc.constantFrom(
  'ID', 'Version', 'IssueInstant', 'Destination', 'AssertionConsumerServiceURL', 'AssertionConsumerServiceIndex', 'ProtocolBinding',
  'ForceAuthn', 'IsPassive', 'Format', 'entityID', 'protocolSupportEnumeration', 'Location', 'Binding', 'index', 'isDefault', 'use',
  'AuthnRequestsSigned', 'WantAssertionsSigned', 'validUntil', 'xmlns', 'xmlns:samlp', 'xmlns:saml', 'xmlns:md', 'xmlns:ds', 'xmlns:x',
  'x:a', 'xml:lang', 'Algorithm', 'URI', 'Id', 'id',
);
const attributeValues = fc.oneof(
  fc.constantFrom(protocolNs, assertionNs, metadataNs, dsigNs, '2.0', 'true', 'false', '1', '0', '2026-12-01T10:00:00Z', 'not a date',
    'https://sp.example.com/acs', 'http://localhost/acs', 'javascript:alert(1)', 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', '65535', '65536', '', ' ', '&amp;', '&#x41;'),
  xmlSoup,
);
const texts = fc.oneof(
  fc.constantFrom('https://sp.example.com/saml/metadata', unknownIssuer, 'MIIBkTCB+wIJAK', '&amp;', '&#x41;', '&#0;', '&bogus;', ']]>', '  '),
  xmlSoup,
);

type XmlNode =
  | { kind: 'element'; name: string; attributes: [string, string][]; children: XmlNode[] }
  | { kind: 'text' | 'comment' | 'cdata' | 'pi'; value: string };

const { node: xmlNode } = fc.letrec<{ node: XmlNode; element: XmlNode }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constantFrom('text', 'comment', 'cdata', 'pi'), value: texts }) as fc.Arbitrary<XmlNode>,
    tie('element'),
  ),
  element: fc.record({
    kind: fc.constant('element'),
    name: elementNames,
    attributes: fc.array(fc.tuple(attributeNames, attributeValues), { maxLength: 6 }),
    children: fc.array(tie('node'), { maxLength: 5 }),
  }) as fc.Arbitrary<XmlNode>,
}));

/** Serializes a tree; values are escaped as a writer would, so most documents are well-formed. */
function serialize(n: XmlNode): string {
  switch (n.kind) {
    case 'text': return n.value.replace(/</g, '&lt;');
    case 'comment': return `<!--${n.value.replace(/-/g, '')}-->`;
    case 'cdata': return `<![CDATA[${n.value.replace(/]]>/g, '')}]]>`;
    case 'pi': return `<?pi ${n.value.replace(/\?>/g, '')}?>`;
    case 'element': {
      const attrs = n.attributes.map(([k, v]) => ` ${k}="${v.replace(/</g, '&lt;').replace(/"/g, '&quot;')}"`).join('');
      return n.children.length === 0 ? `<${n.name}${attrs}/>` : `<${n.name}${attrs}>${n.children.map(serialize).join('')}</${n.name}>`;
    }
  }
}

/** One random edit of a text: delete, insert token soup, duplicate a slice, or cut the end. */
const edit = (soup: fc.Arbitrary<string>) =>
  fc.record({ kind: fc.constantFrom('delete', 'insert', 'duplicate', 'truncate'), at: fc.nat(), length: fc.nat({ max: 64 }), soup });

function applyEdits(text: string, edits: readonly { kind: string; at: number; length: number; soup: string }[]): string {
  let t = text;
  for (const e of edits) {
    const at = t.length === 0 ? 0 : e.at % t.length;
    if (e.kind === 'delete') t = t.slice(0, at) + t.slice(at + e.length);
    else if (e.kind === 'insert') t = t.slice(0, at) + e.soup + t.slice(at);
    else if (e.kind === 'duplicate') t = t.slice(0, at + e.length) + t.slice(at, at + e.length) + t.slice(at + e.length);
    else t = t.slice(0, at);
  }
  return t;
}

/** A text with up to `max` random edits (often none), inserting `soup`. */
const edited = (base: fc.Arbitrary<string>, max = 3, soup = xmlSoup): fc.Arbitrary<string> =>
  fc.tuple(base, fc.array(edit(soup), { maxLength: max })).map(([t, edits]) => applyEdits(t, edits));

const prologs = fc.constantFrom('', '<?xml version="1.0" encoding="UTF-8"?>\n', '\uFEFF', '<!DOCTYPE x>', '<!-- c -->', ' ');

/** Element trees, alone or inside an AuthnRequest, with an optional prolog and a few edits. */
export const xmlTree: fc.Arbitrary<string> = edited(
  fc.tuple(prologs, xmlNode, fc.boolean()).map(([prolog, n, wrap]) => prolog + (wrap ? authnRequestAround(serialize(n), '_fuzz') : serialize(n))),
);

/** The hostile shapes of hostileXml.ts at random sizes up to `maxBudget` bytes (by default past every size cap). */
export const hostileXml = (maxBudget = 120_000): fc.Arbitrary<string> => fc
  .tuple(fc.constantFrom(...Object.values(hostileShapes)), fc.integer({ min: 1, max: maxBudget }))
  .map(([shape, budget]) => authnRequestAround(shape(budget)));

/** Real AuthnRequests with random edits (a signed one too: edits then break the signature or the XML). */
export const editedAuthnRequest: fc.Arbitrary<string> = edited(
  fc.constantFrom(fixture('generic-sp-authnrequest.xml'), fixture('identity-center-authnrequest.xml'), authnRequestAround('')),
  4,
);

/** Real SP metadata with random edits. */
export const editedSpMetadata: fc.Arbitrary<string> = edited(
  fc.constantFrom(genericSpMetadata(), fixture('identity-center-sp-metadata.xml')),
  4,
);

/** Any XML-ish text. */
export const xmlText: fc.Arbitrary<string> = fc.oneof(xmlTree, editedAuthnRequest, hostileXml(), xmlSoup);

/** XML-ish text small enough to parse without caps (to compare the pre-scan with the parser). */
export const smallXmlText: fc.Arbitrary<string> = fc.oneof(xmlTree, editedAuthnRequest, editedSpMetadata, hostileXml(3000), xmlSoup);

/** XML-ish text or raw bytes, as a parser may receive them. */
export const xmlInput: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { arbitrary: xmlText, weight: 4 },
  { arbitrary: fc.uint8Array({ maxLength: 200 }), weight: 1 },
  { arbitrary: xmlText.map((t) => Buffer.from(t, 'utf8')), weight: 1 },
);

/** SP metadata-ish input: edited real metadata, trees, soup and bytes. */
export const spMetadataInput: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  { arbitrary: editedSpMetadata, weight: 3 },
  { arbitrary: xmlInput, weight: 2 },
);

const base64ish = fc.string({ unit: fc.constantFrom('A', 'b', '0', '+', '/', '=', ' ', '\n', '%', '-', '_', '!'), maxLength: 60 });

/**
 * A `SAMLRequest` value for one binding (already URL-decoded): the XML-ish input encoded as that binding
 * expects (raw DEFLATE + base64 for Redirect, base64 for POST), encoded the wrong way, or not base64 at all.
 */
export function samlRequestParam(binding: 'redirect' | 'post'): fc.Arbitrary<string> {
  return fc.tuple(xmlInput, fc.constantFrom('binding', 'binding', 'binding', 'other', 'raw', 'base64ish')).map(([input, how]) => {
    const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : Buffer.from(input);
    if (how === 'raw') return typeof input === 'string' ? input : bytes.toString('latin1');
    if (how === 'base64ish') return bytes.toString('base64').slice(0, 7) + bytes.toString('latin1').slice(0, 9);
    const asBinding = binding === 'redirect' ? how === 'binding' : how === 'other';
    return asBinding ? deflateRawSync(bytes).toString('base64') : bytes.toString('base64');
  }).chain((v) => fc.oneof({ arbitrary: fc.constant(v), weight: 5 }, { arbitrary: base64ish, weight: 1 }));
}

// ---- directory files -------------------------------------------------------------------------------

const yamlScalar = fc.oneof(
  fc.constantFrom('111122223333', '012345678901', 111122223333, 'prod', 'Gatehouse', 'aws', 'aws-us-gov', 'aws-cn', 'eu-west-1', 'Admin',
    'path/Admin', 'webauthn', 'totp', 3600, 900, 43200, 100000, '10.0.0.0/8', '::1/200', 'alice', 'alice@example.com', 'JBSWY3DPEHPK3PXP',
    'aws:x', 'CostCenter', 'Team', '__proto__', 'constructor', '', null, true, Infinity, -1, 'disabled', 'active'),
  fc.string({ maxLength: 20 }),
);
const yamlList = (item: fc.Arbitrary<unknown>): fc.Arbitrary<unknown[]> => fc.array(item, { maxLength: 3 });
const yamlRecord = (keys: string[]): fc.Arbitrary<Record<string, unknown>> =>
  fc.dictionary(fc.oneof({ arbitrary: fc.constantFrom(...keys), weight: 9 }, { arbitrary: fc.string({ maxLength: 8 }), weight: 1 }), fc.oneof({ arbitrary: yamlScalar, weight: 4 }, { arbitrary: yamlList(yamlScalar), weight: 1 }, { arbitrary: fc.dictionary(fc.string({ maxLength: 8 }), yamlScalar, { maxKeys: 2 }), weight: 1 }), { maxKeys: keys.length });

/** Directory files built from the schema's own field names with random values, serialized as YAML. */
const structuredDirectory = fc.record({
  session_tags: yamlList(yamlScalar),
  transitive_tags: yamlList(yamlScalar),
  accounts: yamlList(yamlRecord(['id', 'alias', 'provider', 'partition', 'region'])),
  groups: yamlList(fc.tuple(yamlRecord(['name', 'description', 'tags']), yamlList(yamlRecord(['account', 'role', 'session_duration', 'require', 'source_ips'])))
    .map(([g, roles]) => ({ ...g, roles }))),
  users: yamlList(yamlRecord(['username', 'email', 'display_name', 'password', 'password_hash', 'attributes', 'groups', 'status', 'totp'])),
}, { requiredKeys: [] }).map((d) => toYaml(d));

const exampleDirectory = readFileSync(new URL('../../examples/directory.yaml', import.meta.url), 'utf8');

/** Strings over YAML's indicator characters. */
const yamlSoup = fc.string({
  unit: fc.constantFrom('-', ':', ' ', '\n', '  ', '{', '}', '[', ']', ',', '&a', '*a', '!!str', '!!binary', '!tag', '|', '>', '#', '"', "'", '?', '%YAML 1.1', '---', '...', '<<', 'accounts', 'users', 'groups', 'x', '\t', '\uFEFF'),
  maxLength: 60,
});

/** YAML-ish directory files: the example file and schema-shaped files with random edits, and YAML token soup. */
export const directoryText: fc.Arbitrary<string> = fc.oneof(
  edited(fc.oneof(structuredDirectory, fc.constant(exampleDirectory)), 4, yamlSoup),
  yamlSoup,
);
