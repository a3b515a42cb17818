/**
 * One trust policy: `gatehouse aws trust-policy` (the real CLI, a child process on the same SQLite file), the
 * console's account page (the text its Copy button copies) and the admin API give the same document for each
 * role — with the factor check for a role that requires one, and both sign-in endpoints of a regional account.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../helpers/app.js';
import { signInAdmin, type SignedInAdmin } from '../../helpers/admin.js';
import { runProcess } from '../../helpers/runProcess.js';
import { gatehouseArgs } from '../../helpers/gatehouseBin.js';

const root = new URL('../../../', import.meta.url).pathname;
const unescapeHtml = (s: string): string => s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

describe('the trust policy has one source: CLI, console and API agree', () => {
  let t: TestApp;
  let admin: SignedInAdmin;

  before(async () => {
    t = await startTestApp({ db: 'sqlite' });
    admin = await signInAdmin(t);
    const send = (method: 'post' | 'patch', url: string, body: object) => admin.agent[method](url).set('x-csrf-token', admin.csrf).send(body).expect(method === 'post' ? 201 : 200);
    await send('post', '/api/v1/admin/accounts', { id: '444455556666', alias: 'staging', provider: 'GatehouseStaging', region: 'eu-west-1' });
    await send('post', '/api/v1/admin/groups', { name: 'devs' });
    await send('post', '/api/v1/admin/groups', { name: 'oncall' });
    await send('post', '/api/v1/admin/groups/devs/mappings', { account: 'staging', role: 'team/Deployer', requireFactor: 'webauthn' });
    await send('post', '/api/v1/admin/groups/oncall/mappings', { account: 'staging', role: 'team/Deployer', requireFactor: 'totp' });
    await send('post', '/api/v1/admin/groups/devs/mappings', { account: 'staging', role: 'ReadOnly' });
  });
  after(async () => { await t.close(); });

  const cli = async (role: string): Promise<unknown> => {
    const r = await runProcess(process.execPath, gatehouseArgs(['aws', 'trust-policy', '--account', 'staging', '--role', role]), {
      cwd: root, env: { PATH: process.env.PATH, HOME: root, GATEHOUSE_DATABASE_URL: t.ctx.config.database.url, GATEHOUSE_SECRET_KEY: t.ctx.config.secrets.key ?? '' },
    });
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };

  it('for a role that requires a factor and one that does not', async () => {
    const page = (await admin.agent.get('/admin/accounts/staging').expect(200)).text;
    const shown = [...page.matchAll(/<pre id="policy-\d+"[^>]*>([\s\S]*?)<\/pre>/g)].map((m) => JSON.parse(unescapeHtml(m[1]!)) as unknown);
    assert.equal(shown.length, 2, 'one policy per mapped role (ReadOnly, team/Deployer)');
    for (const [i, role] of ['ReadOnly', 'team/Deployer'].entries()) {
      const api = (await admin.agent.get(`/api/v1/admin/accounts/staging/trust-policy?role=${encodeURIComponent(role)}`).expect(200)).body.policy;
      assert.deepEqual(await cli(role), api, `${role}: the CLI prints the API's policy`);
      assert.deepEqual(shown[i], api, `${role}: the console shows the API's policy`);
      const download = await admin.agent.get(`/admin/accounts/staging/trust-policy.json?role=${encodeURIComponent(role)}`).expect(200);
      assert.deepEqual(JSON.parse(download.text), api, `${role}: the download is the API's policy`);
    }
    const deployer = await cli('team/Deployer') as { Statement: { Condition: { StringEquals: Record<string, unknown> } }[] };
    assert.deepEqual(deployer.Statement[1]?.Condition.StringEquals, {
      'SAML:aud': ['https://signin.aws.amazon.com/saml', 'https://eu-west-1.signin.aws.amazon.com/saml'],
      'aws:RequestTag/AuthMethod': ['totp', 'webauthn'],
    });
  });
});
