import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { awsAttributeNames, buildAwsAttributes } from '../../../src/aws/buildAwsAttributes.js';

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
});
