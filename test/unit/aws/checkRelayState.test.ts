import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRelayState } from '../../../src/aws/checkRelayState.js';
import { isGatehouseError } from '../../../src/errors.js';

const allow = ['https://console.aws.amazon.com/', 'https://*.console.aws.amazon.com/', 'https://console.amazonaws-us-gov.com/'];

test('console deep links on the allowlist pass unchanged', () => {
  for (const u of ['https://console.aws.amazon.com/ec2/home?region=eu-west-1', 'https://eu-west-1.console.aws.amazon.com/s3/', 'https://console.amazonaws-us-gov.com/']) {
    assert.equal(checkRelayState(u, allow), u);
  }
});

test('look-alikes, other schemes, user info and two-label wildcards are rejected', () => {
  for (const u of [
    'http://console.aws.amazon.com/', 'https://console.aws.amazon.com.evil.com/', 'https://evilconsole.aws.amazon.com/',
    'https://a.b.console.aws.amazon.com/', 'https://user:pw@console.aws.amazon.com/', 'https://console.aws.amazon.com:8443/',
    'javascript:alert(1)', '/relative', 'https://.console.aws.amazon.com/', 'https://console.aws.amazon.com' + '/x'.repeat(1100),
  ]) {
    assert.throws(() => checkRelayState(u, allow), (e) => isGatehouseError(e, 'relay_state_rejected'), u);
  }
});
