import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { entitlementsFor, explainEntitlements, ipInRanges, type EntitlementsContext, type EntitlementsInput } from '../../../src/directory/entitlementsFor.js';
import type { RoleMapping } from '../../../src/store/repositories/accounts.js';

const prod = { id: '111122223333', alias: 'prod', partition: 'aws' as const, providerName: 'Gatehouse', region: null };
const dev = { id: '444455556666', alias: 'dev', partition: 'aws' as const, providerName: 'Gatehouse', region: null };
const mapping = (id: string, groupId: string, accountId: string, roleName: string, extra: Partial<RoleMapping> = {}): RoleMapping =>
  ({ id, groupId, accountId, roleName, sessionDuration: null, requireFactor: null, sourceIps: [], ...extra });

function input(over: Partial<EntitlementsInput> = {}): EntitlementsInput {
  return {
    person: { id: 'u1', username: 'alice', status: 'active', attributes: { CostCenter: 'CC-1234', Secret: 'not-a-tag' } },
    groups: [{ id: 'g1', name: 'platform-admins', tags: { Team: 'platform' } }, { id: 'g2', name: 'developers', tags: {} }],
    mappings: [
      mapping('m1', 'g1', prod.id, 'Admin', { sessionDuration: 3600, requireFactor: 'webauthn' }),
      mapping('m2', 'g1', prod.id, 'ReadOnly'),
      mapping('m3', 'g2', dev.id, 'Developer', { sourceIps: ['10.0.0.0/8', '2001:db8::/32'] }),
      mapping('m4', 'g9', dev.id, 'NotMine'),
    ],
    accounts: [prod, dev],
    settings: { sessionTags: ['CostCenter', 'Team'], transitiveTags: ['CostCenter'] },
    ...over,
  };
}
const ctx = (over: Partial<EntitlementsContext> = {}): EntitlementsContext => ({ now: 1_700_000_000_000, sourceIp: '10.1.2.3', factorsUsed: ['webauthn'], ...over });
const summary = (e: ReturnType<typeof entitlementsFor>): string[] =>
  e.roles.map((r) => `${r.account.alias}/${r.roleName}:${r.allowedNow ? 'ok' : r.reason}`);

