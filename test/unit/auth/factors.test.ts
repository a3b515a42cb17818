// The factor facts (src/auth/factors.ts) pinned: everything that reads them (the flow engine, the store's
// validation, the entitlement rules, the AuthMethod tag, the pages) behaves as these say.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  authMethodOf, deviceFactors, factorFacts, factors, isFirstFactor, isRequiredFactor, isSecondFactor, meetsRequirement,
  requiredFactors, secondFactors, strongestRequiredFactor, type AuthMethod, type DeviceFactor, type Factor, type FirstFactor,
  type RequiredFactor, type SecondFactor,
} from '../../../src/auth/factors.js';
import { strategyFor } from '../../../src/auth/strategies/registry.js';
import { deviceKindColumn, factorColumn, factorList, lastFactorColumn, requiredFactorColumn } from '../../../src/store/json.js';

// Compile-time: the derived types are exactly these (npm run typecheck fails otherwise).
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends (<T>() => T extends B ? 1 : 2) ? true : false;
const typesAre: [
  Equal<Factor, 'password' | 'totp' | 'webauthn' | 'recovery'>, Equal<FirstFactor, 'password'>,
  Equal<SecondFactor, 'totp' | 'webauthn' | 'recovery'>, Equal<DeviceFactor, 'totp' | 'webauthn'>,
  Equal<RequiredFactor, 'totp' | 'webauthn'>, Equal<AuthMethod, 'totp' | 'webauthn' | 'recovery'>,
] = [true, true, true, true, true, true];

describe('factor facts', () => {
  it('the derived types are as pinned', () => assert.ok(typesAre.every(Boolean)));

  it('lists the four factors, password first', () => {
    assert.deepEqual(factors, ['password', 'totp', 'webauthn', 'recovery']);
    assert.deepEqual(Object.keys(factorFacts).sort(), [...factors].sort());
  });

  it('password names the person (first factor); TOTP, WebAuthn and a recovery code complete the sign-in', () => {
    assert.deepEqual(factors.filter(isFirstFactor), ['password']);
    assert.deepEqual(secondFactors, ['totp', 'webauthn', 'recovery']);
    assert.deepEqual(factors.filter(isSecondFactor), secondFactors);
    assert.equal(isSecondFactor('sms'), false);
    assert.equal(isFirstFactor(undefined), false);
  });

  it('TOTP and WebAuthn are proved with a device (the MFA device kinds); only WebAuthn is phishing-resistant', () => {
    assert.deepEqual(deviceFactors, ['totp', 'webauthn']);
    assert.deepEqual(factors.filter((f) => factorFacts[f].phishingResistant), ['webauthn']);
  });

  it('AuthMethod (PrincipalTag:AuthMethod, DESIGN.md) is totp or webauthn for a device, recovery for a code, none for the password', () => {
    assert.deepEqual(Object.fromEntries(factors.map((f) => [f, factorFacts[f].authMethod])), { password: null, totp: 'totp', webauthn: 'webauthn', recovery: 'recovery' });
    assert.equal(authMethodOf('webauthn'), 'webauthn');
    assert.equal(authMethodOf('password'), undefined);
    assert.equal(authMethodOf(null), undefined);
    assert.equal(authMethodOf('sms'), undefined);
  });

  it('a role may require totp or webauthn: a security key meets both, an app only totp, a recovery code neither', () => {
    assert.deepEqual(requiredFactors, ['totp', 'webauthn']);
    const table = Object.fromEntries(factors.map((used) => [used, requiredFactors.filter((r) => meetsRequirement(used, r))]));
    assert.deepEqual(table, { password: [], totp: ['totp'], webauthn: ['totp', 'webauthn'], recovery: [] });
    for (const r of requiredFactors) assert.ok(meetsRequirement(r, r), `${r} meets its own requirement`);
    assert.equal(isRequiredFactor('recovery'), false);
    assert.equal(strongestRequiredFactor, 'webauthn');
  });

  it('every factor has page labels, and no two factors share a name', () => {
    for (const f of factors) {
      for (const [k, v] of Object.entries(factorFacts[f].label)) assert.ok(v.trim().length > 0, `${f}.label.${k} is empty`);
    }
    assert.equal(new Set(factors.map((f) => factorFacts[f].label.name)).size, factors.length);
    assert.equal(factorFacts.webauthn.label.name, 'Security key or passkey');
    assert.equal(factorFacts.totp.label.name, 'Authenticator app');
  });

  it('every factor has its own strategy in the registry', () => {
    for (const f of factors) assert.equal(strategyFor(f).factor, f);
  });

  it('the store validates factor columns against the same list', () => {
    for (const f of factors) assert.equal(factorColumn.parse(f), f);
    assert.equal(factorColumn.safeParse('sms').success, false);
    assert.deepEqual(factorList.parse(['password', 'totp']), ['password', 'totp']);
    assert.equal(factorList.safeParse(['password', 'sms']).success, false);
    assert.equal(lastFactorColumn.parse('sms'), null, 'an unknown last factor is only a lost hint');
    assert.deepEqual(deviceFactors.map((f) => deviceKindColumn.parse(f)), ['totp', 'webauthn']);
    assert.equal(deviceKindColumn.safeParse('recovery').success, false);
    assert.equal(requiredFactorColumn.parse(null), null);
    assert.equal(requiredFactorColumn.safeParse('recovery').success, false);
  });
});
