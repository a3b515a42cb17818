import { test, describe } from 'node:test';
import { availableParallelism } from 'node:os';
import assert from 'node:assert/strict';
import { isGatehouseError } from '../../../src/errors.js';
import {
  checkPasswordPolicy, defaultPasswordParams, dummyHash, dummyVerify, hashPassword, limitConcurrentHashing, needsRehash,
  passwordHashing, verifyPassword,
} from '../../../src/auth/password.js';
import { commonPasswords } from '../../../src/auth/commonPasswords.js';

// Cheap parameters keep the suite fast; one test uses the real defaults.
const fast = { memoryCost: 1024, timeCost: 1, parallelism: 1 };

function rejected(reason: string) {
  return (e: unknown) => {
    assert.ok(isGatehouseError(e, 'password_rejected'), String(e));
    assert.equal((e.detail as { reason?: string }).reason, reason);
    assert.ok(e.expose && e.message.length > 10, 'a clear message for the user');
    return true;
  };
}

describe('checkPasswordPolicy', () => {
  test('accepts a long uncommon password, with no composition rules', () => {
    checkPasswordPolicy('violet tugboat orbit');
    checkPasswordPolicy('alllowercaseletters');
  });

  test('rejects short passwords, counting code points after NFKC', () => {
    assert.throws(() => checkPasswordPolicy('short pass!'), rejected('too_short'));
    assert.throws(() => checkPasswordPolicy('abcd', { minLength: 8 }), rejected('too_short'));
    // 12 emoji are 24 UTF-16 units but 12 code points: long enough.
    checkPasswordPolicy('🐱🐶🐭🐹🐰🦊🐻🐼🐨🐯🦁🐮');
    assert.throws(() => checkPasswordPolicy('🐱🐶🐭🐹🐰🦊🐻🐼🐨🐯🦁'), rejected('too_short'));
    // Decomposed "é" (e + U+0301) is 2 code points, but NFKC composes it to one: 13 typed, 11 counted.
    assert.throws(() => checkPasswordPolicy('cafe\u0301cafe\u0301abc'), rejected('too_short'));
    checkPasswordPolicy('cafe\u0301cafe\u0301abcd');
  });

  test('rejects absurdly long passwords', () => {
    assert.throws(() => checkPasswordPolicy('x'.repeat(2000)), rejected('too_long'));
  });

  test('rejects blocklisted passwords, case-insensitively and after NFKC', () => {
    assert.throws(() => checkPasswordPolicy('password1234'), rejected('common'));
    assert.throws(() => checkPasswordPolicy('QwertyUiop12'), rejected('common'));
    assert.throws(() => checkPasswordPolicy('123456789012'), rejected('common'));
    // Full-width digits are NFKC-equal to ASCII digits.
    assert.throws(() => checkPasswordPolicy('１２３４５６７８９０１２'), rejected('common'));
  });

  test('the blocklist has a few hundred lower-case entries of 8+ characters', () => {
    assert.ok(commonPasswords.size >= 300, String(commonPasswords.size));
    for (const p of commonPasswords) {
      assert.ok(p.length >= 8, p);
      assert.equal(p, p.toLowerCase(), p);
    }
    assert.ok(!commonPasswords.has('correct horse battery staple'), 'the example directory file uses it');
  });

  test('rejects the username or email as password', () => {
    assert.throws(() => checkPasswordPolicy('alice.example', { username: 'Alice.Example' }), rejected('same_as_username'));
    assert.throws(() => checkPasswordPolicy('Alice@Example.com', { email: 'alice@example.com' }), rejected('same_as_email'));
    checkPasswordPolicy('alice.example.is.me', { username: 'alice.example', email: null });
  });
});

