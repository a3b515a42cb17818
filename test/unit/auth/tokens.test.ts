import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hashToken, newToken, pooledRandomBytes, safeEqual } from '../../../src/auth/tokens.js';

test('newToken: base64url of 32 random bytes by default', () => {
  const t = newToken();
  assert.match(t, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(t, newToken());
  assert.equal(Buffer.from(newToken(48), 'base64url').length, 48);
  assert.equal(newToken(16, (n) => Buffer.alloc(n, 0xff)), Buffer.alloc(16, 0xff).toString('base64url'));
  assert.throws(() => newToken(8), RangeError);
});

test('pooledRandomBytes: no byte handed out twice, across refills; a slice handed out is never overwritten', () => {
  const first = pooledRandomBytes(32);
  const kept = Buffer.from(first);
  const drawn = Array.from({ length: 1000 }, (_, i) => pooledRandomBytes(16 + (i % 3) * 8));
  const ranges = drawn.map((v) => ({ buffer: v.buffer, from: v.byteOffset, to: v.byteOffset + v.length }));
  for (let i = 1; i < ranges.length; i++) {
    const [a, b] = [ranges[i - 1]!, ranges[i]!];
    assert.ok(a.buffer !== b.buffer || a.to <= b.from, `draw ${i} overlaps the one before it`);
  }
  assert.ok(new Set(ranges.map((r) => r.buffer)).size > 5, 'the pool was refilled several times');
  assert.deepEqual(Buffer.from(first), kept);
  assert.equal(pooledRandomBytes(10_000).length, 10_000, 'more than the pool holds: drawn on its own');
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
