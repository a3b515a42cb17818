// The directory file refuses everything the AWS lint would refuse: for generated files, either
// parseDirectoryFile refuses the file (with file:line), or every person in it gets assertions that
// buildAwsAttributes builds and lintAwsAssertion passes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { buildAwsAttributes } from '../../../src/aws/buildAwsAttributes.js';
import { lintAwsAssertion } from '../../../src/aws/lintAwsAssertion.js';
import { acsUrlFor, audienceFor } from '../../../src/aws/partitions.js';
import { normaliseRoleName } from '../../../src/aws/roleName.js';
import { parseDirectoryFile, type DirectoryFile } from '../../../src/directory/directoryFile.js';
import { entitlementsFor, type EntitledRole } from '../../../src/directory/entitlementsFor.js';
import { isGatehouseError } from '../../../src/errors.js';

const chars = fc.constantFrom('a', 'T', 'e', 'M', 'é', '東', ' ', ',', '#', ':', 'w', 's', '/', '=', '+', '-', '@', '_', '.', '&');
const tagKey = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom('Team', 'CostCenter', 'Project', 'Zürich Ops', 'k'.repeat(128)) },
  { weight: 2, arbitrary: fc.constantFrom('team', 'TEAM', 'AuthMethod', 'authmethod', 'aws:Team', 'AWS:x', 'k'.repeat(129), 'a,b', '') },
  { weight: 1, arbitrary: fc.string({ unit: chars, maxLength: 5 }) },
);
const tagValue = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom('core', 'CC-1234', '', 'x'.repeat(256), 'a b/c:d=e+f-g@h_i.j') },
  { weight: 1, arbitrary: fc.constantFrom('x'.repeat(257), 'a&b', 'a;b', 'a<b') },
  { weight: 1, arbitrary: fc.string({ unit: chars, maxLength: 5 }) },
);
const roleName = fc.oneof(
  { weight: 30, arbitrary: fc.constantFrom('Admin', '/Admin', 'team/Admin', '/team/a/Dev', 'R+=.@-_', 'x'.repeat(64)) },
  { weight: 2, arbitrary: fc.constantFrom('A,B', 'Ad min', 'a//b', 'x'.repeat(65), '', '/', 'team/', 'a/b,c/D') },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('a', 'B', '/', ',', ' ', '+', '.', '-'), maxLength: 6 }) },
);
const duration = fc.option(fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(900, 3600, 43200) },
  { weight: 1, arbitrary: fc.constantFrom(899, 43201, 0, 3600.5) },
), { nil: undefined });

const groupNames = ['g0', 'g1', 'g2'];
const fileArb = fc.record({
  session_tags: fc.uniqueArray(tagKey, { maxLength: 4, selector: (k) => k.toLowerCase() }),
  transitive: fc.uniqueArray(fc.nat(5), { maxLength: 2 }),
  groups: fc.tuple(...groupNames.map(() => fc.record({
    tags: fc.dictionary(tagKey, tagValue, { maxKeys: 3 }),
    roles: fc.uniqueArray(fc.record({ role: roleName, session_duration: duration }), { minLength: 1, maxLength: 2, selector: (r) => normaliseRoleName(r.role) }),
  }))),
  users: fc.array(fc.record({
    attributes: fc.array(fc.tuple(fc.oneof(fc.nat(5), tagKey), tagValue), { maxLength: 4 }),
    groups: fc.subarray(groupNames),
  }), { minLength: 1, maxLength: 2 }),
});
type FileSpec = typeof fileArb extends fc.Arbitrary<infer T> ? T : never;

