import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildIdentityCenterSubject } from '../../../src/saml/identityCenter.js';
import { isGatehouseError } from '../../../src/errors.js';

const ruleOf = (fn: () => unknown): string[] => {
  try { fn(); } catch (e) { if (isGatehouseError(e, 'aws_lint_failed')) return (e.publicDetail ?? []).map((v) => v.rule); throw e; }
  return [];
};

describe('identityCenter preset', () => {
  it('emailAddress NameID and single-valued AccessControl attributes', () => {
    const s = buildIdentityCenterSubject({ email: 'alice@example.com', accessControl: { CostCenter: 'CC-1', Team: 'core' } });
    assert.equal(s.nameId, 'alice@example.com');
    assert.equal(s.nameIdFormat, 'urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress');
    assert.deepEqual(s.attributes, [
      { name: 'https://aws.amazon.com/SAML/Attributes/AccessControl:CostCenter', values: ['CC-1'] },
      { name: 'https://aws.amazon.com/SAML/Attributes/AccessControl:Team', values: ['core'] },
    ]);
  });
  it('refuses more than 50, bad keys, case collisions, bad values, empty email', () => {
    const many = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, 'v']));
    assert.deepEqual(ruleOf(() => buildIdentityCenterSubject({ email: 'a@b', accessControl: many })), ['access_control.too_many']);
    assert.deepEqual(ruleOf(() => buildIdentityCenterSubject({ email: 'a@b', accessControl: { 'a,b': 'v' } })), ['access_control.key.invalid']);
    assert.deepEqual(ruleOf(() => buildIdentityCenterSubject({ email: 'a@b', accessControl: { Team: 'a', team: 'b' } })), ['access_control.key.case_collision']);
    assert.deepEqual(ruleOf(() => buildIdentityCenterSubject({ email: 'a@b', accessControl: { Team: 'a<b' } })), ['access_control.value.invalid']);
    assert.deepEqual(ruleOf(() => buildIdentityCenterSubject({ email: ' ', accessControl: {} })), ['nameid.missing']);
  });
  it('keys follow the session tag rules of aws/tags.ts, the aws: prefix included', () => {
    assert.deepEqual(ruleOf(() => buildIdentityCenterSubject({ email: 'a@b', accessControl: { 'aws:Team': 'v' } })), ['access_control.key.aws_prefix']);
    assert.deepEqual(ruleOf(() => buildIdentityCenterSubject({ email: 'a@b', accessControl: { ['k'.repeat(129)]: 'v' } })), ['access_control.key.invalid']);
    assert.deepEqual(ruleOf(() => buildIdentityCenterSubject({ email: 'a@b', accessControl: { Team: 'x'.repeat(257) } })), ['access_control.value.invalid']);
    assert.deepEqual(ruleOf(() => buildIdentityCenterSubject({ email: 'a@b', accessControl: { 'Zürich Ops:1/2': 'x'.repeat(256) } })), []);
  });
});
