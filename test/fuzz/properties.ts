// The fuzz properties of the inbound parsers, in one place: `npm test` runs them briefly
// (test/fuzz/inboundParsers.test.ts) and `npm run fuzz` runs the same file with FUZZ_RUNS runs each.
//
// Every property says the same thing of its parser: any input either parses or is refused with a
// GatehouseError below 500 (nothing else escapes, so no route can answer 500 for it), and everything the XML
// parser is handed on the way is within the caps (xmlParseMeter.ts): the work bound is counted, not timed
// (issue 7: an inbound message costs milliseconds; bench/inbound.ts measures how many).
import assert from 'node:assert/strict';
import { DOMParser, type Node as DomNode } from '@xmldom/xmldom';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { configSchema } from '../../src/config/schema.js';
import { parseDirectoryFile } from '../../src/directory/directoryFile.js';
import { isGatehouseError } from '../../src/errors.js';
import { checkXmlLimits, unlimitedXml, type XmlShape } from '../../src/saml/checkXmlLimits.js';
import { decodePostMessage, decodeRedirectMessage } from '../../src/saml/decodeSamlMessage.js';
import { parseAuthnRequest } from '../../src/saml/parseAuthnRequest.js';
import { parseSpMetadata, spMetadataMaxBytes, spMetadataXmlLimits } from '../../src/saml/parseSpMetadata.js';
import { directoryText, samlRequestParam, smallXmlText, spMetadataInput, xmlSoup } from './arbitraries.js';
import { assertParsesWithin, domShape, observeXmlParses } from './xmlParseMeter.js';

/** Runs per property: the FUZZ_RUNS environment variable (npm run fuzz), else `short` (npm test). */
export function fuzzRuns(short: number): number {
  const v = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(v) && v > 0 ? v : short;
}

/** The defaults of saml.maxRequestBytes and saml.requestLimits, as the /saml/sso route applies them. */
export const requestDefaults = (() => {
  const { maxRequestBytes, requestLimits } = configSchema.parse({}).saml;
  return { maxBytes: maxRequestBytes, limits: requestLimits };
})();

/** The outcome every input must have: a value, or a GatehouseError below 500 (so no route answers 500 for it). */
function assertOutcome(what: string, thrown: unknown): void {
  if (thrown !== undefined && !(isGatehouseError(thrown) && thrown.status < 500)) {
    assert.fail(`${what} threw ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown)}`);
  }
}

/** What `run` threw, or undefined when it returned. */
function thrownBy(run: () => unknown): unknown {
  try {
    run();
    return undefined;
  } catch (e) {
    return e;
  }
}

/** The caps every XML parse of an input must stay within. */
type Caps = Parameters<typeof assertParsesWithin>[2];

/** Runs `run` on one input: its outcome is {@link assertOutcome}'s, and whatever XML it parsed was within `caps`. */
function assertBounded(what: string, caps: Caps, run: () => unknown): void {
  const observer = observeXmlParses();
  const thrown = thrownBy(run);
  observer.stop();
  assertOutcome(what, thrown);
  assertParsesWithin(what, observer.parses, caps);
}

/** AuthnRequest decoder + parser of one binding, with the route's default caps. */
export function authnRequestProperty(binding: 'redirect' | 'post'): fc.IPropertyWithHooks<[string]> {
  const decode = binding === 'redirect' ? decodeRedirectMessage : decodePostMessage;
  return fc.property(samlRequestParam(binding), (param) => {
    assertBounded(`${binding} AuthnRequest`, requestDefaults, () => {
      const xml = decode(param, { maxXmlBytes: requestDefaults.maxBytes });
      parseAuthnRequest(xml, requestDefaults);
    });
  });
}

/** parseSpMetadata with its own (larger) caps. */
export const spMetadataProperty = fc.property(spMetadataInput, (input) => {
  assertBounded('parseSpMetadata', { maxBytes: spMetadataMaxBytes, limits: spMetadataXmlLimits }, () => parseSpMetadata(input));
});

