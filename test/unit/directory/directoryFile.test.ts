import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseDirectoryFile } from '../../../src/directory/directoryFile.js';
import { isGatehouseError } from '../../../src/errors.js';

const example = readFileSync(new URL('../../../examples/directory.yaml', import.meta.url), 'utf8');

/** The errors of a refused file, as `line: message` strings. */
function errorsOf(text: string): string[] {
  try {
    parseDirectoryFile(text, 'd.yaml');
  } catch (e) {
    assert.ok(isGatehouseError(e, 'directory_invalid'), String(e));
    const lines = e.message.split('\n');
    for (const l of lines) assert.match(l, /^d\.yaml:\d+: .+/);
    return lines.map((l) => l.slice('d.yaml:'.length));
  }
  assert.fail('file was accepted');
}

const base = `accounts:
  - {id: "111122223333", alias: prod, provider: Gatehouse}
groups:
  - name: admins
    roles:
      - {account: prod, role: Admin}
users:
  - username: alice
    groups: [admins]
`;

describe('parseDirectoryFile', () => {
  it('imports the DESIGN.md example as-is', () => {
    const { data } = parseDirectoryFile(example, 'examples/directory.yaml');
    assert.deepEqual(data.session_tags, ['CostCenter', 'Team']);
    assert.deepEqual(data.transitive_tags, ['CostCenter']);
    assert.deepEqual(data.accounts, [{ id: '111122223333', alias: 'prod', provider: 'Gatehouse', partition: 'aws' }]);
    const g = data.groups[0]!;
    assert.equal(g.name, 'platform-admins');
    assert.deepEqual(g.tags, { Team: 'platform' });
    assert.deepEqual(g.roles, [
      { account: 'prod', role: 'Admin', session_duration: 3600, require: 'webauthn', source_ips: [] },
      { account: 'prod', role: 'ReadOnly', source_ips: [] },
    ]);
    const u = data.users[0]!;
    assert.equal(u.username, 'alice');
    assert.equal(u.password, 'correct horse battery staple');
    assert.equal(u.status, 'active');
    assert.deepEqual(u.attributes, { CostCenter: 'CC-1234' });
    assert.deepEqual(u.totp, { secret: 'JBSWY3DPEHPK3PXP', name: 'phone' });
  });

  it('accepts an empty file and all optional fields', () => {
    assert.deepEqual(parseDirectoryFile('', 'e.yaml').data, { accounts: [], groups: [], users: [] });
    const { data } = parseDirectoryFile(`accounts:
  - {id: 111122223333, alias: gov, provider: Gh.Provider_1, partition: aws-us-gov}
  - {id: "012345678901", alias: eu, provider: G, region: eu-west-1}
groups:
  - name: ops
    description: Operations
    roles:
      - {account: "012345678901", role: ops/Admin, source_ips: [10.0.0.0/8, "2001:db8::/32", 192.0.2.1], require: totp, session_duration: 43200}
users:
  - {username: Bob.Smith@corp, status: disabled, password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNo"}
`, 'f.yaml');
    assert.equal(data.accounts[0]!.id, '111122223333');
    assert.equal(data.accounts[1]!.region, 'eu-west-1');
    assert.deepEqual(data.groups[0]!.roles[0]!.source_ips, ['10.0.0.0/8', '2001:db8::/32', '192.0.2.1']);
    assert.equal(data.users[0]!.status, 'disabled');
  });

  it('lineOf points into the file', () => {
    const p = parseDirectoryFile(example, 'x.yaml');
    assert.equal(p.lineOf(['users', 0, 'email']), 13);
    assert.equal(p.lineOf(['groups', 0, 'roles', 1]), 10);
    assert.equal(p.lineOf(['users', 0, 'nope', 'deeper']), 12);
  });

  const broken: [string, string, RegExp][] = [
    ['unknown group in a user', base.replace('groups: [admins]', 'groups: [admins, devs]'), /^9: unknown group "devs"/],
    ['unknown group, case differs', base.replace('groups: [admins]', 'groups: [Admins]'), /^9: unknown group "Admins" \(did you mean "admins"\?\)/],
    ['unknown account in a role', base.replace('{account: prod,', '{account: staging,'), /^6: unknown account "staging"/],
    ['bad account id', base.replace('"111122223333"', '"11112222333"'), /^2: id: must be exactly 12 digits/],
    ['account id with letters', base.replace('"111122223333"', '"11112222333x"'), /^2: id: must be exactly 12 digits/],
    ['bad ARN characters in a role name', base.replace('role: Admin', 'role: "Admin Role!"'), /^6: role: must be an IAM role name/],
    ['region outside the aws partition', base.replace('provider: Gatehouse}', 'provider: Gatehouse, partition: aws-cn, region: cn-north-1}'), /^2: region: only the aws partition/],
    ['bad provider name', base.replace('provider: Gatehouse', 'provider: "Gate house"'), /^2: provider: must be an IAM SAML provider name/],
    ['duplicate user, case-insensitive', `${base}  - username: Alice\n`, /^10: duplicate user "Alice"/],
    ['duplicate group', base.replace('users:', '  - name: admins\nusers:'), /^7: group "admins" is listed twice/],
    ['duplicate account alias', base.replace('groups:', '  - {id: "444455556666", alias: prod, provider: G}\ngroups:'), /^3: account alias "prod" is used twice/],
    ['unknown top-level key', `${base}extra: 1\n`, /^10: unknown field "extra"/],
    ['unknown nested key', base.replace('role: Admin}', 'role: Admin, duration: 5}'), /^6: unknown field "duration" in role/],
    ['unknown user key', base.replace('  - username: alice', '  - username: alice\n    mail: a@b.c'), /^9: unknown field "mail" in user/],
    ['bad CIDR', base.replace('role: Admin}', 'role: Admin, source_ips: [10.0.0.0/33]}'), /^6: source_ips item 1: must be an IPv4 or IPv6 CIDR/],
    ['session duration too short', base.replace('role: Admin}', 'role: Admin, session_duration: 899}'), /^6: session_duration: must be at least 900/],
    ['session duration too long', base.replace('role: Admin}', 'role: Admin, session_duration: 43201}'), /^6: session_duration: must be at most 43200/],
    ['bad require', base.replace('role: Admin}', 'role: Admin, require: sms}'), /^6: require: must be totp or webauthn/],
    ['tag key outside the AWS charset', `session_tags: ["Cost#Center"]\n${base}`, /^1: session_tags item 1: must be 1–128 letters/],
    ['tag key with aws: prefix', base.replace('  - name: admins', '  - name: admins\n    tags: {"aws:x": y}'), /^5: tags key "aws:x": must be 1–128/],
    ['tag value outside the charset', base.replace('  - name: admins', '  - name: admins\n    tags: {Team: "a;b"}'), /^5: tags.Team: must be at most 256/],
    ['transitive tag not in session_tags', `session_tags: [Team]\ntransitive_tags: [CostCenter]\n${base}`, /^2: transitive tag "CostCenter" is not in session_tags/],
    ['session tags colliding by case', `session_tags: [Team, team]\n${base}`, /^1: session tag "team" is listed twice/],
    ['password and password_hash', base.replace('    groups: [admins]', '    password: x\n    password_hash: y\n    groups: [admins]'), /^10: password_hash: must be an argon2id PHC string/],
    ['bad email', base.replace('    groups: [admins]', '    email: not-an-email\n    groups: [admins]'), /^9: email: must be an email address/],
    ['bad TOTP seed', base.replace('    groups: [admins]', '    totp: {secret: "1234", name: phone}\n    groups: [admins]'), /^9: secret: must be base32/],
    ['missing username', base.replace('  - username: alice', '  - email: a@example.com'), /^8: username: is required/],
    ['bad status', base.replace('    groups: [admins]', '    status: gone\n    groups: [admins]'), /^9: status: must be active or disabled/],
    ['role mapped twice', base.replace('role: Admin}', 'role: Admin}\n      - {account: "111122223333", role: Admin}'), /^7: role 111122223333\/Admin is mapped twice/],
    ['a comma in a role name (the Role attribute would split there)', base.replace('role: Admin', 'role: "Ad,min"'), /^6: role: must not contain a comma/],
    ['a role path with an empty segment', base.replace('role: Admin', 'role: team//Admin'), /^6: role: has an invalid IAM path/],
    ['role mapped twice, once with a leading slash', base.replace('role: Admin}', 'role: Admin}\n      - {account: prod, role: /Admin}'), /^7: role prod\/Admin is mapped twice/],
    ['session tag with aws: prefix, any case', `session_tags: ["AWS:Team"]\n${base}`, /^1: session_tags item 1: must be 1–128 letters.*not starting with aws:/],
    ['AuthMethod as a session tag, any case', `session_tags: [authMethod]\n${base}`, /^1: session_tags item 1: AuthMethod is reserved/],
    ['AuthMethod as a group tag', base.replace('  - name: admins', '  - name: admins\n    tags: {AuthMethod: sms}'), /^5: tags key "AuthMethod": AuthMethod is reserved/],
    ['a group tag spelled differently from the session tag', `session_tags: [Team]\n${base.replace('  - name: admins', '  - name: admins\n    tags: {team: core}')}`,
      /^6: tag "team" is spelled "Team" in session_tags/],
    ['two groups spell one tag differently', base.replace('users:', '  - name: ops\n    tags: {TEAM: ops}\nusers:').replace('  - name: admins', '  - name: admins\n    tags: {Team: core}'),
      /^9: tag "TEAM" is spelled "Team" in group "admins"/],
    ['transitive tag listed twice', `session_tags: [Team]\ntransitive_tags: [Team, Team]\n${base}`, /^2: transitive tag "Team" is listed twice/],
    ['more than 49 session tags', `session_tags: [${Array.from({ length: 50 }, (_, i) => `T${i}`).join(', ')}]\n${base}`, /^1: 50 session tags plus AuthMethod is more than the 50/],
    ['more than 49 tags in a group', base.replace('  - name: admins', `  - name: admins\n    tags: {${Array.from({ length: 50 }, (_, i) => `T${i}: v`).join(', ')}}`),
      /^5: 50 tags plus AuthMethod is more than the 50/],
    ['more than 49 tags for one person (attributes and group tags together)',
      `session_tags: [${Array.from({ length: 30 }, (_, i) => `A${i}`).join(', ')}]\n${base
        .replace('  - name: admins', `  - name: admins\n    tags: {${Array.from({ length: 20 }, (_, i) => `G${i}: v`).join(', ')}}`)
        .replace('    groups: [admins]', `    attributes: {${Array.from({ length: 30 }, (_, i) => `A${i}: v`).join(', ')}}\n    groups: [admins]`)}`,
      /^10: user "alice" would receive 50 session tags plus AuthMethod/],
    ['YAML syntax error', 'accounts: [\n  {id: 1\n', /^\d+: /],
    ['duplicate YAML key', 'users:\n  - {username: a, username: b}\n', /^2: Map keys must be unique/],
    ['not a mapping', '- a\n- b\n', /^1: the file must be a mapping/],
  ];
  for (const [name, text, expected] of broken) {
    it(`refuses: ${name}`, () => {
      const errors = errorsOf(text);
      assert.ok(errors.some((e) => expected.test(e)), `expected ${expected} in:\n${errors.join('\n')}`);
    });
  }

  it('collects every error of a file at once, sorted by line', () => {
    const text = base
      .replace('"111122223333"', '"123"')
      .replace('role: Admin', 'role: "Bad Role"')
      .replace('groups: [admins]', 'groups: [nobody]') + '  - username: ALICE\n';
    const errors = errorsOf(text);
    assert.equal(errors.length, 4, errors.join('\n'));
    assert.deepEqual(errors.map((e) => Number(e.split(':')[0])), [2, 6, 9, 10]);
  });

  it('a TOTP seed as people paste it: spaces, dashes, lower case, padding (auth/totp.ts normalises it)', () => {
    for (const pasted of ['jbsw y3dp ehpk 3pxp', 'JBSW-Y3DP-EHPK-3PXP', 'JBSWY3DPEHPK3PXP====']) {
      const { data } = parseDirectoryFile(base.replace('    groups: [admins]', `    totp: {secret: "${pasted}", name: phone}\n    groups: [admins]`), 'd.yaml');
      assert.equal(data.users[0]!.totp?.secret, 'JBSWY3DPEHPK3PXP');
    }
    assert.ok(errorsOf(base.replace('    groups: [admins]', `    totp: {secret: "${'A'.repeat(257)}", name: phone}\n    groups: [admins]`)).some((e) => /secret: must be base32/.test(e)));
  });

  it('a role path with a leading slash, and one tag spelled the same way everywhere, are accepted', () => {
    const { data } = parseDirectoryFile(`session_tags: [Team]\n${base.replace('role: Admin', 'role: /team/Admin').replace('  - name: admins', '  - name: admins\n    tags: {Team: core}')}`, 'd.yaml');
    assert.equal(data.groups[0]!.roles[0]!.role, '/team/Admin');
  });

  it('password and password_hash together is refused with its own reason', () => {
    const hash = '$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNo';
    const errors = errorsOf(base.replace('    groups: [admins]', `    password: x\n    password_hash: "${hash}"\n    groups: [admins]`));
    assert.ok(errors.some((e) => /^10: give either password or password_hash, not both/.test(e)), errors.join('\n'));
  });
});
