import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CliRole } from '../../../src/cli/login/apiSchemas.js';
import { blockedReason, findRole, profileNameFor, roleLabel, rolesInAccount } from '../../../src/cli/login/selectRoles.js';
import { filterRoles, pickerLines } from '../../../src/cli/login/rolePicker.js';
import { isGatehouseError } from '../../../src/errors.js';

const role = (accountId: string, alias: string | null, roleName: string, more: Partial<CliRole> = {}): CliRole => ({
  key: `${accountId}/${roleName}`, accountId, alias, partition: 'aws', roleName,
  roleArn: `arn:aws:iam::${accountId}:role/${roleName}`, principalArn: `arn:aws:iam::${accountId}:saml-provider/Gatehouse`,
  description: null, sessionDuration: 3600, requireFactor: null, allowedNow: true, reason: null, ...more,
});

const roles = [
  role('111122223333', 'prod', 'Admin', { requireFactor: 'webauthn', allowedNow: false, reason: 'factor_required', description: 'full access' }),
  role('111122223333', 'prod', 'ReadOnly'),
  role('444455556666', 'staging', 'Admin'),
  role('444455556666', 'staging', 'team/Developer'),
  role('777788889999', null, 'Audit', { allowedNow: false, reason: 'source_ip' }),
];

test('--role as ARN, key, alias/RoleName, or RoleName with --account', () => {
  assert.equal(findRole(roles, 'arn:aws:iam::111122223333:role/ReadOnly').key, '111122223333/ReadOnly');
  assert.equal(findRole(roles, '444455556666/Admin').key, '444455556666/Admin');
  assert.equal(findRole(roles, 'prod/Admin').key, '111122223333/Admin');
  assert.equal(findRole(roles, 'Admin', 'staging').key, '444455556666/Admin');
  assert.equal(findRole(roles, 'Admin', '111122223333').key, '111122223333/Admin');
  assert.equal(findRole(roles, 'ReadOnly').key, '111122223333/ReadOnly', 'a name found once needs no account');
  assert.equal(findRole(roles, 'staging/team/Developer').key, '444455556666/team/Developer', 'role paths');
  assert.equal(findRole(roles, 'team/Developer', 'staging').key, '444455556666/team/Developer');
  assert.equal(findRole(roles, 'PROD/readonly').key, '111122223333/ReadOnly', 'case-insensitive when nothing matches exactly');
});

test('an ambiguous or unknown role says what exists', () => {
  assert.throws(() => findRole(roles, 'Admin'), (e) => isGatehouseError(e, 'conflict') && /several accounts \(prod\/Admin, staging\/Admin\)/.test(e.message));
  assert.throws(() => findRole(roles, 'prod/Admn'), (e) => isGatehouseError(e, 'not_found') && /your roles: prod\/Admin, prod\/ReadOnly/.test(e.message));
  assert.throws(() => rolesInAccount(roles, 'dev'), (e) => isGatehouseError(e, 'not_found') && /no role in account dev/.test(e.message));
  assert.throws(() => findRole(roles, 'arn:aws:iam::111122223333:role/Nope'), (e) => isGatehouseError(e, 'not_found'));
});

test('labels, profile names and why a role is blocked', () => {
  assert.equal(roleLabel(roles[4]!), '777788889999/Audit');
  assert.equal(profileNameFor(roles[3]!), 'staging-team-Developer');
  assert.equal(blockedReason(roles[0]!), undefined, 'a step-up fixes factor_required');
  assert.match(blockedReason(roles[4]!) ?? '', /network address/);
});

test('the picker filters on every word and marks the cursor', () => {
  assert.deepEqual(filterRoles(roles, 'admin').map(roleLabel), ['prod/Admin', 'staging/Admin']);
  assert.deepEqual(filterRoles(roles, 'prod full').map(roleLabel), ['prod/Admin']);
  assert.deepEqual(filterRoles(roles, '4444').map(roleLabel), ['staging/Admin', 'staging/team/Developer']);
  const lines = pickerLines(roles, 'adm', 1, 120);
  assert.match(lines[0]!, /Choose an AWS role/);
  assert.equal(lines[1], 'Filter: adm');
  assert.match(lines[2]!, /^ {2}prod\/Admin +111122223333 {2}full access {2}\(asks for your security key\)$/);
  assert.match(lines[3]!, /^> staging\/Admin +444455556666$/);
  assert.deepEqual(pickerLines(roles, 'zzz', 0, 80).slice(2), ['  (no role matches)']);
  assert.ok(pickerLines(roles, '', 0, 30).every((l) => [...l].length <= 29), 'lines are cut to the terminal width');
});
