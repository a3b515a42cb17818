import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hashToken, newToken, safeEqual } from '../../../src/auth/tokens.js';

test('newToken: base64url of 32 random bytes by default', () => {
  const t = newToken();
  assert.match(t, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(t, newToken());
  assert.equal(Buffer.from(newToken(48), 'base64url').length, 48);
  assert.equal(newToken(16, (n) => Buffer.alloc(n, 0xff)), Buffer.alloc(16, 0xff).toString('base64url'));
  assert.throws(() => newToken(8), RangeError);
});

test('hashToken: SHA-256 hex', () => {
  assert.equal(hashToken('abc'), createHash('sha256').update('abc').digest('hex'));
  assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});

test('safeEqual: equal, different, different lengths, bytes', () => {
  assert.equal(safeEqual('abc', 'abc'), true);
  assert.equal(safeEqual('abc', 'abd'), false);
  assert.equal(safeEqual('abc', 'abcd'), false);
  assert.equal(safeEqual('', ''), true);
  assert.equal(safeEqual(Buffer.from('abc'), 'abc'), true);
  assert.equal(safeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])), false);
});
