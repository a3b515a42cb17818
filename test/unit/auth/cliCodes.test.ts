// The pure pieces of the CLI sign-ins: PKCE S256 (RFC 7636 Appendix B vector), loopback redirect URIs, user codes,
// client names, the strongest factor, and the choice of roles for an assertion.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { codeVerifierPattern, parseLoopbackRedirect, s256Challenge } from '../../../src/auth/cliCodes.js';
import { clientNamePattern, strongestFactor } from '../../../src/auth/cliTokens.js';
import { formatUserCode, newUserCode, normaliseUserCode, USER_CODE_ALPHABET } from '../../../src/auth/deviceLogin.js';
import { pickCliRoles } from '../../../src/http/cliRoles.js';
import { isGatehouseError } from '../../../src/errors.js';
import type { EntitledRole, Entitlements } from '../../../src/directory/entitlementsFor.js';

describe('PKCE', () => {
  test('S256 of the RFC 7636 Appendix B verifier is its challenge', () => {
    const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
    assert.ok(codeVerifierPattern.test(verifier));
    assert.equal(s256Challenge(verifier), 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
  test('verifiers: 43–128 unreserved characters', () => {
    assert.ok(codeVerifierPattern.test('a'.repeat(43)) && codeVerifierPattern.test('~._-'.repeat(32)));
    for (const bad of ['a'.repeat(42), 'a'.repeat(129), `${'a'.repeat(42)}+`, `${'a'.repeat(42)}/`, `${'a'.repeat(42)}=`]) assert.ok(!codeVerifierPattern.test(bad), bad);
  });
});

describe('loopback redirect URIs', () => {
  test('exactly http://127.0.0.1:<port>/callback or http://localhost:<port>/callback, port 1–65535', () => {
    assert.deepEqual(parseLoopbackRedirect('http://127.0.0.1:49152/callback'), { uri: 'http://127.0.0.1:49152/callback', port: 49152 });
    assert.deepEqual(parseLoopbackRedirect('http://localhost:1/callback'), { uri: 'http://localhost:1/callback', port: 1 });
    assert.equal(parseLoopbackRedirect('http://localhost:65535/callback')?.port, 65535);
    for (const bad of [
      'http://127.0.0.1:0/callback', 'http://127.0.0.1:65536/callback', 'http://127.0.0.1:080/callback', 'https://127.0.0.1:8080/callback',
      'http://127.0.0.1/callback', 'http://127.0.0.1:8080/callback/', 'http://127.0.0.1:8080/callback?x', 'http://127.0.0.1:8080/callback#x',
      'http://127.0.0.2:8080/callback', 'http://[::1]:8080/callback', 'http://localhost.evil.example:8080/callback', 'http://user@127.0.0.1:8080/callback',
      'HTTP://127.0.0.1:8080/callback', ' http://127.0.0.1:8080/callback',
    ]) assert.equal(parseLoopbackRedirect(bad), undefined, bad);
  });
});

describe('user codes', () => {
  test('8 of 20 consonants, shown as XXXX-XXXX; typing is forgiving about case, spaces and hyphens', () => {
    assert.equal(USER_CODE_ALPHABET.length, 20);
    assert.doesNotMatch(USER_CODE_ALPHABET, /[AEIOUY]/);
    for (let i = 0; i < 200; i++) assert.match(newUserCode(), /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
    assert.equal(formatUserCode('BCDFGHJK'), 'BCDF-GHJK');
    for (const typed of ['BCDF-GHJK', 'bcdf-ghjk', 'bcdfghjk', ' bcdf ghjk ', 'B-C-D-F-G-H-J-K']) assert.equal(normaliseUserCode(typed), 'BCDFGHJK', typed);
    for (const bad of ['BCDF-GHJ', 'BCDF-GHJKL', 'ABCD-EFGH', 'BCDF-GHJ0', '']) assert.equal(normaliseUserCode(bad), undefined, bad);
  });
  test('the codes spread over the alphabet (no biased letter)', () => {
    const counts = new Map<string, number>();
    for (let i = 0; i < 2000; i++) for (const c of newUserCode()) counts.set(c, (counts.get(c) ?? 0) + 1);
    assert.equal(counts.size, 20);
    for (const [c, n] of counts) assert.ok(n > 500 && n < 1100, `${c}: ${n} of 16000`);
  });
});

describe('client names and factors', () => {
  test('client names: letters, digits, spaces and a few signs, 1–64; nothing that can disguise itself', () => {
    for (const ok of ['laptop-7', "Alice's MacBook (work)", 'ci@build_3.example', "Zoë's PC", '東京-01']) assert.ok(clientNamePattern.test(ok), ok);
    for (const bad of ['', 'x'.repeat(65), 'a\u202eb', 'a\u200bb', 'a\nb', 'a<b', 'a"b', 'a/b']) assert.ok(!clientNamePattern.test(bad), JSON.stringify(bad));
  });
  test('the strongest factor: a security key over an app over a recovery code', () => {
    assert.equal(strongestFactor(['password', 'totp', 'webauthn']), 'webauthn');
    assert.equal(strongestFactor(['password', 'recovery', 'totp']), 'totp');
    assert.equal(strongestFactor(['password', 'recovery']), 'recovery');
    assert.equal(strongestFactor(['password']), undefined);
  });
});

describe('pickCliRoles', () => {
  const account = (id: string, alias: string, partition: 'aws' | 'aws-us-gov' = 'aws') => ({ id, alias, partition, providerName: 'Gatehouse', region: null });
  const role = (r: Partial<EntitledRole> & Pick<EntitledRole, 'account' | 'roleName'>): EntitledRole => ({ sessionDuration: null, requireFactor: null, allowedNow: true, groups: ['g'], ...r });
  const ent: Entitlements = {
    roles: [
      role({ account: account('111122223333', 'prod'), roleName: 'ReadOnly' }),
      role({ account: account('111122223333', 'prod'), roleName: 'Admin', requireFactor: 'webauthn', allowedNow: false, reason: 'factor_required' }),
      role({ account: account('111122223333', 'prod'), roleName: 'Ops', requireFactor: 'totp', allowedNow: false, reason: 'factor_required' }),
      role({ account: account('444455556666', 'staging'), roleName: 'team/Dev' }),
      role({ account: account('444455556666', 'staging'), roleName: 'Office', allowedNow: false, reason: 'source_ip' }),
      role({ account: account('777788889999', 'gov', 'aws-us-gov'), roleName: 'GovReadOnly' }),
    ],
    tags: {}, transitiveTagKeys: [], tagConflicts: [],
  };
  const refusal = (refs: string[]) => {
    try {
      pickCliRoles(ent, refs);
    } catch (e) {
      assert.ok(isGatehouseError(e));
      return { code: e.code, detail: e.detail };
    }
    assert.fail('not refused');
  };

  test('by key, alias/RoleName or role ARN (paths included), each role once, in the order asked', () => {
    const got = pickCliRoles(ent, ['staging/team/Dev', '111122223333/ReadOnly', 'arn:aws:iam::444455556666:role/team/Dev', 'prod/ReadOnly']);
    assert.deepEqual(got.map((r) => r.roleName), ['team/Dev', 'ReadOnly']);
    assert.equal(pickCliRoles(ent, ['arn:aws:iam::111122223333:role/ReadOnly'])[0]?.roleName, 'ReadOnly');
  });
  test('refusals: unknown role, a factor to step up to (the strongest asked), an address, mixed partitions', () => {
    assert.deepEqual(refusal(['prod/Nope']), { code: 'role_not_allowed', detail: { role: 'prod/Nope' } });
    assert.deepEqual(refusal(['arn:aws:iam::111122223333:role/readonly']), { code: 'role_not_allowed', detail: { role: 'arn:aws:iam::111122223333:role/readonly' } });
    assert.deepEqual(refusal(['prod/Ops']), { code: 'mfa_required', detail: { requireFactor: 'totp' } });
    assert.deepEqual(refusal(['prod/Ops', 'prod/Admin']), { code: 'mfa_required', detail: { requireFactor: 'webauthn' } });
    assert.deepEqual(refusal(['staging/Office']), { code: 'role_not_allowed', detail: { role: '444455556666/Office' } });
    assert.equal(refusal(['prod/ReadOnly', 'gov/GovReadOnly']).code, 'bad_request');
  });
});
