import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromAwsSessionName, toAwsSessionName } from '../../../src/aws/sessionName.js';

const valid = /^[A-Za-z0-9_+=,.@-]{2,64}$/;

const tricky = [
  '', 'a', 'b', '=', '==', '=3D', '=3d', 'a=', 'a=3D', 'a==', 'ab', 'a b', 'a=20b', 'a+b', 'A', 'é', 'e\u0301', '=C3=A9',
  'aws:admin', 'AWS:admin', 'aws=3Aadmin', 'alice@example.com', 'Alice@Example.com', 'alice', 'alice ', ' alice',
  'ali\u0000ce', '\uD800', '\uFFFD', '=uD800', '😀', '=F0=9F=98=80', 'x'.repeat(64), 'x'.repeat(65), 'x'.repeat(200),
  `${'x'.repeat(46)}==abc`, `${'é'.repeat(30)}`, `${'é'.repeat(30)}a`, 'a/b', 'a\\b', 'a:b', 'a;b', 'a%3Ab', 'Ä', 'ä',
  'user name with spaces and ümlauts and more text to be long enough to be cut at sixty-four', 
  'user name with spaces and ümlauts and more text to be long enough to be cut at sixty-five',
];

describe('toAwsSessionName', () => {
  it('keeps allowed characters except the escape character', () => {
    assert.equal(toAwsSessionName('alice@example.com'), 'alice@example.com');
    assert.equal(toAwsSessionName('a_b+c,d.e@f-g'), 'a_b+c,d.e@f-g');
  });
  it('escapes everything else as =HH per UTF-8 byte', () => {
    assert.equal(toAwsSessionName('a b'), 'a=20b');
    assert.equal(toAwsSessionName('a=b'), 'a=3Db');
    assert.equal(toAwsSessionName('é'), '=C3=A9');
    assert.equal(toAwsSessionName('aws:x'), 'aws=3Ax');
    assert.equal(toAwsSessionName('😀'), '=F0=9F=98=80');
    assert.equal(toAwsSessionName('\uD800x'), '=uD800x');
  });
  it('pads names shorter than 2', () => {
    assert.equal(toAwsSessionName(''), '==');
    assert.equal(toAwsSessionName('a'), 'a==');
  });
  it('shortens long names with a hash, within 64', () => {
    const n = toAwsSessionName('x'.repeat(100));
    assert.equal(n.length, 64);
    assert.match(n, /^x{46}==[A-Za-z0-9_-]{16}$/);
    assert.equal(toAwsSessionName('x'.repeat(64)), 'x'.repeat(64));
    // cut at an escape boundary, never inside =HH
    const e = toAwsSessionName('é'.repeat(30));
    assert.match(e, /^(=C3=A9){7}==[A-Za-z0-9_-]{16}$/);
  });
  it('is deterministic', () => {
    for (const u of tricky) assert.equal(toAwsSessionName(u), toAwsSessionName(u));
  });
  it('always matches AWS’s RoleSessionName / SourceIdentity rules', () => {
    for (const u of tricky) {
      const n = toAwsSessionName(u);
      assert.match(n, valid, JSON.stringify(u));
      assert.equal(n.toLowerCase().startsWith('aws:'), false);
    }
  });
  it('is injective on tricky inputs (including case, escapes that look encoded, NFC vs NFD)', () => {
    const seen = new Map<string, string>();
    for (const u of tricky) {
      const n = toAwsSessionName(u);
      assert.equal(seen.get(n) ?? u, u, `${JSON.stringify(u)} and ${JSON.stringify(seen.get(n))} both map to ${n}`);
      seen.set(n, u);
    }
  });
  it('is injective on all 1- and 2-character strings over a mixed alphabet', () => {
    const alphabet = ['a', 'A', '=', '3', 'D', ' ', ':', 'é', '😀', '_', '-', '\uD800', 'u'];
    const seen = new Map<string, string>();
    const inputs = [''].concat(alphabet, alphabet.flatMap((x) => alphabet.map((y) => x + y)),
      alphabet.flatMap((x) => alphabet.flatMap((y) => alphabet.map((z) => x + y + z))));
    for (const u of inputs) {
      const n = toAwsSessionName(u);
      assert.equal(seen.get(n) ?? u, u, `collision on ${n}`);
      seen.set(n, u);
    }
  });
  it('round-trips through fromAwsSessionName when not hashed', () => {
    for (const u of tricky) {
      const n = toAwsSessionName(u);
      if (n.length > 3 && n.includes('==')) assert.equal(fromAwsSessionName(n), undefined);
      else assert.equal(fromAwsSessionName(n), u, JSON.stringify(u));
    }
    assert.equal(fromAwsSessionName('a=3d'), undefined); // lowercase hex is not an output
    assert.equal(fromAwsSessionName('a b'), undefined);
  });
});
