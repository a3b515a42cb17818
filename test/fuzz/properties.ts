// The fuzz properties of the inbound parsers, in one place: `npm test` runs them briefly
// (test/fuzz/inboundParsers.test.ts) and `npm run fuzz` runs the same file with FUZZ_RUNS runs each.
//
// Every property says the same thing of its parser: any input either parses or is refused with a
// GatehouseError below 500 (nothing else escapes, so no route can answer 500 for it), and no single input
// costs more than `costBoundMs` of event-loop time (issue 7: an inbound message costs milliseconds).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DOMParser, type Node as DomNode } from '@xmldom/xmldom';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { configSchema } from '../../src/config/schema.js';
import { parseDirectoryFile } from '../../src/directory/directoryFile.js';
import { isGatehouseError } from '../../src/errors.js';
import { checkXmlLimits, unlimitedXml, type XmlShape } from '../../src/saml/checkXmlLimits.js';
import { decodePostMessage, decodeRedirectMessage } from '../../src/saml/decodeSamlMessage.js';
import { parseAuthnRequest } from '../../src/saml/parseAuthnRequest.js';
import { parseSpMetadata } from '../../src/saml/parseSpMetadata.js';
import { directoryText, samlRequestParam, smallXmlText, spMetadataInput, xmlSoup } from './arbitraries.js';

/** Runs per property: the FUZZ_RUNS environment variable (npm run fuzz), else `short` (npm test). */
export function fuzzRuns(short: number): number {
  const v = Number(process.env.FUZZ_RUNS);
  return Number.isInteger(v) && v > 0 ? v : short;
}

/**
 * The most one inbound input may cost, in milliseconds. The worst requests the caps let through cost
 * about 1 ms here; the bound leaves room for a shared, loaded machine. Before the caps, one request of
 * issue 7 cost 0.8–4.8 s.
 */
export const costBoundMs = 20;

/** The defaults of saml.maxRequestBytes and saml.requestLimits, as the /saml/sso route applies them. */
export const requestDefaults = (() => {
  const { maxRequestBytes, requestLimits } = configSchema.parse({}).saml;
  return { maxBytes: maxRequestBytes, limits: requestLimits };
})();

/** `process.threadCpuUsage` (Node 23.9 and later): the CPU time of the calling thread only. */
const threadCpuUsage = (process as { threadCpuUsage?: () => NodeJS.CpuUsage }).threadCpuUsage?.bind(process);

/** Linux before Node 23.9: the calling thread's time on the CPU in ns, from /proc/thread-self/schedstat; undefined elsewhere. */
function schedstatMs(): number | undefined {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return undefined;
  }
}
const hasSchedstat = !threadCpuUsage && schedstatMs() !== undefined;

/**
 * CPU time in milliseconds: unlike wall time, it does not grow while other processes have the CPU. The main
 * thread's own (the event-loop time an input costs), through `process.threadCpuUsage` or, on Linux with an older
 * Node, the kernel's per-thread count: the process's total also counts V8's background threads, which compile and
 * collect alongside and pushed a 1 ms parse past the bound on a loaded machine. Elsewhere, the process's total.
 */
export function cpuMs(): number {
  if (hasSchedstat) return schedstatMs()!;
  const { user, system } = threadCpuUsage ? threadCpuUsage() : process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Runs `run` and checks its outcome and cost: it returns, or throws a GatehouseError with status < 500,
 * within `costBoundMs` of CPU time. A run over the bound is repeated (up to three times, fastest counts),
 * so that a cost belongs to the input, not to a garbage collection that happened to fall into it.
 */
export function assertBounded(what: string, run: () => unknown): void {
  let fastest = Infinity;
  let thrown: unknown;
  for (let attempt = 0; attempt < 3 && fastest > costBoundMs; attempt++) {
    thrown = undefined;
    const t0 = cpuMs();
    try {
      run();
    } catch (e) {
      thrown = e;
    }
    fastest = Math.min(fastest, cpuMs() - t0);
  }
  if (thrown !== undefined && !(isGatehouseError(thrown) && thrown.status < 500)) {
    assert.fail(`${what} threw ${thrown instanceof Error ? `${thrown.name}: ${thrown.message}` : String(thrown)}`);
  }
  assert.ok(fastest <= costBoundMs, `${what} took ${fastest.toFixed(1)} ms of CPU (bound ${costBoundMs} ms)`);
}

/** AuthnRequest decoder + parser of one binding, with the route's default caps. */
export function authnRequestProperty(binding: 'redirect' | 'post'): fc.IPropertyWithHooks<[string]> {
  const decode = binding === 'redirect' ? decodeRedirectMessage : decodePostMessage;
  return fc.property(samlRequestParam(binding), (param) => {
    assertBounded(`${binding} AuthnRequest`, () => {
      const xml = decode(param, { maxXmlBytes: requestDefaults.maxBytes });
      parseAuthnRequest(xml, requestDefaults);
    });
  });
}

/** parseSpMetadata with its own (larger) caps. */
export const spMetadataProperty = fc.property(spMetadataInput, (input) => {
  assertBounded('parseSpMetadata', () => parseSpMetadata(input));
});

/** parseDirectoryFile over YAML-ish text. */
export const directoryFileProperty = fc.property(directoryText, (text) => {
  assertBounded('parseDirectoryFile', () => parseDirectoryFile(text, 'fuzz.yaml'));
});

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
 * below 500, within the bound.
 */
export function samlSsoRouteProperty(app: FastifyInstance): fc.IAsyncPropertyWithHooks<[{ method: 'GET' | 'POST'; payload: string }]> {
  const request = fc.oneof(redirectQuery.map((q) => ({ method: 'GET' as const, payload: q })), postBody.map((b) => ({ method: 'POST' as const, payload: b })));
  return fc.asyncProperty(request, async ({ method, payload }) => {
    let fastest = Infinity;
    let status = 0;
    for (let attempt = 0; attempt < 3 && fastest > costBoundMs; attempt++) {
      const t0 = cpuMs();
      const res = method === 'GET'
        ? await app.inject({ method, url: `/saml/sso?${payload}` })
        : await app.inject({ method, url: '/saml/sso', payload, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      fastest = Math.min(fastest, cpuMs() - t0);
      status = res.statusCode;
    }
    assert.ok(status < 500, `${method} /saml/sso answered ${status}`);
    assert.ok(fastest <= costBoundMs, `${method} /saml/sso took ${fastest.toFixed(1)} ms of CPU (bound ${costBoundMs} ms)`);
  });
}