/** parseDirectoryFile over YAML-ish text (no XML: the outcome is the property). */
export const directoryFileProperty = fc.property(directoryText, (text) => {
  assertOutcome('parseDirectoryFile', thrownBy(() => parseDirectoryFile(text, 'fuzz.yaml')));
});

/**
 * The pre-scan never undercounts: whenever xmldom itself (strict: any warning is an error) accepts a
 * text, checkXmlLimits either refuses it as not well-formed or counts at least what the tree holds.
 */
export const scanCountsProperty = fc.property(smallXmlText, (raw) => {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  let root: DomNode;
  try {
    root = new DOMParser({ onError: (level, message) => { throw new Error(`${level}: ${message}`); } }).parseFromString(text, 'text/xml');
  } catch {
    return;
  }
  let scanned: XmlShape;
  try {
    scanned = checkXmlLimits(text, unlimitedXml);
  } catch (e) {
    assert.ok(isGatehouseError(e, 'saml_request_invalid'), String(e));
    return;
  }
  const tree = domShape(root);
  for (const k of Object.keys(tree) as (keyof XmlShape)[]) {
    assert.ok(scanned[k] >= tree[k], `${k}: scanned ${scanned[k]} < ${tree[k]} in the tree of ${JSON.stringify(text.slice(0, 300))}`);
  }
  assert.equal(scanned.depth, tree.depth, 'depth');
  assert.equal(scanned.attributes, tree.attributes, 'attributes');
});

/** Percent-encodes every UTF-8 byte of `v` (lone surrogates become U+FFFD, as a browser sends them). */
const percentEncode = (v: string): string => [...Buffer.from(v, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** Query strings and form bodies for /saml/sso: a SAMLRequest of the binding, with or without the other parameters. */
const redirectQuery = fc.tuple(samlRequestParam('redirect'), fc.option(xmlSoup), fc.option(fc.constantFrom('http://www.w3.org/2001/04/xmldsig-more#rsa-sha256', 'x')), fc.option(xmlSoup), fc.boolean())
  .map(([request, relayState, sigAlg, signature, encode]) => {
    const enc = (v: string): string => (encode ? percentEncode(v) : v);
    return [`SAMLRequest=${enc(request)}`, relayState === null ? '' : `&RelayState=${enc(relayState)}`, sigAlg === null ? '' : `&SigAlg=${enc(sigAlg)}`, signature === null ? '' : `&Signature=${enc(signature)}`].join('');
  });
const postBody = fc.tuple(samlRequestParam('post'), fc.option(xmlSoup), fc.boolean())
  .map(([request, relayState, twice]) => new URLSearchParams([['SAMLRequest', request], ...(relayState === null ? [] : [['RelayState', relayState]]), ...(twice ? [['SAMLRequest', request]] : [])]).toString());

/**
 * /saml/sso through fastify (app.inject, no session): every fuzzed request of either binding is answered
 * below 500, and whatever XML it got parsed was within the route's caps.
 */
export function samlSsoRouteProperty(app: FastifyInstance): fc.IAsyncPropertyWithHooks<[{ method: 'GET' | 'POST'; payload: string }]> {
  const request = fc.oneof(redirectQuery.map((q) => ({ method: 'GET' as const, payload: q })), postBody.map((b) => ({ method: 'POST' as const, payload: b })));
  return fc.asyncProperty(request, async ({ method, payload }) => {
    const observer = observeXmlParses();
    try {
      const res = method === 'GET'
        ? await app.inject({ method, url: `/saml/sso?${payload}` })
        : await app.inject({ method, url: '/saml/sso', payload, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.ok(res.statusCode < 500, `${method} /saml/sso answered ${res.statusCode}`);
    } finally {
      observer.stop();
    }
    assertParsesWithin(`${method} /saml/sso`, observer.parses, requestDefaults);
  });
}
