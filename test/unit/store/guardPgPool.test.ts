// Which node-postgres errors mean "the database is out of reach" (→ 503 database_unavailable) and which are
// PostgreSQL refusing a statement (passed through unchanged: a unique violation must stay a unique violation).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isConnectionFailure } from '../../../src/store/guardPgPool.js';

const withCode = (message: string, code: string): Error => Object.assign(new Error(message), { code });

test('connection failures: socket errors, SQLSTATE classes 08/53/57, idle-in-transaction timeout, driver timeouts', () => {
  for (const e of [
    withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED'),
    withCode('read ECONNRESET', 'ECONNRESET'),
    withCode('canceling statement due to statement timeout', '57014'),
    withCode('terminating connection due to administrator command', '57P01'),
    withCode('the database system is starting up', '57P03'),
    withCode('sorry, too many clients already', '53300'),
    withCode('connection failure', '08006'),
    withCode('terminating connection due to idle-in-transaction timeout', '25P03'),
    new Error('Connection terminated unexpectedly'),
    new Error('Connection terminated due to connection timeout'),
    new Error('timeout exceeded when trying to connect'),
    new Error('Query read timeout'),
    new Error('Client has encountered a connection error and is not queryable'),
  ]) assert.equal(isConnectionFailure(e), true, e.message);
});

test('statements PostgreSQL refused are not connection failures', () => {
  for (const e of [
    withCode('duplicate key value violates unique constraint', '23505'),
    withCode('syntax error at or near', '42601'),
    withCode('could not serialize access', '40001'),
    new TypeError('Cannot read properties of undefined'),
    'not an error',
  ]) assert.equal(isConnectionFailure(e), false, String(e));
});