function toYaml(spec: FileSpec): string {
  // Indexes past the end pick no tag (transitive_tags) or a tag that is no session tag (attributes).
  const pick = (i: number, fallback: string): string => spec.session_tags[i] ?? fallback;
  return stringify({
    session_tags: spec.session_tags,
    transitive_tags: spec.transitive.filter((i) => i < spec.session_tags.length || i === 5).map((i) => pick(i, 'Team')),
    accounts: [{ id: '111122223333', alias: 'prod', provider: 'Gatehouse' }],
    groups: spec.groups.map((g, i) => ({
      name: groupNames[i], tags: g.tags,
      roles: g.roles.map((r) => ({ account: 'prod', role: r.role, ...(r.session_duration === undefined ? {} : { session_duration: r.session_duration }) })),
    })),
    users: spec.users.map((u, i) => ({
      username: `user${i}`,
      attributes: Object.fromEntries(u.attributes.map(([k, v]) => [typeof k === 'number' ? pick(k, 'Project') : k, v])),
      groups: u.groups,
    })),
  });
}

/** Every assertion the file allows, linted: [] when AWS would take them all. */
function lintEveryone(data: DirectoryFile): string[] {
  const accounts = data.accounts.map((a) => ({ id: a.id, alias: a.alias, partition: a.partition, providerName: a.provider, region: a.region ?? null }));
  const groups = data.groups.map((g) => ({ id: g.name, name: g.name, tags: g.tags }));
  const mappings = data.groups.flatMap((g) => g.roles.map((r, j) => ({
    id: `${g.name}/${j}`, groupId: g.name, accountId: accounts.find((a) => a.alias === r.account || a.id === r.account)!.id,
    roleName: normaliseRoleName(r.role), sessionDuration: r.session_duration ?? null, requireFactor: r.require ?? null, sourceIps: r.source_ips,
  })));
  const settings = { sessionTags: data.session_tags ?? [], transitiveTags: data.transitive_tags ?? [] };
  const found: string[] = [];
  for (const u of data.users) {
    const ent = entitlementsFor(
      { person: { id: u.username, username: u.username, status: u.status, attributes: u.attributes }, groups: groups.filter((g) => u.groups.includes(g.name)), mappings, accounts, settings },
      { now: 0, sourceIp: '192.0.2.1', factorsUsed: ['webauthn'] },
    );
    const allowed = ent.roles.filter((r) => r.allowedNow);
    // The console sends one role, or all of them for AWS's role picker (with the shortest duration set).
    for (const roles of [...allowed.map((r) => [r]), allowed].filter((rs: EntitledRole[]) => rs.length > 0)) {
      const durations = roles.map((r) => r.sessionDuration).filter((d): d is number => d !== null);
      const attributes = buildAwsAttributes({
        roles: roles.map((r) => ({ account: r.account, roleName: r.roleName })), username: u.username,
        ...(durations.length > 0 ? { sessionDuration: Math.min(...durations) } : {}),
        tags: ent.tags, transitiveTagKeys: ent.transitiveTagKeys, authMethod: 'webauthn',
      });
      const model = { issuer: 'https://idp.example.com', acsUrl: acsUrlFor('aws'), audience: audienceFor('aws'), nameId: u.username, lifetimeSeconds: 300, attributes };
      found.push(...lintAwsAssertion(model).map((v) => `${u.username}: ${v.rule}: ${v.message}`));
    }
  }
  return found;
}

describe('the directory file refuses what the AWS lint refuses', () => {
  it('generated files: refused with file:line, or every assertion they allow passes the lint', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(fc.property(fileArb, (spec) => {
      const text = toYaml(spec);
      let data: DirectoryFile;
      try {
        data = parseDirectoryFile(text, 'd.yaml').data;
      } catch (e) {
        assert.ok(isGatehouseError(e, 'directory_invalid'), String(e));
        for (const line of e.message.split('\n')) assert.match(line, /^d\.yaml:\d+: /);
        refused += 1;
        return;
      }
      accepted += 1;
      assert.deepEqual(lintEveryone(data), [], text);
    }), { numRuns: 400 });
    // Both outcomes must be common, or the property proves little.
    assert.ok(accepted >= 40 && refused >= 40, `accepted ${accepted}, refused ${refused}`);
  });
});
