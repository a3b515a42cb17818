// The AWS lint runs before signing: a violation is a named error for the person and the admin, audited,
// and nothing is sent to AWS.
import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startSamlApp, type SamlTestApp } from '../../helpers/samlSetup.js';
import { writeDirectorySettings } from '../../../src/directory/directorySettings.js';

describe('AWS lint before signing', () => {
  let t: SamlTestApp;
  let aliceId: string;
  before(async () => {
    t = await startSamlApp();
    aliceId = (await t.ctx.store.users.findByUsername('alice'))!.id;
  });
  after(async () => { await t.close(); });
  beforeEach(async () => {
    await writeDirectorySettings(t.ctx.store, { sessionTags: ['CostCenter', 'Team'], transitiveTags: ['CostCenter'] });
    await t.ctx.store.users.update(aliceId, { attributes: { CostCenter: 'CC-1234' } }, t.clock.now());
  });

  async function expectLintError(form: Record<string, string>, rule: string): Promise<void> {
    const res = await t.agent.post('/aws/console').type('form').send({ _csrf: t.csrf, ...form });
    assert.equal(res.status, 422, res.text.slice(0, 500));
    assert.match(res.text, new RegExp(rule.replace(/\./g, '\\.')));
    assert.doesNotMatch(res.text, /SAMLResponse/);
    const [last] = await t.ctx.store.audit.list({ type: 'saml.assertion' });
    assert.equal(last?.outcome, 'failure');
    assert.equal(last?.reason, 'aws_lint_failed');
    assert.ok(JSON.stringify(last?.detail).includes(rule), JSON.stringify(last?.detail));
  }

  it('more than 50 session tags', async () => {
    const keys = Array.from({ length: 51 }, (_, i) => `Tag${i}`);
    await writeDirectorySettings(t.ctx.store, { sessionTags: keys, transitiveTags: [] });
    await t.ctx.store.users.update(aliceId, { attributes: Object.fromEntries(keys.map((k) => [k, 'v'])) }, t.clock.now());
    await expectLintError({ role: '111122223333/ReadOnly' }, 'tag.too_many');
  });

  it('two tag keys that differ only in case', async () => {
    await writeDirectorySettings(t.ctx.store, { sessionTags: ['CostCenter', 'costcenter'], transitiveTags: [] });
    await t.ctx.store.users.update(aliceId, { attributes: { CostCenter: 'a', costcenter: 'b' } }, t.clock.now());
    await expectLintError({ role: '111122223333/ReadOnly' }, 'tag.key.case_collision');
  });

  it('a tag value with a forbidden character', async () => {
    await t.ctx.store.users.update(aliceId, { attributes: { CostCenter: 'CC#1234' } }, t.clock.now());
    await expectLintError({ role: '111122223333/ReadOnly' }, 'tag.value.invalid');
  });

  it('a session duration out of range', async () => {
    const m = (await t.ctx.store.accounts.listMappings()).find((x) => x.roleName === 'ReadOnly')!;
    await t.ctx.store.accounts.updateMapping(m.id, { sessionDuration: 60, requireFactor: null, sourceIps: [] });
    try {
      await expectLintError({ role: '111122223333/ReadOnly' }, 'session_duration.out_of_range');
    } finally {
      await t.ctx.store.accounts.updateMapping(m.id, { sessionDuration: 7200, requireFactor: null, sourceIps: [] });
    }
  });

  it('a malformed role ARN (a comma in the role name)', async () => {
    const g = (await t.ctx.store.groups.findByName('platform-admins'))!;
    await t.ctx.store.accounts.addMapping({ id: randomUUID(), groupId: g.id, accountId: '111122223333', roleName: 'Bad,Role', sessionDuration: null, requireFactor: null, sourceIps: [] });
    await expectLintError({ role: '111122223333/Bad,Role' }, 'role.value.malformed');
  });

  it('a role name IAM refuses, written straight into the database: the ARN builder refuses it, audited, never a 500', async () => {
    const g = (await t.ctx.store.groups.findByName('platform-admins'))!;
    await t.ctx.store.accounts.addMapping({ id: randomUUID(), groupId: g.id, accountId: '111122223333', roleName: 'Ad min', sessionDuration: null, requireFactor: null, sourceIps: [] });
    await expectLintError({ role: '111122223333/Ad min' }, 'role.arn.malformed');
  });
});
