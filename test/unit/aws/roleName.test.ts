import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildRoleArn, parseRoleArn } from '../../../src/aws/arn.js';
import {
  isValidRoleName, isValidRolePath, normaliseRoleName, roleReferenceProblem, splitRoleReference,
} from '../../../src/aws/roleName.js';

describe('aws/roleName', () => {
  it('a leading slash is accepted and dropped: one stored form, one ARN', () => {
    assert.equal(normaliseRoleName('/team/Admin'), 'team/Admin');
    assert.equal(normaliseRoleName('team/Admin'), 'team/Admin');
    assert.equal(normaliseRoleName('Admin'), 'Admin');
    assert.deepEqual(splitRoleReference('/team/a/Admin'), { path: '/team/a/', name: 'Admin' });
    assert.deepEqual(splitRoleReference('team/a/Admin'), { path: '/team/a/', name: 'Admin' });
    assert.deepEqual(splitRoleReference('Admin'), { path: '/', name: 'Admin' });
    assert.equal(buildRoleArn('aws', '111122223333', '/team/Admin'), buildRoleArn('aws', '111122223333', 'team/Admin'));
  });

  it('IAM rules for names and paths', () => {
    assert.ok(isValidRoleName('R+=,.@-_'));
    assert.equal(isValidRoleName('x'.repeat(65)), false);
    assert.equal(isValidRoleName('a b'), false);
    assert.ok(isValidRolePath('/'));
    assert.ok(isValidRolePath('/a/b/'));
    assert.equal(isValidRolePath('/a//b/'), false);
    assert.equal(isValidRolePath(`/${'a'.repeat(511)}/`), false);
  });

  it('a reference Gatehouse can send: IAM rules and no comma', () => {
    for (const ok of ['Admin', 'team/Admin', '/team/Admin', 'a/b/c/R+=.@-_']) assert.equal(roleReferenceProblem(ok), undefined, ok);
    assert.match(roleReferenceProblem('A,B') ?? '', /comma/);
    assert.match(roleReferenceProblem('team,x/Admin') ?? '', /comma/);
    assert.match(roleReferenceProblem('Ad min') ?? '', /IAM role name/);
    assert.match(roleReferenceProblem('') ?? '', /IAM role name/);
    assert.match(roleReferenceProblem('a//b') ?? '', /path/);
    assert.match(roleReferenceProblem('//b') ?? '', /path/);
  });

  it('role ARNs parse back through the same rules', () => {
    assert.deepEqual(parseRoleArn('arn:aws:iam::111122223333:role/team/Admin'), { partition: 'aws', accountId: '111122223333', path: '/team/', name: 'Admin' });
    for (const bad of ['arn:aws:iam::111122223333:role/', 'arn:aws:iam::111122223333:role//Admin', 'arn:aws:iam::111122223333:role/a//b',
      'arn:aws:iam::11112222333:role/Admin', 'arn:aws-eu:iam::111122223333:role/Admin', 'arn:aws:iam::111122223333:role/Ad min',
      `arn:aws:iam::111122223333:role/${'x'.repeat(65)}`, 'arn:aws:iam::111122223333:role/Admin\n']) {
      assert.equal(parseRoleArn(bad), undefined, bad);
    }
  });
});
