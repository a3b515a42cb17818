// The pre-scan that bounds inbound XML before it is parsed (issue 7, point 1), and the caps it applies
// to AuthnRequests (saml.requestLimits) and SP metadata.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DOMParser } from '@xmldom/xmldom';
import { isGatehouseError } from '../../../src/errors.js';
import { checkXmlLimits, defaultXmlLimits, unlimitedXml, type XmlLimits } from '../../../src/saml/checkXmlLimits.js';
import { parseAuthnRequest } from '../../../src/saml/parseAuthnRequest.js';
import { parseSpMetadata, spMetadataXmlLimits } from '../../../src/saml/parseSpMetadata.js';
import { parseXmlSafely } from '../../../src/saml/parseXmlSafely.js';
import { atTheLimits, authnRequestAround, hostileShapes } from '../../fuzz/hostileXml.js';
import { requestDefaults } from '../../fuzz/properties.js';
import { domShape } from '../../fuzz/xmlParseMeter.js';
import { fixture, genericSpMetadata, signPostRequest } from './spFixtures.js';

const code = (c: string) => (e: unknown): boolean => isGatehouseError(e, c as never);
const tooLarge = code('payload_too_large');
const caps = { maxBytes: requestDefaults.maxBytes, ...requestDefaults.limits };
const tree = (xml: string) => domShape(new DOMParser().parseFromString(xml.replace(/^\uFEFF/, ''), 'text/xml'));

describe('checkXmlLimits', () => {
  const requests = [fixture('generic-sp-authnrequest.xml'), fixture('identity-center-authnrequest.xml'), signPostRequest(fixture('generic-sp-authnrequest.xml'))];
  const metadata = [genericSpMetadata(), fixture('identity-center-sp-metadata.xml')];

  it('counts real requests and metadata as their parsed trees hold them', () => {
    for (const xml of [...requests, ...metadata]) {
      const body = xml.replace(/^<\?xml[^>]*\?>/, '');
      assert.deepEqual(checkXmlLimits(body, unlimitedXml), tree(body));
    }
  });

  it('real AuthnRequests, signed ones included, pass the request caps; real metadata passes the metadata caps', () => {
    for (const xml of requests) assert.equal(parseAuthnRequest(xml, requestDefaults).issuer.length > 0, true);
    for (const xml of metadata) assert.ok(parseSpMetadata(xml).entityId);
    for (const xml of metadata) checkXmlLimits(xml, spMetadataXmlLimits);
  });

  it('each cap: reached is accepted, one past it is payload_too_large', () => {
    const limits: XmlLimits = { maxDepth: 5, maxElements: 10, maxAttributesPerElement: 3, maxAttributes: 6, maxNamespaceDeclarations: 2 };
    const cases: [keyof XmlLimits, (n: number) => string][] = [
      ['maxDepth', (n) => '<a>'.repeat(n - 1) + '<b/>' + '</a>'.repeat(n - 1)],
      ['maxElements', (n) => `<r>${'<a/>'.repeat(n - 3)}<!--c--><?p?></r>`],
      ['maxAttributesPerElement', (n) => `<a ${Array.from({ length: n }, (_, i) => `a${i}='${i}'`).join(' ')}/>`],
      ['maxAttributes', (n) => `<r>${Array.from({ length: n }, (_, i) => `<a b${i} = "1"/>`).join('')}</r>`],
      ['maxNamespaceDeclarations', (n) => `<r xmlns="u">${'<a xmlns:p="v"/>'.repeat(n - 1)}</r>`],
    ];
    for (const [cap, build] of cases) {
      const shapeAt = checkXmlLimits(build(limits[cap]), limits);
      assert.deepEqual(shapeAt, tree(build(limits[cap])), cap);
      assert.throws(() => checkXmlLimits(build(limits[cap] + 1), limits), tooLarge, cap);
    }
  });

  it('refuses the request of issue 7 (deep namespace scopes, 215 KB, 1.5 s to parse before) without parsing it', () => {
    const attack = authnRequestAround(hostileShapes.nestedNamespaces!(215_000));
    assert.ok(attack.length > 200_000);
    // Even under the old 256 KiB size cap, the structure caps refuse it: the default ones and the request ones.
    assert.throws(() => parseXmlSafely(attack, { maxBytes: 256 * 1024 }), tooLarge);
    assert.throws(() => parseAuthnRequest(attack, { ...requestDefaults, maxBytes: 256 * 1024 }), tooLarge);
    assert.throws(() => parseSpMetadata(attack), tooLarge);
  });

  it('every hostile shape is either refused by a cap or parsed, at the request caps', () => {
    for (const [name, shape] of Object.entries(hostileShapes)) {
      for (const budget of [1000, 15_000, 100_000]) {
        const xml = authnRequestAround(shape(budget));
        try {
          parseAuthnRequest(xml, requestDefaults);
        } catch (e) {
          assert.ok(isGatehouseError(e) && e.status < 500, `${name} at ${budget}: ${String(e)}`);
        }
      }
    }
  });

  it('the request that reaches every cap at once is accepted and parsed', () => {
    const xml = atTheLimits(caps);
    assert.ok(Buffer.byteLength(xml) <= caps.maxBytes && Buffer.byteLength(xml) > caps.maxBytes * 0.9);
    const shape = checkXmlLimits(xml, requestDefaults.limits);
    assert.equal(shape.depth, caps.maxDepth);
    assert.equal(shape.elements, caps.maxElements);
    assert.ok(shape.attributes > caps.maxAttributes * 0.9);
    assert.equal(parseAuthnRequest(xml, requestDefaults).id, '_hostile');
  });

  it('a quote or "<" that could hide tags from the count is refused; quoted ">" and "/>" are values', () => {
    const nested = (n: number) => '<a x="/>" y=\'>\'>'.repeat(n) + '</a>'.repeat(n);
    assert.equal(checkXmlLimits(nested(3), unlimitedXml).depth, 3);
    assert.throws(() => checkXmlLimits(nested(40), defaultXmlLimits), tooLarge);
    for (const bad of ['<a "b"><a></a></a>', '<a b=c>', '<a b="<a>"/>', '<a b="x', '<a', '<r><!--x</r>', '<r><![CDATA[x</r>', '<r><?p</r>',
      '</a>', '<r></r></r>', '<r>', '<!ELEMENT r ANY><r/>', '<a b="1"c="2"=/>', '<a <b>']) {
      assert.throws(() => checkXmlLimits(bad, unlimitedXml), code('saml_request_invalid'), bad);
    }
    // `<a / >` is not an empty element (XML wants "/>"): it is counted as open.
    assert.equal(checkXmlLimits('<r><a / ></a></r>', unlimitedXml).depth, 2);
    assert.equal(checkXmlLimits('<r><a/></r>', unlimitedXml).depth, 2);
  });
});
