import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awsAttributeNames, buildAwsAttributes, type AwsRoleGrant } from '../../../src/aws/buildAwsAttributes.js';
import { isGatehouseError } from '../../../src/errors.js';

const prod = { id: '111122223333', partition: 'aws' as const, providerName: 'Gatehouse' };
const dev = { id: '444455556666', partition: 'aws' as const, providerName: 'GatehouseDev' };

describe('buildAwsAttributes', () => {
  it('multi-account, multi-role, ordered attributes', () => {
    const attrs = buildAwsAttributes({
      roles: [{ account: prod, roleName: 'Admin' }, { account: dev, roleName: 'team/Dev' }, { account: prod, roleName: 'Admin' }],
      username: 'alice smith',
      sessionDuration: 7200,
      tags: { CostCenter: 'CC-1', Team: 'core' },
      transitiveTagKeys: ['CostCenter', 'Missing'],
      authMethod: 'totp',
    });
    assert.deepEqual(attrs, [
      { name: awsAttributeNames.role, values: [
        'arn:aws:iam::111122223333:role/Admin,arn:aws:iam::111122223333:saml-provider/Gatehouse',
        'arn:aws:iam::444455556666:role/team/Dev,arn:aws:iam::444455556666:saml-provider/GatehouseDev',
      ] },
      { name: awsAttributeNames.roleSessionName, values: ['alice=20smith'] },
      { name: awsAttributeNames.sourceIdentity, values: ['alice=20smith'] },
      { name: awsAttributeNames.sessionDuration, values: ['7200'] },
      { name: 'https://aws.amazon.com/SAML/Attributes/PrincipalTag:CostCenter', values: ['CC-1'] },
      { name: 'https://aws.amazon.com/SAML/Attributes/PrincipalTag:Team', values: ['core'] },
      { name: 'https://aws.amazon.com/SAML/Attributes/PrincipalTag:AuthMethod', values: ['totp'] },
      { name: awsAttributeNames.transitiveTagKeys, values: ['CostCenter'] },
    ]);
  });
  it('omits SessionDuration and TransitiveTagKeys when not set', () => {
    const attrs = buildAwsAttributes({ roles: [{ account: { ...prod, partition: 'aws-us-gov' }, roleName: 'R' }], username: 'bob', tags: {}, transitiveTagKeys: [], authMethod: 'webauthn' });
    assert.deepEqual(attrs.map((a) => a.name.slice(39)), ['Role', 'RoleSessionName', 'SourceIdentity', 'PrincipalTag:AuthMethod']);
    assert.equal(attrs[0]?.values[0], 'arn:aws-us-gov:iam::111122223333:role/R,arn:aws-us-gov:iam::111122223333:saml-provider/Gatehouse');
  });

  it('a leading slash in a role name gives the same ARN as without it, sent once', () => {
    const attrs = buildAwsAttributes({
      roles: [{ account: prod, roleName: '/team/Dev' }, { account: prod, roleName: 'team/Dev' }, { account: prod, roleName: '/Admin' }],
      username: 'bob', tags: {}, transitiveTagKeys: [], authMethod: 'totp',
    });
    assert.deepEqual(attrs[0]?.values, [
      'arn:aws:iam::111122223333:role/team/Dev,arn:aws:iam::111122223333:saml-provider/Gatehouse',
      'arn:aws:iam::111122223333:role/Admin,arn:aws:iam::111122223333:saml-provider/Gatehouse',
    ]);
  });

  it('builds ARNs through the validated builders: a grant they refuse is an aws_lint_failed naming every bad grant', () => {
    const refused = (roles: AwsRoleGrant[]): string[] => {
      try {
        buildAwsAttributes({ roles, username: 'bob', tags: {}, transitiveTagKeys: [], authMethod: 'totp' });
      } catch (e) {
        assert.ok(isGatehouseError(e, 'aws_lint_failed'), String(e));
        return (e.publicDetail ?? []).map((v) => v.rule);
      }
      return assert.fail('accepted');
    };
    assert.deepEqual(refused([{ account: { ...prod, id: '1234' }, roleName: 'Admin' }]), ['role.arn.malformed', 'role.provider_arn.malformed']);
    assert.deepEqual(refused([{ account: prod, roleName: 'Ad min' }]), ['role.arn.malformed']);
    assert.deepEqual(refused([{ account: prod, roleName: 'a//b' }]), ['role.arn.malformed']);
    assert.deepEqual(refused([{ account: { ...prod, providerName: 'a b' }, roleName: 'Admin' }]), ['role.provider_arn.malformed']);
    assert.deepEqual(refused([{ account: prod, roleName: 'A,B' }]), ['role.value.malformed']);
    assert.deepEqual(refused([{ account: { ...prod, partition: 'aws-eu' as 'aws' }, roleName: 'Admin' }]), ['role.arn.malformed', 'role.provider_arn.malformed']);
    assert.deepEqual(refused([{ account: prod, roleName: 'Ok' }, { account: prod, roleName: 'A,B' }, { account: dev, roleName: 'x'.repeat(65) }]),
      ['role.value.malformed', 'role.arn.malformed']);
  });
});
