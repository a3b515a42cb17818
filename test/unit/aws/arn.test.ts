import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  buildRoleArn, buildSamlProviderArn, isValidAccountId,
  isValidSamlProviderName, parseRoleArn, parseSamlProviderArn,
} from '../../../src/aws/arn.js';
import { isValidRoleName } from '../../../src/aws/roleName.js';

describe('arn', () => {
  it('account ids are exactly 12 digits', () => {
    assert.ok(isValidAccountId('012345678901'));
    for (const bad of ['12345678901', '1234567890123', '12345678901a', ' 123456789012', '１２３４５６７８９０１２']) {
      assert.equal(isValidAccountId(bad), false, bad);
    }
  });
  it('builds role ARNs in every partition, with and without path', () => {
    assert.equal(buildRoleArn('aws', '111122223333', 'Admin'), 'arn:aws:iam::111122223333:role/Admin');
    assert.equal(buildRoleArn('aws-us-gov', '111122223333', 'team/a/Dev'), 'arn:aws-us-gov:iam::111122223333:role/team/a/Dev');
    assert.equal(buildRoleArn('aws-cn', '111122223333', '/ops/R+=,.@-_'), 'arn:aws-cn:iam::111122223333:role/ops/R+=,.@-_');
  });
  it('rejects bad role parts', () => {
    assert.throws(() => buildRoleArn('aws', '1111', 'Admin'), RangeError);
    assert.throws(() => buildRoleArn('aws', '111122223333', 'Ad min'), RangeError);
    assert.throws(() => buildRoleArn('aws', '111122223333', 'x'.repeat(65)), RangeError);
    assert.throws(() => buildRoleArn('aws', '111122223333', 'a//b'), RangeError);
    assert.throws(() => buildRoleArn('aws', '111122223333', ''), RangeError);
    assert.throws(() => buildRoleArn('aws-eu' as 'aws', '111122223333', 'Admin'), RangeError);
  });
  it('builds provider ARNs', () => {
    assert.equal(buildSamlProviderArn('aws', '111122223333', 'Gatehouse'), 'arn:aws:iam::111122223333:saml-provider/Gatehouse');
    assert.throws(() => buildSamlProviderArn('aws', '111122223333', 'Gate house'), RangeError);
    assert.throws(() => buildSamlProviderArn('aws', '111122223333', 'a+b'), RangeError);
    assert.ok(isValidSamlProviderName('x'.repeat(128)));
    assert.equal(isValidSamlProviderName('x'.repeat(129)), false);
  });
  it('parses and validates', () => {
    assert.deepEqual(parseRoleArn('arn:aws:iam::111122223333:role/p/q/Admin'), { partition: 'aws', accountId: '111122223333', path: '/p/q/', name: 'Admin' });
    assert.deepEqual(parseRoleArn('arn:aws:iam::111122223333:role/Admin'), { partition: 'aws', accountId: '111122223333', path: '/', name: 'Admin' });
    assert.deepEqual(parseSamlProviderArn('arn:aws-cn:iam::111122223333:saml-provider/G_1.x-y'), { partition: 'aws-cn', accountId: '111122223333', name: 'G_1.x-y' });
    for (const bad of [
      'arn:aws:iam::111122223333:role/',
      'arn:aws:iam:us-east-1:111122223333:role/Admin',
      'arn:aws:iam::11112222333:role/Admin',
      'arn:aws:iam::111122223333:user/Admin',
      'arn:aws:sts::111122223333:role/Admin',
      'arn:aws:iam::111122223333:role/Ad min',
      'arn:aws:iam::111122223333:role//Admin',
    ]) assert.equal(parseRoleArn(bad), undefined, bad);
    assert.equal(parseSamlProviderArn('arn:aws:iam::111122223333:saml-provider/a/b'), undefined);
    assert.ok(isValidRoleName('a'));
    assert.ok(isValidRoleName('a,b')); // IAM allows commas; the Role attribute lint refuses them

    assert.equal(isValidRoleName('a:b'), false);
  });
});
