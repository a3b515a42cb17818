// Issue 7, point 11: checkRelayState returns the URL it checked (the WHATWG parse, serialised), which is what
// the caller forwards to AWS, so a look-alike typed one way cannot be read another way downstream.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRelayState } from '../../../src/aws/checkRelayState.js';
import { isGatehouseError } from '../../../src/errors.js';

const allow = ['https://console.aws.amazon.com/', 'https://*.console.aws.amazon.com/', 'https://console.amazonaws-us-gov.com/'];

test('look-alikes that parse onto the allowlist come back normalised, never as typed', () => {
  const cases: [string, string][] = [
    ['https://console.aws.amazon.com\\evil.com/', 'https://console.aws.amazon.com/evil.com/'],
    ['https://console.aws.amazon.com\\\\evil.com\\x', 'https://console.aws.amazon.com//evil.com/x'],
    ['https://console.aws.amazon\t.com/s3/', 'https://console.aws.amazon.com/s3/'],
    ['https://console.aws.amazon.com/s3/\n?region=eu-west-1', 'https://console.aws.amazon.com/s3/?region=eu-west-1'],
    ['  https://console.aws.amazon.com/ ', 'https://console.aws.amazon.com/'],
    ['HTTPS://CONSOLE.AWS.AMAZON.COM/EC2/', 'https://console.aws.amazon.com/EC2/'],
    ['https://EU-WEST-1.Console.Aws.Amazon.Com/', 'https://eu-west-1.console.aws.amazon.com/'],
    ['https://console%2Eaws%2Eamazon%2Ecom/', 'https://console.aws.amazon.com/'],
    ['https://console.aws.amazon.com:443/iam/', 'https://console.aws.amazon.com/iam/'],
    ['https://console.aws.amazon.com/a/../../b', 'https://console.aws.amazon.com/b'],
    ['https://console.aws.amazon.com/é "x"', 'https://console.aws.amazon.com/%C3%A9%20%22x%22'],
  ];
  for (const [typed, normalised] of cases) {
    const got = checkRelayState(typed, allow);
    assert.equal(got, normalised, JSON.stringify(typed));
    assert.equal(new URL(got).href, got, 'what is returned is already in its parsed form');
  }
});

test('look-alikes whose parsed host is not on the allowlist are refused', () => {
  for (const u of [
    'https://console.aws.amazon.com@evil.com/', 'https://evil.com@console.aws.amazon.com/', 'https://evil.com\\@console.aws.amazon.com/',
    'https://console.aws.amazon.com%2Eevil.com/', 'https://console.aws.amazon.com\t.evil.com/', 'https://console.aws.amazon.com\n.evil.com/',
    'https://console.aws.amazon.com%2F@evil.com/', 'https://console.aws.amazon.com%40evil.com/', 'https:\\\\evil.com\\console.aws.amazon.com/',
    'https://xn--console-.aws.amazon.com/', 'https://console.aws.amazon.com.evil.com/', 'https://console.aws.amazon.com./', 'https://console%2Eaws%2Eamazon%2Ecom%2Eevil%2Ecom/',
  ]) {
    assert.throws(() => checkRelayState(u, allow), (e) => isGatehouseError(e, 'relay_state_rejected'), JSON.stringify(u));
  }
});

test('the normalised form is held to the same length limit', () => {
  assert.throws(() => checkRelayState(`https://console.aws.amazon.com/${'é'.repeat(400)}`, allow), (e) => isGatehouseError(e, 'relay_state_rejected'));
});
