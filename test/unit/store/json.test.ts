// src/store/json.ts: the one validating read of stored columns. A malformed value is an `internal` error naming the
// column and the row (never the value), thrown where it is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { z } from 'zod';
import { GatehouseError } from '../../../src/errors.js';
import { acsEndpoints, factorList, jsonObject, parseColumn, parseJsonColumn, stringArray, stringRecord } from '../../../src/store/json.js';

const at = { column: 'users.attributes', row: 'u1' };

function assertMalformed(fn: () => unknown, why: RegExp): void {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof GatehouseError, String(e));
    assert.equal(e.code, 'internal');
    assert.equal(e.expose, false, 'a client never sees it');
    assert.match(e.message, /^the database holds a malformed value in users\.attributes \(row u1\): /);
    assert.match(e.message, why);
    assert.doesNotMatch(e.message, /CC-1234|secret/, 'the value itself is not in the message');
    return true;
  });
}

test('parses and checks a JSON column', () => {
  assert.deepEqual(parseJsonColumn(at, stringRecord, '{"CostCenter":"CC-1234"}', {}), { CostCenter: 'CC-1234' });
  assert.deepEqual(parseJsonColumn(at, factorList, '["password","totp"]'), ['password', 'totp']);
  assert.deepEqual(parseJsonColumn(at, jsonObject, '{"purpose":"login","n":1}'), { purpose: 'login', n: 1 });
  assert.deepEqual(parseJsonColumn(at, acsEndpoints, '[{"url":"https://sp/acs","index":0,"binding":"post","isDefault":true}]'), [{ url: 'https://sp/acs', index: 0, binding: 'post', isDefault: true }]);
});

test('NULL and the empty string give the fallback, and are malformed without one', () => {
  assert.deepEqual(parseJsonColumn(at, stringArray, null, []), []);
  assert.deepEqual(parseJsonColumn(at, stringArray, '', []), []);
  assertMalformed(() => parseJsonColumn(at, jsonObject, null), /empty/);
  assertMalformed(() => parseJsonColumn(at, jsonObject, ''), /empty/);
});

test('bad JSON and JSON of the wrong shape are a clear error, not a SyntaxError or a ZodError', () => {
  assertMalformed(() => parseJsonColumn(at, stringRecord, '{"CostCenter":"CC-1234"', {}), /not JSON$/);
  assertMalformed(() => parseJsonColumn(at, stringRecord, '{"CostCenter":1234}', {}), /CostCenter: /);
  assertMalformed(() => parseJsonColumn(at, stringRecord, '["CC-1234"]', {}), /expected record/);
  assertMalformed(() => parseJsonColumn(at, factorList, '["password","secret"]'), /^.*: 1: /);
  assertMalformed(() => parseJsonColumn(at, jsonObject, 'null'), /expected record/);
});

test('parseColumn checks a plain column the same way', () => {
  assert.equal(parseColumn(at, z.enum(['totp', 'webauthn']), 'totp'), 'totp');
  assertMalformed(() => parseColumn(at, z.enum(['totp', 'webauthn']), 'sms'), /Invalid option/);
  assert.match((() => { try { parseColumn({ column: 'sessions.auth_method' }, z.string(), 1); } catch (e) { return (e as Error).message; } return ''; })(), /in sessions\.auth_method: /);
});
