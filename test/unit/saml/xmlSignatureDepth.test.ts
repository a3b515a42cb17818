// Issue 7, point 7: a signed POST AuthnRequest with tens of thousands of nested elements overflowed the
// stack in verifyEnvelopedSignature's recursive tree walk (a RangeError, so a 500). The depth cap refuses
// it before parsing; without caps, the iterative walk still answers with a typed error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGatehouseError } from '../../../src/errors.js';
import { unlimitedXml } from '../../../src/saml/checkXmlLimits.js';
import { verifyEnvelopedSignature } from '../../../src/saml/xmlSignature.js';
import { fixture, signPostRequest, spKey } from './spFixtures.js';

const signed = signPostRequest(fixture('generic-sp-authnrequest.xml'));
const depth = 20_000;
const deep = signed.replace('</samlp:AuthnRequest>', `<samlp:Extensions>${'<x>'.repeat(depth)}${'</x>'.repeat(depth)}</samlp:Extensions></samlp:AuthnRequest>`);
const certs = [spKey.certificatePem];

describe('verifyEnvelopedSignature on deeply nested documents', () => {
  it('refuses 20,000 nested elements by the depth cap, before parsing', () => {
    assert.throws(() => verifyEnvelopedSignature(deep, certs), (e) => isGatehouseError(e, 'payload_too_large'));
  });

  it('without any cap, walks the tree without overflowing the stack and refuses the signature', () => {
    assert.throws(
      () => verifyEnvelopedSignature(deep, certs, { maxBytes: 10 * 1024 * 1024, limits: unlimitedXml }),
      (e) => isGatehouseError(e, 'saml_signature_invalid'),
    );
  });

  it('still verifies the same request without the nesting', () => {
    assert.match(verifyEnvelopedSignature(signed, certs), /AuthnRequest/);
  });
});
