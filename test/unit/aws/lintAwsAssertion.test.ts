import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildAwsAttributes, type AwsAttributeInput } from '../../../src/aws/buildAwsAttributes.js';
import { assertAwsConformant, lintAwsAssertion, type AwsAssertionModel } from '../../../src/aws/lintAwsAssertion.js';
import { acsUrlFor, audienceFor, partitions, type Partition } from '../../../src/aws/partitions.js';
import { isGatehouseError } from '../../../src/errors.js';

const P = 'https://aws.amazon.com/SAML/Attributes/';
const prod = { id: '111122223333', partition: 'aws' as const, providerName: 'Gatehouse' };

function model(attrs: Partial<AwsAttributeInput> = {}, envelope: Partial<AwsAssertionModel> = {}): AwsAssertionModel {
  return {
    issuer: 'https://idp.example.com/saml/metadata',
    acsUrl: acsUrlFor('aws'),
    audience: audienceFor('aws'),
    nameId: 'u-1',
    lifetimeSeconds: 300,
    attributes: buildAwsAttributes({
      roles: [{ account: prod, roleName: 'Admin' }],
      username: 'alice',
      sessionDuration: 3600,
      tags: { CostCenter: 'CC-1' },
      transitiveTagKeys: ['CostCenter'],
      authMethod: 'totp',
      ...attrs,
    }),
    ...envelope,
  };
}

const rules = (m: AwsAssertionModel): string[] => lintAwsAssertion(m).map((v) => v.rule);
const replaceAttr = (m: AwsAssertionModel, suffix: string, values: string[] | null): AwsAssertionModel => ({
  ...m,
  attributes: values === null ? m.attributes.filter((a) => a.name !== P + suffix)
    : m.attributes.some((a) => a.name === P + suffix) ? m.attributes.map((a) => (a.name === P + suffix ? { name: a.name, values } : a))
      : [...m.attributes, { name: P + suffix, values }],
});

