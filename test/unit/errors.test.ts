import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { errorCodes, GatehouseError, isGatehouseError, type ErrorCode } from '../../src/errors.js';

const docsPath = new URL('../../docs/errors.md', import.meta.url);

/** Rows of the tables in docs/errors.md: `| \`code\` | status | meaning | what to do |`. */
function documentedCodes(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const line of readFileSync(docsPath, 'utf8').split('\n')) {
    const m = /^\|\s*`([a-z0-9_]+)`\s*\|\s*(\d{3})\s*\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const [, code, status, rest] = m as unknown as [string, string, string, string];
    assert.ok(!rows.has(code), `docs/errors.md lists ${code} twice`);
    const [meaning = '', action = ''] = rest.split(/(?<!\\)\|/).map((c) => c.trim());
    assert.ok(meaning.length > 0 && action.length > 0, `docs/errors.md: ${code} needs both a meaning and what to do`);
    rows.set(code, Number(status));
  }
  return rows;
}

describe('docs/errors.md agrees with errorCodes', () => {
  const docs = documentedCodes();
  const code = Object.entries(errorCodes) as [ErrorCode, number][];

  test('every code in src/errors.ts is documented with its status', () => {
    const missing = code.filter(([c]) => !docs.has(c)).map(([c]) => c);
    assert.deepEqual(missing, [], `add these codes to docs/errors.md: ${missing.join(', ')}`);
    const wrong = code.filter(([c, s]) => docs.has(c) && docs.get(c) !== s).map(([c, s]) => `${c}: code says ${s}, docs say ${docs.get(c)}`);
    assert.deepEqual(wrong, [], 'docs/errors.md has the wrong HTTP status for some codes');
  });

  test('every documented code exists in src/errors.ts', () => {
    const extra = [...docs.keys()].filter((c) => !(c in errorCodes));
    assert.deepEqual(extra, [], `docs/errors.md lists codes that src/errors.ts does not have: ${extra.join(', ')}`);
  });

  test('the sets are equal', () => {
    assert.deepEqual([...docs.keys()].sort(), Object.keys(errorCodes).sort());
  });
});

describe('GatehouseError', () => {
  test('takes its status from the code; 4xx is exposed, 5xx is not', () => {
    const e = new GatehouseError('invalid_credentials', 'Wrong username or password.');
    assert.ok(e instanceof Error);
    assert.equal(e.name, 'GatehouseError');
    assert.equal(e.code, 'invalid_credentials');
    assert.equal(e.status, 401);
    assert.equal(e.expose, true);
    assert.equal(e.message, 'Wrong username or password.');

    const i = new GatehouseError('internal', 'db exploded');
    assert.equal(i.status, 500);
    assert.equal(i.expose, false);
    assert.equal(new GatehouseError('sts_error', 'x').expose, false);
    assert.equal(new GatehouseError('config_invalid', 'x').expose, false);
  });

  test('expose is exactly status < 500 for every code', () => {
    for (const [c, s] of Object.entries(errorCodes) as [ErrorCode, number][]) {
      const e = new GatehouseError(c, c);
      assert.equal(e.status, s);
      assert.equal(e.expose, s < 500, c);
    }
  });

  test('a status override changes status and exposure', () => {
    const e = new GatehouseError('bad_request', 'Method not allowed', { status: 405 });
    assert.equal(e.status, 405);
    assert.equal(e.expose, true);
    const hidden = new GatehouseError('bad_request', 'upstream', { status: 503 });
    assert.equal(hidden.expose, false);
  });

  test('keeps detail and cause', () => {
    const cause = new Error('ECONNREFUSED');
    const detail = [{ rule: 'role-arn', message: 'bad ARN' }];
    const e = new GatehouseError('aws_lint_failed', 'The assertion breaks AWS rules.', { detail, cause });
    assert.equal(e.detail, detail);
    assert.equal(e.cause, cause);
    const plain = new GatehouseError('not_found', 'No such user');
    assert.equal(plain.detail, undefined);
    assert.equal(plain.cause, undefined);
  });

  test('isGatehouseError checks the type and optionally the code', () => {
    const e = new GatehouseError('flow_expired', 'Start again.');
    assert.equal(isGatehouseError(e), true);
    assert.equal(isGatehouseError(e, 'flow_expired'), true);
    assert.equal(isGatehouseError(e, 'flow_invalid'), false);
    assert.equal(isGatehouseError(new Error('x')), false);
    assert.equal(isGatehouseError({ code: 'flow_expired' }), false);
  });
});
