import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  acsUrlFor, audienceFor, partitionOfAcsUrl, partitionOfAudience, partitions,
} from '../../../src/aws/partitions.js';
import { buildRoleArn } from '../../../src/aws/arn.js';

describe('partitions', () => {
  it('commercial', () => {
    assert.equal(acsUrlFor('aws'), 'https://signin.aws.amazon.com/saml');
    assert.equal(acsUrlFor('aws', 'eu-west-1'), 'https://eu-west-1.signin.aws.amazon.com/saml');
    assert.equal(audienceFor('aws'), 'urn:amazon:webservices');
    assert.equal(buildRoleArn('aws', '111122223333', 'R'), 'arn:aws:iam::111122223333:role/R');
  });
  it('GovCloud', () => {
    assert.equal(acsUrlFor('aws-us-gov'), 'https://signin.amazonaws-us-gov.com/saml');
    assert.equal(audienceFor('aws-us-gov'), 'urn:amazon:webservices:govcloud');
    assert.equal(buildRoleArn('aws-us-gov', '111122223333', 'R'), 'arn:aws-us-gov:iam::111122223333:role/R');
    assert.throws(() => acsUrlFor('aws-us-gov', 'us-gov-west-1'), RangeError);
  });
  it('China', () => {
    assert.equal(acsUrlFor('aws-cn'), 'https://signin.amazonaws.cn/saml');
    assert.equal(audienceFor('aws-cn'), 'urn:amazon:webservices:cn-north-1');
    assert.equal(buildRoleArn('aws-cn', '111122223333', 'R'), 'arn:aws-cn:iam::111122223333:role/R');
  });
  it('round-trips ACS and audience to partition', () => {
    for (const p of partitions) {
      assert.equal(partitionOfAcsUrl(acsUrlFor(p)), p);
      assert.equal(partitionOfAudience(audienceFor(p)), p);
    }
    assert.equal(partitionOfAcsUrl('https://ap-southeast-2.signin.aws.amazon.com/saml'), 'aws');
  });
  it('rejects regions that are not region names', () => {
    assert.throws(() => acsUrlFor('aws', 'evil.com/x'), RangeError);
    assert.throws(() => acsUrlFor('aws', ''), RangeError);
  });
  for (const url of [
    'https://signin.aws.amazon.com/saml/',
    'http://signin.aws.amazon.com/saml',
    'https://SIGNIN.aws.amazon.com/saml',
    'https://signin.aws.amazon.com/saml?x=1',
    'https://signin.aws.amazon.com.evil.com/saml',
    'https://evil.com/https://signin.aws.amazon.com/saml',
    'https://evil.signin.aws.amazon.com/saml',
    'https://eu-west-1.evil.signin.aws.amazon.com/saml',
    'https://signin.amazonaws-us-gov.com/saml/acs',
  ]) {
    it(`is not an AWS ACS: ${url}`, () => assert.equal(partitionOfAcsUrl(url), undefined));
  }
});