describe('entitlementsFor', () => {
  it('lists the roles of every group of the person, sorted, and only theirs', () => {
    const e = entitlementsFor(input(), ctx());
    assert.deepEqual(summary(e), ['dev/Developer:ok', 'prod/Admin:ok', 'prod/ReadOnly:ok']);
    const admin = e.roles.find((r) => r.roleName === 'Admin')!;
    assert.equal(admin.sessionDuration, 3600);
    assert.equal(admin.requireFactor, 'webauthn');
    assert.deepEqual(admin.groups, ['platform-admins']);
    assert.equal(admin.account.providerName, 'Gatehouse');
  });

  it('a role that requires WebAuthn is not allowed after TOTP: reason factor_required', () => {
    const e = entitlementsFor(input(), ctx({ factorsUsed: ['totp'] }));
    assert.deepEqual(summary(e), ['dev/Developer:ok', 'prod/Admin:factor_required', 'prod/ReadOnly:ok']);
  });

  it('require totp is met by TOTP or WebAuthn, not by a recovery code', () => {
    const i = input({ mappings: [mapping('m1', 'g1', prod.id, 'Admin', { requireFactor: 'totp' }), mapping('m2', 'g1', prod.id, 'ReadOnly')] });
    assert.deepEqual(summary(entitlementsFor(i, ctx({ factorsUsed: ['totp'] }))), ['prod/Admin:ok', 'prod/ReadOnly:ok']);
    assert.deepEqual(summary(entitlementsFor(i, ctx({ factorsUsed: ['webauthn'] }))), ['prod/Admin:ok', 'prod/ReadOnly:ok']);
    assert.deepEqual(summary(entitlementsFor(i, ctx({ factorsUsed: ['recovery'] }))), ['prod/Admin:factor_required', 'prod/ReadOnly:ok']);
  });

  it('no second factor at all: nothing is allowed now', () => {
    assert.deepEqual(summary(entitlementsFor(input(), ctx({ factorsUsed: [] }))), ['dev/Developer:factor_required', 'prod/Admin:factor_required', 'prod/ReadOnly:factor_required']);
  });

  it('source IP ranges: IPv4, IPv6, IPv4-mapped IPv6, outside, unknown', () => {
    const dev = (ip: string | undefined): string | undefined => summary(entitlementsFor(input(), ctx({ sourceIp: ip })))[0];
    assert.equal(dev('10.255.0.1'), 'dev/Developer:ok');
    assert.equal(dev('2001:db8:1::5'), 'dev/Developer:ok');
    assert.equal(dev('::ffff:10.0.0.7'), 'dev/Developer:ok');
    assert.equal(dev('192.0.2.1'), 'dev/Developer:source_ip');
    assert.equal(dev('2001:db9::1'), 'dev/Developer:source_ip');
    assert.equal(dev(undefined), 'dev/Developer:source_ip');
    assert.equal(dev('not an ip'), 'dev/Developer:source_ip');
  });

  it('ipInRanges: bare addresses and empty lists', () => {
    assert.equal(ipInRanges('192.0.2.1', ['192.0.2.1']), true);
    assert.equal(ipInRanges('192.0.2.2', ['192.0.2.1']), false);
    assert.equal(ipInRanges(undefined, []), true);
    assert.equal(ipInRanges('::1', ['::1/128']), true);
  });

  it('a source-IP refusal is not hidden by a factor requirement, and a step-up is preferred over it', () => {
    const i = input({ mappings: [
      mapping('a', 'g1', prod.id, 'Admin', { sourceIps: ['10.0.0.0/8'] }),
      mapping('b', 'g2', prod.id, 'Admin', { requireFactor: 'webauthn' }),
    ] });
    const e = entitlementsFor(i, ctx({ sourceIp: '192.0.2.1', factorsUsed: ['totp'] }));
    assert.deepEqual(summary(e), ['prod/Admin:factor_required']);
    assert.deepEqual(e.roles[0]!.groups, ['developers', 'platform-admins']);
    assert.deepEqual(summary(entitlementsFor(i, ctx({ sourceIp: '192.0.2.1', factorsUsed: ['webauthn'] }))), ['prod/Admin:ok']);
  });

  it('one role through two groups: an allowed mapping wins, then the longest session', () => {
    const i = input({ mappings: [
      mapping('a', 'g1', prod.id, 'Admin', { sessionDuration: 7200, requireFactor: 'webauthn' }),
      mapping('b', 'g2', prod.id, 'Admin', { sessionDuration: 900 }),
    ] });
    const withTotp = entitlementsFor(i, ctx({ factorsUsed: ['totp'] })).roles;
    assert.equal(withTotp.length, 1);
    assert.equal(withTotp[0]!.allowedNow, true);
    assert.equal(withTotp[0]!.sessionDuration, 900);
    const withKey = entitlementsFor(i, ctx({ factorsUsed: ['webauthn'] })).roles[0]!;
    assert.equal(withKey.sessionDuration, 7200);
    assert.equal(withKey.requireFactor, 'webauthn');
  });

  it('tags: session-tag attributes plus group tags; other attributes are not sent', () => {
    const e = entitlementsFor(input(), ctx());
    assert.deepEqual(e.tags, { CostCenter: 'CC-1234', Team: 'platform' });
    assert.deepEqual(e.transitiveTagKeys, ['CostCenter']);
    assert.deepEqual(e.tagConflicts, []);
  });

  it('tags: the person attribute wins over a group tag with the same key', () => {
    const i = input({ person: { id: 'u1', username: 'alice', status: 'active', attributes: { Team: 'mine' } },
      groups: [{ id: 'g1', name: 'platform-admins', tags: { Team: 'platform', costcenter: 'CC-9' } }] });
    const e = entitlementsFor(i, ctx());
    assert.deepEqual(e.tags, { Team: 'mine', costcenter: 'CC-9' });
    assert.deepEqual(e.transitiveTagKeys, ['costcenter']);
    assert.deepEqual(e.tagConflicts, []);
  });

  it('tags: keys that differ only in case are both kept, so the AWS lint names the collision (never a silent drop)', () => {
    const i = input({ person: { id: 'u1', username: 'alice', status: 'active', attributes: { Team: 'mine' } },
      groups: [{ id: 'g1', name: 'platform-admins', tags: { team: 'platform' } }] });
    assert.deepEqual(entitlementsFor(i, ctx()).tags, { Team: 'mine', team: 'platform' });
  });

  it('tags: two groups disagreeing → the group whose name sorts first wins, and the conflict is reported', () => {
    const groups: EntitlementsInput['groups'] = [
      { id: 'g1', name: 'zeta', tags: { Team: 'z' } },
      { id: 'g2', name: 'alpha', tags: { Team: 'a' } },
      { id: 'g3', name: 'beta', tags: { Team: 'b', Env: 'prod' } },
    ];
    const e = entitlementsFor(input({ groups, person: { id: 'u1', username: 'a', status: 'active', attributes: {} } }), ctx());
    assert.deepEqual(e.tags, { Team: 'a', Env: 'prod' });
    assert.deepEqual(e.tagConflicts, [{ key: 'Team', chosen: { group: 'alpha', value: 'a' }, ignored: [{ group: 'beta', value: 'b' }, { group: 'zeta', value: 'z' }] }]);
    // the order of the input does not matter
    assert.deepEqual(entitlementsFor(input({ groups: [...groups].reverse(), person: { id: 'u1', username: 'a', status: 'active', attributes: {} } }), ctx()).tags, e.tags);
    assert.deepEqual(e.transitiveTagKeys, []);
  });

  it('a disabled person gets no roles and no tags', () => {
    const e = entitlementsFor(input({ person: { id: 'u1', username: 'alice', status: 'disabled', attributes: { CostCenter: 'x' } } }), ctx());
    assert.deepEqual(e, { roles: [], tags: {}, transitiveTagKeys: [], tagConflicts: [] });
  });

  it('mappings into an unknown account are ignored', () => {
    const e = entitlementsFor(input({ accounts: [prod] }), ctx());
    assert.deepEqual(summary(e), ['prod/Admin:ok', 'prod/ReadOnly:ok']);
  });
});