describe('hashPassword / verifyPassword', () => {
  test('hashes with argon2id and verifies; a wrong password fails', async () => {
    const h = await hashPassword('violet tugboat orbit', fast);
    assert.match(h, /^\$argon2id\$v=19\$m=1024,t=1,p=1\$/);
    assert.equal(await verifyPassword(h, 'violet tugboat orbit'), true);
    assert.equal(await verifyPassword(h, 'violet tugboat orbiT'), false);
    assert.equal(await verifyPassword(h, 'violet tugboat orbit '), false);
    assert.notEqual(await hashPassword('violet tugboat orbit', fast), h, 'random salt');
  });

  test('composed and decomposed Unicode are the same password (NFKC)', async () => {
    const composed = 'Crème brûlée über alles';
    const decomposed = composed.normalize('NFD');
    assert.notEqual(composed, decomposed);
    const h = await hashPassword(composed, fast);
    assert.equal(await verifyPassword(h, decomposed), true);
    const h2 = await hashPassword(decomposed, fast);
    assert.equal(await verifyPassword(h2, composed), true);
  });

  test('default parameters are OWASP argon2id (19 MiB, t=2, p=1)', async () => {
    assert.deepEqual({ ...defaultPasswordParams }, { memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const h = await hashPassword('violet tugboat orbit');
    assert.match(h, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await verifyPassword(h, 'violet tugboat orbit'), true);
    assert.equal(needsRehash(h), false);
  });

  test('a corrupt stored hash is an internal error, not a login failure', async () => {
    await assert.rejects(verifyPassword('not-a-hash', 'x'), (e) => isGatehouseError(e, 'internal'));
  });
});

describe('limitConcurrentHashing', () => {
  test('runs at most the limit of argon2 calls at once, the rest in turn, and a failed call frees its slot (issue 12)', async (t) => {
    t.after(() => { limitConcurrentHashing(availableParallelism()); });
    const h = await hashPassword('violet tugboat orbit', fast);
    limitConcurrentHashing(2);
    const calls = [
      verifyPassword(h, 'violet tugboat orbit'), verifyPassword('not-a-hash', 'x').catch((e: unknown) => e),
      verifyPassword(h, 'wrong'), hashPassword('another password here', fast), verifyPassword(h, 'violet tugboat orbit'),
    ];
    assert.deepEqual(passwordHashing(), { running: 2, waiting: 3 });
    const [a, corrupt, b, rehash, c] = await Promise.all(calls);
    assert.deepEqual([a, b, c], [true, false, true]);
    assert.ok(isGatehouseError(corrupt, 'internal'));
    assert.match(String(rehash), /^\$argon2id\$/);
    assert.deepEqual(passwordHashing(), { running: 0, waiting: 0 });
  });
});

describe('needsRehash', () => {
  test('true when parameters differ or the hash is not argon2id', async () => {
    const h = await hashPassword('violet tugboat orbit', fast);
    assert.equal(needsRehash(h, fast), false);
    assert.equal(needsRehash(h, { ...fast, memoryCost: 2048 }), true);
    assert.equal(needsRehash(h, { ...fast, timeCost: 2 }), true);
    assert.equal(needsRehash(h, { ...fast, parallelism: 2 }), true);
    assert.equal(needsRehash(h), true);
    assert.equal(needsRehash('$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g', fast), true);
    assert.equal(needsRehash('$2b$10$abcdefghijklmnopqrstuv', fast), true);
  });
});

describe('dummyVerify', () => {
  test('always false, with default and custom parameters', async () => {
    assert.equal(await dummyVerify('anything at all'), false);
    assert.equal(await dummyVerify('anything at all', fast), false);
  });

  test('verifies against a hash made with exactly the real parameters (so it costs the same work)', async () => {
    // Equal cost follows from equal argon2id parameters; timed assertions do not belong in tests.
    assert.equal(needsRehash(await dummyHash(defaultPasswordParams), defaultPasswordParams), false);
    assert.equal(needsRehash(await dummyHash(fast), fast), false);
    assert.equal(needsRehash(await dummyHash(fast), defaultPasswordParams), true);
  });
});
