/**
 * Issue 7, point 11: an AWS RelayState such as `https://console.aws.amazon.com\evil.com/` was checked in its
 * parsed form but forwarded as typed. The auto-POST form (and the GET confirmation page) now carry the
 * normalised URL that was checked.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { parseAutoPost } from '../../helpers/verifySamlResponse.js';

const lookAlikes: [string, string][] = [
  ['https://console.aws.amazon.com\\evil.com/', 'https://console.aws.amazon.com/evil.com/'],
  ['HTTPS://CONSOLE.AWS.AMAZON.COM/ec2/', 'https://console.aws.amazon.com/ec2/'],
  ['https://console%2Eaws%2Eamazon%2Ecom/s3/', 'https://console.aws.amazon.com/s3/'],
  ['https://eu-west-1.console.aws.amazon.com:443/iam/../ec2/', 'https://eu-west-1.console.aws.amazon.com/ec2/'],
];

for (const db of ['sqlite', 'postgres'] as const) describe(`AWS RelayState is forwarded as checked (${db})`, () => {
  let t: SamlTestApp;
  before(async () => { t = await startSamlApp({ db }); });
  after(async () => { await t.close(); });

  it('POST /aws/console: the auto-POST form carries the normalised URL', async () => {
    for (const [typed, normalised] of lookAlikes) {
      const res = await t.agent.post('/aws/console').type('form').send({ _csrf: t.csrf, role: '111122223333/ReadOnly', relay_state: typed }).expect(200);
      assert.equal(parseAutoPost(res.text).relayState, normalised, typed);
    }
  });

  it('GET /aws/console: the confirmation form carries the normalised URL', async () => {
    for (const [typed, normalised] of lookAlikes) {
      const page = await t.agent.get(`/aws/console?role=111122223333%2FReadOnly&relay_state=${encodeURIComponent(typed)}`).expect(200);
      const value = /name="relay_state" value="([^"]*)"/.exec(page.text)?.[1]?.replace(/&#39;/g, '\'').replace(/&amp;/g, '&');
      assert.equal(value, normalised, typed);
    }
  });

  it('look-alikes with user info, tab or newline are refused', async () => {
    for (const typed of ['https://console.aws.amazon.com@evil.com/', 'https://evil.com@console.aws.amazon.com/']) {
      const res = await t.agent.post('/aws/console').set('accept', 'application/json').type('form').send({ _csrf: t.csrf, role: '111122223333/ReadOnly', relay_state: typed }).expect(400);
      assert.equal(res.body.error.code, 'relay_state_rejected', typed);
    }
    for (const typed of ['https://console.aws.amazon.com\t.evil.com/', 'https://console.aws.amazon.com/\nx']) {
      const res = await t.agent.post('/aws/console').set('accept', 'application/json').type('form').send({ _csrf: t.csrf, role: '111122223333/ReadOnly', relay_state: typed }).expect(400);
      assert.equal(res.body.error.code, 'validation_failed', JSON.stringify(typed));
    }
  });
});