describe('lintAwsAssertion', () => {
  it('a realistic assertion is conformant', () => {
    assert.deepEqual(lintAwsAssertion(model()), []);
    assertAwsConformant(model());
  });

  for (const p of partitions) {
    it(`every partition: ${p}`, () => {
      const account = { ...prod, partition: p as Partition };
      const m = model({ roles: [{ account, roleName: 'R' }] }, { acsUrl: acsUrlFor(p), audience: audienceFor(p) });
      assert.deepEqual(lintAwsAssertion(m), []);
    });
  }

  it('multi-account, multi-role is conformant', () => {
    const dev = { id: '444455556666', partition: 'aws' as const, providerName: 'G2' };
    const roles = [{ account: prod, roleName: 'Admin' }, { account: prod, roleName: 'path/ReadOnly' }, { account: dev, roleName: 'Dev' }];
    assert.deepEqual(lintAwsAssertion(model({ roles })), []);
  });

  it('regional ACS is accepted', () => {
    assert.deepEqual(lintAwsAssertion(model({}, { acsUrl: acsUrlFor('aws', 'us-west-2') })), []);
  });

  it('more than 50 tags', () => {
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`K${i}`, 'v'])); // + AuthMethod = 51
    assert.ok(rules(model({ tags, transitiveTagKeys: [] })).includes('tag.too_many'));
    const ok = Object.fromEntries(Array.from({ length: 49 }, (_, i) => [`K${i}`, 'v']));
    assert.deepEqual(rules(model({ tags: ok, transitiveTagKeys: [] })), []);
  });

  it('tag keys differing only in case', () => {
    assert.deepEqual(rules(model({ tags: { Team: 'a', TEAM: 'b' }, transitiveTagKeys: [] })), ['tag.key.case_collision']);
    assert.deepEqual(rules(model({ tags: { authmethod: 'x' }, transitiveTagKeys: [] })), ['tag.key.case_collision']);
  });

  it('same tag key twice', () => {
    assert.ok(rules(model({ tags: { AuthMethod: 'password' }, transitiveTagKeys: [] })).includes('attribute.duplicate'));
  });

  it('forbidden character in a tag value, and too long', () => {
    assert.deepEqual(rules(model({ tags: { Team: 'a&b' }, transitiveTagKeys: [] })), ['tag.value.invalid']);
    assert.deepEqual(rules(model({ tags: { Team: 'x'.repeat(257) }, transitiveTagKeys: [] })), ['tag.value.invalid']);
    assert.deepEqual(rules(model({ tags: { Team: 'x'.repeat(256) }, transitiveTagKeys: [] })), []);
    assert.deepEqual(rules(model({ tags: { Team: '' }, transitiveTagKeys: [] })), []);
    assert.deepEqual(rules(model({ tags: { Team: 'Zürich Ops 1/2:+=@-_.' }, transitiveTagKeys: [] })), []);
  });

  it('bad tag keys', () => {
    assert.deepEqual(rules(model({ tags: { 'a,b': 'x' }, transitiveTagKeys: [] })), ['tag.key.invalid']);
    assert.deepEqual(rules(model({ tags: { ['k'.repeat(129)]: 'x' }, transitiveTagKeys: [] })), ['tag.key.invalid']);
    assert.deepEqual(rules(model({ tags: { 'aws:foo': 'x' }, transitiveTagKeys: [] })), ['tag.key.aws_prefix']);
    assert.deepEqual(rules(model({ tags: { 'AWS:foo': 'x' }, transitiveTagKeys: [] })), ['tag.key.aws_prefix']);
  });

  it('a tag with two values', () => {
    assert.ok(rules(replaceAttr(model(), 'PrincipalTag:CostCenter', ['a', 'b'])).includes('tag.multiple_values'));
  });

  it('session duration out of range or not an integer', () => {
    assert.deepEqual(rules(model({ sessionDuration: 899 })), ['session_duration.out_of_range']);
    assert.deepEqual(rules(model({ sessionDuration: 43201 })), ['session_duration.out_of_range']);
    assert.deepEqual(rules(model({ sessionDuration: 900 })), []);
    assert.deepEqual(rules(model({ sessionDuration: 43200 })), []);
    assert.deepEqual(rules(model({ sessionDuration: 3600.5 })), ['session_duration.not_integer']);
    assert.deepEqual(rules(replaceAttr(model(), 'SessionDuration', ['01000'])), ['session_duration.not_integer']);
    assert.deepEqual(rules(replaceAttr(model(), 'SessionDuration', ['1000', '2000'])), ['session_duration.multiple']);
  });

  it('malformed ARNs', () => {
    // The builder refuses these grants itself (buildAwsAttributes.test.ts); here the lint meets them as text,
    // as in a Response read back from XML.
    const role = (value: string): AwsAssertionModel => replaceAttr(model(), 'Role', [value]);
    assert.deepEqual(rules(role('arn:aws:iam::1234:role/Admin,arn:aws:iam::1234:saml-provider/Gatehouse')),
      ['role.arn.malformed', 'role.provider_arn.malformed']);
    assert.deepEqual(rules(role('arn:aws:iam::111122223333:role/Ad min,arn:aws:iam::111122223333:saml-provider/Gatehouse')), ['role.arn.malformed']);
    assert.deepEqual(rules(role('arn:aws:iam::111122223333:role/a//b,arn:aws:iam::111122223333:saml-provider/Gatehouse')), ['role.arn.malformed']);
    assert.deepEqual(rules(role('arn:aws:iam::111122223333:role/Admin,arn:aws:iam::111122223333:saml-provider/a b')), ['role.provider_arn.malformed']);
    assert.deepEqual(rules(role('arn:aws:iam::111122223333:role/A,B,arn:aws:iam::111122223333:saml-provider/Gatehouse')), ['role.value.malformed']);
    assert.deepEqual(rules(replaceAttr(model(), 'Role', ['arn:aws:iam::111122223333:saml-provider/G,arn:aws:iam::111122223333:role/A'])), ['role.value.swapped']);
    assert.deepEqual(rules(replaceAttr(model(), 'Role', ['arn:aws:iam::111122223333:role/A,arn:aws:iam::999999999999:saml-provider/G'])), ['role.provider_account_mismatch']);
    assert.deepEqual(rules(replaceAttr(model(), 'Role', ['arn:aws:iam::111122223333:role/A,arn:aws-cn:iam::111122223333:saml-provider/G'])), ['role.partition_mismatch']);
    assert.deepEqual(rules(replaceAttr(model(), 'Role', ['arn:aws:iam::111122223333:role/A,arn:aws:iam::111122223333:saml-provider/G', 'arn:aws:iam::111122223333:role/A,arn:aws:iam::111122223333:saml-provider/G'])), ['role.duplicate']);
    assert.deepEqual(rules(replaceAttr(model(), 'Role', [])), ['attribute.empty', 'role.missing']);
    assert.deepEqual(rules(replaceAttr(model(), 'Role', null)), ['role.missing']);
  });

  it('role in another partition than the audience', () => {
    const m = model({ roles: [{ account: { ...prod, partition: 'aws-us-gov' }, roleName: 'R' }] });
    assert.deepEqual(rules(m), ['role.partition_mismatch']);
  });

  it('TransitiveTagKeys not sent', () => {
    assert.deepEqual(rules(replaceAttr(model(), 'TransitiveTagKeys', ['CostCenter', 'Team'])), ['transitive.not_sent']);
    assert.deepEqual(rules(replaceAttr(model(), 'TransitiveTagKeys', ['costcenter'])), ['transitive.not_sent']);
    assert.deepEqual(rules(replaceAttr(model(), 'TransitiveTagKeys', ['CostCenter', 'CostCenter'])), ['transitive.duplicate']);
  });

  it('RoleSessionName and SourceIdentity', () => {
    assert.deepEqual(rules(replaceAttr(model(), 'RoleSessionName', ['a b'])), ['session_name.invalid']);
    assert.deepEqual(rules(replaceAttr(model(), 'RoleSessionName', ['a'])), ['session_name.invalid']);
    assert.deepEqual(rules(replaceAttr(model(), 'RoleSessionName', ['x'.repeat(65)])), ['session_name.invalid']);
    assert.deepEqual(rules(replaceAttr(model(), 'RoleSessionName', ['ab', 'cd'])), ['session_name.multiple']);
    assert.deepEqual(rules(replaceAttr(model(), 'RoleSessionName', null)), ['session_name.missing']);
    assert.deepEqual(rules(replaceAttr(model(), 'SourceIdentity', ['aws:x'])), ['source_identity.invalid', 'source_identity.aws_prefix']);
    assert.deepEqual(rules(replaceAttr(model(), 'SourceIdentity', null)), []);
    assert.deepEqual(rules({ ...model(), attributes: [...model().attributes, { name: `${P}Rolesessionname`, values: ['x'] }] }), ['attribute.unknown']);
  });

  it('envelope: Recipient, audience, partition, lifetime, InResponseTo', () => {
    assert.deepEqual(rules(model({}, { acsUrl: 'https://signin.aws.amazon.com/saml/' })), ['recipient.not_aws_acs']);
    assert.deepEqual(rules(model({}, { acsUrl: 'https://evil.example/saml' })), ['recipient.not_aws_acs']);
    assert.deepEqual(rules(model({}, { acsUrl: acsUrlFor('aws-cn') })), ['recipient.partition_mismatch']);
    assert.deepEqual(rules(model({}, { audience: 'urn:amazon:webservices:evil' })), ['audience.unknown']);
    assert.deepEqual(rules(model({}, { lifetimeSeconds: 301 })), ['lifetime.too_long']);
    assert.deepEqual(rules(model({}, { lifetimeSeconds: 0 })), ['lifetime.invalid']);
    assert.deepEqual(rules(model({}, { inResponseTo: '_x' })), ['inresponseto.present']);
    assert.deepEqual(rules(model({}, { issuer: ' ', nameId: '' })), ['issuer.missing', 'nameid.missing']);
  });

  it('assertAwsConformant throws aws_lint_failed with the violations as public detail', () => {
    assert.throws(() => assertAwsConformant(model({ sessionDuration: 60 })), (e) => {
      assert.ok(isGatehouseError(e, 'aws_lint_failed'));
      assert.deepEqual((e.publicDetail ?? []).map((x) => x.rule), ['session_duration.out_of_range']);
      return true;
    });
  });
});
