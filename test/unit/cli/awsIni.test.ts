import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSectionName, listIniSections, readIniSection, setIniSection } from '../../../src/cli/login/awsIni.js';

const config = `# my AWS config
[default]
region = eu-west-1
output = json

; the production admin
[profile prod-admin]
region=us-east-1
s3 =
  max_concurrent_requests = 20
  signature_version = s3v4
credential_process = old command

# staging comes next
[profile  staging ]
region = eu-central-1
`;

test('reads a section; nested values and comments are not keys; whitespace in headers does not matter', () => {
  assert.deepEqual(readIniSection(config, 'default'), { region: 'eu-west-1', output: 'json' });
  assert.deepEqual(readIniSection(config, configSectionName('prod-admin')), { region: 'us-east-1', s3: '', credential_process: 'old command' });
  assert.deepEqual(readIniSection(config, 'profile staging'), { region: 'eu-central-1' });
  assert.equal(readIniSection(config, 'profile nope'), undefined);
  assert.deepEqual(listIniSections(config), ['default', 'profile prod-admin', 'profile staging']);
  assert.equal(configSectionName('default'), 'default');
  assert.equal(configSectionName('x'), 'profile x');
});

test('an edit changes only the named keys: replaced in place, removed, or added after the last key', () => {
  const out = setIniSection(config, 'profile prod-admin', { credential_process: 'gatehouse credential-process --profile prod-admin', gatehouse_url: 'https://idp.example.com', s3: undefined });
  assert.equal(out, `# my AWS config
[default]
region = eu-west-1
output = json

; the production admin
[profile prod-admin]
region=us-east-1
credential_process = gatehouse credential-process --profile prod-admin
gatehouse_url = https://idp.example.com

# staging comes next
[profile  staging ]
region = eu-central-1
`);
  assert.equal(setIniSection(out, 'profile prod-admin', {}), out, 'no change → same text');
});

test('a missing section is appended after a blank line; a missing file becomes a file', () => {
  assert.equal(setIniSection(config, 'profile new', { region: 'us-west-2' }), `${config}\n[profile new]\nregion = us-west-2\n`);
  assert.equal(setIniSection('', 'prod-ReadOnly', { aws_access_key_id: 'ASIA1' }), '[prod-ReadOnly]\naws_access_key_id = ASIA1\n');
  assert.equal(setIniSection('', 'x', { a: undefined }), '', 'only removals on a missing section: nothing to write');
});

test('CRLF files stay CRLF; a file without a final newline gets one', () => {
  assert.equal(setIniSection('[a]\r\nk = 1\r\n', 'a', { k: '2' }), '[a]\r\nk = 2\r\n');
  assert.equal(setIniSection('[a]\nk = 1', 'a', { j: '2' }), '[a]\nk = 1\nj = 2\n');
});

test('keys or values that would break the file are refused', () => {
  assert.throws(() => setIniSection('', 'a', { 'k\n[evil]': 'x' }), RangeError);
  assert.throws(() => setIniSection('', 'a', { k: 'x\n[default]\naws_access_key_id = AKIA' }), RangeError);
  assert.throws(() => setIniSection('', 'a', { '[k': 'x' }), RangeError);
});
