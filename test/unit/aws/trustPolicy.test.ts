import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { acceptedAuthMethods, buildTrustPolicy } from '../../../src/aws/trustPolicy.js';
import { isGatehouseError } from '../../../src/errors.js';

describe('buildTrustPolicy', () => {
  it('matches AWS-SAML.md for one ACS', () => {
    assert.equal(JSON.stringify(buildTrustPolicy({ partition: 'aws', accountId: '111122223333', providerName: 'Gatehouse' })),
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:saml-provider/Gatehouse"},'
      + '"Action":["sts:AssumeRoleWithSAML","sts:TagSession","sts:SetSourceIdentity"],'
      + '"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}}]}');
  });
  it('lists several ACS URLs', () => {
    const p = buildTrustPolicy({ partition: 'aws', accountId: '111122223333', providerName: 'G', acsUrls: ['https://signin.aws.amazon.com/saml', 'https://eu-west-1.signin.aws.amazon.com/saml'] });
    assert.deepEqual(p.Statement[0].Condition.StringEquals['SAML:aud'], ['https://signin.aws.amazon.com/saml', 'https://eu-west-1.signin.aws.amazon.com/saml']);
  });
  it('GovCloud and China', () => {
    const g = buildTrustPolicy({ partition: 'aws-us-gov', accountId: '111122223333', providerName: 'G' });
    assert.equal(g.Statement[0].Principal.Federated, 'arn:aws-us-gov:iam::111122223333:saml-provider/G');
    assert.equal(g.Statement[0].Condition.StringEquals['SAML:aud'], 'https://signin.amazonaws-us-gov.com/saml');
    const c = buildTrustPolicy({ partition: 'aws-cn', accountId: '111122223333', providerName: 'G' });
    assert.equal(c.Statement[0].Condition.StringEquals['SAML:aud'], 'https://signin.amazonaws.cn/saml');
  });
  it('rejects foreign ACS URLs and bad ids', () => {
    assert.throws(() => buildTrustPolicy({ partition: 'aws', accountId: '111122223333', providerName: 'G', acsUrls: ['https://signin.amazonaws.cn/saml'] }), (e) => isGatehouseError(e, 'validation_failed'));
    assert.throws(() => buildTrustPolicy({ partition: 'aws', accountId: '111122223333', providerName: 'G', acsUrls: [] }), (e) => isGatehouseError(e, 'validation_failed'));
    assert.throws(() => buildTrustPolicy({ partition: 'aws', accountId: '12', providerName: 'G' }), (e) => isGatehouseError(e, 'validation_failed'));
  });
  it('with authMethods: sts:TagSession in its own statement, allowed only for those AuthMethod values', () => {
    const p = buildTrustPolicy({ partition: 'aws', accountId: '111122223333', providerName: 'Gatehouse', authMethods: ['webauthn'] });
    assert.equal(JSON.stringify(p),
      '{"Version":"2012-10-17","Statement":['
      + '{"Sid":"GatehouseSignIn","Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:saml-provider/Gatehouse"},'
      + '"Action":["sts:AssumeRoleWithSAML","sts:SetSourceIdentity"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml"}}},'
      + '{"Sid":"GatehouseFactorCheckedByIam","Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:saml-provider/Gatehouse"},'
      + '"Action":["sts:TagSession"],"Condition":{"StringEquals":{"SAML:aud":"https://signin.aws.amazon.com/saml","aws:RequestTag/AuthMethod":["webauthn"]}}}]}');
    assert.throws(() => buildTrustPolicy({ partition: 'aws', accountId: '111122223333', providerName: 'G', authMethods: [] }), (e) => isGatehouseError(e, 'validation_failed'));
  });
  it('acceptedAuthMethods: the factors meeting any mapping\'s requirement; none when a mapping requires nothing', () => {
    assert.deepEqual(acceptedAuthMethods(['webauthn']), ['webauthn']);
    assert.deepEqual(acceptedAuthMethods(['totp']), ['totp', 'webauthn'], 'a security key meets totp');
    assert.deepEqual(acceptedAuthMethods(['webauthn', 'totp']), ['totp', 'webauthn']);
    assert.equal(acceptedAuthMethods(['webauthn', null]), undefined);
    assert.equal(acceptedAuthMethods([]), undefined);
  });
});