describe('explainEntitlements (the same decision, with its reasons)', () => {
  it('entitlementsFor is explainEntitlements without the reasons, in every context', () => {
    for (const c of [ctx(), ctx({ factorsUsed: ['totp'] }), ctx({ factorsUsed: [] }), ctx({ sourceIp: '192.0.2.1' }), ctx({ sourceIp: undefined, factorsUsed: ['recovery'] })]) {
      const e = explainEntitlements(input(), c);
      const plain = entitlementsFor(input(), c);
      assert.deepEqual(e.roles.map(({ mappings: _m, ...r }) => r), plain.roles);
      assert.deepEqual(Object.fromEntries(e.tags.map((t) => [t.key, t.value])), plain.tags);
      assert.deepEqual([e.transitiveTagKeys, e.tagConflicts], [plain.transitiveTagKeys, plain.tagConflicts]);
    }
  });

  it('every mapping of a role with every rule it fails, and which one is chosen', () => {
    const i = input({
      mappings: [
        mapping('m1', 'g1', prod.id, 'Admin', { requireFactor: 'webauthn', sourceIps: ['10.0.0.0/8'] }),
        mapping('m2', 'g2', prod.id, 'Admin', { requireFactor: 'totp', sessionDuration: 7200 }),
      ],
    });
    const e = explainEntitlements(i, ctx({ factorsUsed: ['totp'], sourceIp: '192.0.2.1' }));
    const admin = e.roles[0]!;
    assert.deepEqual([admin.allowedNow, admin.sessionDuration], [true, 7200]);
    assert.deepEqual(admin.mappings.map((m) => [m.group, m.blockedBy, m.chosen]), [['developers', [], true], ['platform-admins', ['source_ip', 'factor_required'], false]]);
  });

  it('tags say where they come from; a disabled person is blocked with every role and would-be tags listed', () => {
    const e = explainEntitlements(input(), ctx());
    assert.deepEqual(e.tags, [{ key: 'CostCenter', value: 'CC-1234', group: null }, { key: 'Team', value: 'platform', group: 'platform-admins' }]);
    const off = explainEntitlements(input({ person: { id: 'u1', username: 'alice', status: 'disabled', attributes: {} } }), ctx());
    assert.equal(off.blocked, 'disabled');
    assert.ok(off.roles.length === 3 && off.roles.every((r) => !r.allowedNow && r.reason === 'disabled' && r.mappings.every((m) => m.blockedBy[0] === 'disabled')));
    assert.deepEqual(entitlementsFor(input({ person: { id: 'u1', username: 'alice', status: 'disabled', attributes: {} } }), ctx()).roles, []);
  });
});
