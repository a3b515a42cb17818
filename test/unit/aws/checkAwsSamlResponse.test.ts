import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkAwsSamlResponse } from '../../../src/aws/checkAwsSamlResponse.js';
import { acsUrlFor } from '../../../src/aws/partitions.js';
import { buildErrorResponse } from '../../../src/saml/buildErrorResponse.js';
import { buildResponse } from '../../../src/saml/buildResponse.js';
import { awsResponseInput } from '../../interop/helpers.js';
import { testSigningKey } from '../saml/testKeys.js';

const key = testSigningKey();
const now = new Date('2026-11-24T15:00:00Z');
const rules = (xml: string, at = now, extra: { expectedAcs?: string } = {}): string[] =>
  checkAwsSamlResponse(xml, { now: at, certificates: [key.certificatePem], ...extra }).violations.map((v) => v.rule);

describe('checkAwsSamlResponse', () => {
  it('accepts what we build and reads the model back', () => {
    const { xml } = buildResponse(awsResponseInput(key, now));
    const r = checkAwsSamlResponse(xml, { now: new Date(now.getTime() + 60_000), expectedAcs: acsUrlFor('aws'), certificates: [key.certificateB64] });
    assert.deepEqual(r.violations, []);
    assert.equal(r.model?.lifetimeSeconds, 300);
    assert.equal(r.model?.attributes[0]?.values.length, 3);
  });
  it('detects tampering, expiry, wrong ACS, too-long lifetime', () => {
    const { xml } = buildResponse(awsResponseInput(key, now));
    assert.deepEqual(rules(xml.replace('role/ReadOnly', 'role/Root')), ['assertion.signature']);
    assert.deepEqual(rules(xml, new Date(now.getTime() + 300_000)), ['subject_confirmation.expired', 'conditions.expired']);
    assert.deepEqual(rules(xml, new Date(now.getTime() + 301_000)), ['subject_confirmation.expired', 'assertion.too_old', 'conditions.expired']);
    assert.deepEqual(rules(xml, new Date(now.getTime() - 1000)), ['conditions.not_yet_valid']);
    assert.deepEqual(rules(xml, now, { expectedAcs: acsUrlFor('aws', 'eu-west-1') }), ['recipient.unexpected']);
    const long = buildResponse(awsResponseInput(key, now, { lifetimeSeconds: 3600 })).xml;
    assert.deepEqual(rules(long), ['lifetime.too_long']);
  });
  it('runs the attribute lint on the XML', () => {
    const bad = buildResponse(awsResponseInput(key, now, { attributes: [{ name: 'https://aws.amazon.com/SAML/Attributes/RoleSessionName', values: ['a b'] }] })).xml;
    assert.deepEqual(rules(bad), ['role.missing', 'session_name.invalid']);
  });
  it('refuses wrapped, unsigned, error and non-SAML documents', () => {
    const { xml } = buildResponse(awsResponseInput(key, now));
    const signed = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(xml)?.[0] ?? '';
    const evil = signed.replace(/<ds:Signature[\s\S]*<\/ds:Signature>/, '');
    assert.ok(rules(xml.replace(signed, evil + signed)).includes('response.assertion_count'));
    assert.deepEqual(checkAwsSamlResponse(xml.replace(signed, evil), { now }).violations.map((v) => v.rule), ['assertion.unsigned']);
    assert.ok(rules(xml.replace(signed, evil)).includes('assertion.signature'));
    const err = buildErrorResponse({ issuer: 'i', responseId: '_e', now, destination: acsUrlFor('aws'), status: 'Responder', key }).xml;
    assert.deepEqual(rules(err), ['response.status', 'response.assertion_count']);
    assert.deepEqual(rules('<!DOCTYPE x><x/>'), ['xml.invalid']);
    assert.deepEqual(rules('<x/>'), ['response.root']);
  });
});
