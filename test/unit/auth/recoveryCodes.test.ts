import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  generateRecoveryCodes, hashRecoveryCode, isRecoveryCodeShape, normaliseRecoveryCode,
} from '../../../src/auth/recoveryCodes.js';

test('ten distinct codes shaped xxxx-xxxx-xxxx from the base32 alphabet (60 bits each)', () => {
  const codes = generateRecoveryCodes();
  assert.equal(codes.length, 10);
  assert.equal(new Set(codes).size, 10);
  for (const c of codes) {
    assert.match(c, /^[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}$/);
    assert.ok(isRecoveryCodeShape(c));
  }
  assert.equal(generateRecoveryCodes(3).length, 3);
  assert.throws(() => generateRecoveryCodes(0), RangeError);
});

test('injected randomness: low 5 bits of each byte pick the character', () => {
  const [code] = generateRecoveryCodes(1, (n) => Buffer.from(Array.from({ length: n }, (_, i) => i + 32 * 3)));
  assert.equal(code, 'abcd-efgh-ijkl');
});

test('normalisation: case, dashes, spaces', () => {
  assert.equal(normaliseRecoveryCode(' ABCD-efgh ijkl '), 'abcdefghijkl');
  assert.equal(normaliseRecoveryCode('abcd–efgh—ijkl'), 'abcdefghijkl');
  assert.ok(!isRecoveryCodeShape('abcd-efgh-ijk1'));
});

test('hash: SHA-256 hex of the normalised code, same for every way of typing it', () => {
  const h = hashRecoveryCode('abcd-efgh-ijkl');
  assert.equal(h, createHash('sha256').update('abcdefghijkl').digest('hex'));
  assert.equal(hashRecoveryCode('ABCD EFGH IJKL'), h);
  assert.equal(hashRecoveryCode('abcdefghijkl'), h);
  assert.notEqual(hashRecoveryCode('abcd-efgh-ijkm'), h);
});
