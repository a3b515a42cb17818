import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isGatehouseError } from '../../../src/errors.js';
import {
  authenticationOptions, challengeKey, registrationOptions, verifyAuthentication, verifyRegistration,
  type RegisteredCredential,
} from '../../../src/auth/webauthn.js';
import { createSoftAuthenticator, cbor } from '../../helpers/softAuthenticator.js';

const rpId = 'gatehouse.example';
const origin = 'https://gatehouse.example';
const user = { id: 'user-1', username: 'alice', displayName: 'Alice Example' };

function rejectsWith(reason: string, extra?: (e: unknown) => void) {
  return (e: unknown) => {
    assert.ok(isGatehouseError(e, 'webauthn_failed'), `expected webauthn_failed, got ${String(e)}`);
    assert.equal((e.detail as { reason?: string }).reason, reason, e.message);
    extra?.(e);
    return true;
  };
}

async function registered(auth = createSoftAuthenticator({ rpId, origin })) {
  const options = await registrationOptions({ rpId, rpName: 'Gatehouse', user, excludeCredentialIds: [] });
  const cred = await verifyRegistration({ response: auth.register(options), expectedChallenge: options.challenge, expectedOrigin: origin, expectedRpId: rpId });
  return { auth, cred };
}

function stored(cred: RegisteredCredential, counter = cred.counter) {
  return { id: cred.credentialId, publicKey: cred.publicKey, counter, transports: cred.transports };
}

describe('registrationOptions / authenticationOptions', () => {
  test('carry the RP ID, the challenge, excluded credentials, attestation none, UV preferred', async () => {
    const challenge = new Uint8Array(32).fill(7);
    const o = await registrationOptions({
      rpId, rpName: 'Gatehouse', user, challenge,
      excludeCredentialIds: ['AAAA', { id: 'BBBB', transports: ['usb', 'nfc'] }],
    });
    assert.equal(o.rp.id, rpId);
    assert.equal(o.rp.name, 'Gatehouse');
    assert.equal(o.challenge, Buffer.from(challenge).toString('base64url'));
    assert.equal(o.attestation, 'none');
    assert.equal(o.user.name, 'alice');
    assert.equal(o.user.displayName, 'Alice Example');
    assert.equal(o.user.id, Buffer.from('user-1').toString('base64url'));
    assert.deepEqual(o.excludeCredentials?.map((c) => c.id), ['AAAA', 'BBBB']);
    assert.deepEqual(o.excludeCredentials?.[1]?.transports, ['usb', 'nfc']);
    assert.equal(o.authenticatorSelection?.userVerification, 'preferred');
    assert.deepEqual(o.pubKeyCredParams.map((p) => p.alg), [-8, -7, -257], 'EdDSA, ES256, RS256 on every Node (no experimental ML-DSA on Node 24)');
  });

  test('a fresh random 32-byte challenge each time when none is given', async () => {
    const a = await registrationOptions({ rpId, rpName: 'G', user });
    const b = await registrationOptions({ rpId, rpName: 'G', user });
    assert.notEqual(a.challenge, b.challenge);
    assert.equal(Buffer.from(a.challenge, 'base64url').length, 32);
  });

  test('authentication options list the allowed credentials and the RP ID', async () => {
    const o = await authenticationOptions({ rpId, allowCredentialIds: ['AAAA', { id: 'BBBB', transports: ['internal'] }], challenge: new Uint8Array(32) });
    assert.equal(o.rpId, rpId);
    assert.equal(o.challenge, Buffer.alloc(32).toString('base64url'));
    assert.deepEqual(o.allowCredentials?.map((c) => c.id), ['AAAA', 'BBBB']);
    assert.equal(o.userVerification, 'preferred');
  });

  test('challengeKey is the SHA-256 hex of the base64url challenge', () => {
    assert.equal(challengeKey('abc'), createHash('sha256').update('abc').digest('hex'));
    assert.match(challengeKey('x'), /^[0-9a-f]{64}$/);
  });
});

describe('verifyRegistration', () => {
  test('a good registration returns what the caller stores', async () => {
    const { auth, cred } = await registered();
    assert.ok(auth.credentials.has(cred.credentialId));
    assert.match(cred.credentialId, /^[A-Za-z0-9_-]+$/);
    assert.match(cred.publicKey, /^[A-Za-z0-9_-]+$/);
    assert.equal(cred.counter, 0);
    assert.deepEqual(cred.transports, ['usb']);
    assert.equal(cred.deviceType, 'singleDevice');
    assert.equal(cred.backedUp, false);
    assert.equal(cred.userVerified, true);
  });

  test('a synced passkey is reported as multiDevice and backed up', async () => {
    const { cred } = await registered(createSoftAuthenticator({ rpId, origin, backedUp: true }));
    assert.equal(cred.deviceType, 'multiDevice');
    assert.equal(cred.backedUp, true);
  });

  test('the function form of expectedChallenge consumes the challenge once', async () => {
    const auth = createSoftAuthenticator({ rpId, origin });
    const options = await registrationOptions({ rpId, rpName: 'G', user });
    const single = new Set([challengeKey(options.challenge)]);
    const consume = (c: string) => single.delete(challengeKey(c));
    const response = auth.register(options);
    await verifyRegistration({ response, expectedChallenge: consume, expectedOrigin: origin, expectedRpId: rpId });
    await assert.rejects(verifyRegistration({ response, expectedChallenge: consume, expectedOrigin: origin, expectedRpId: rpId }), rejectsWith('challenge'));
  });

  test('wrong origin, wrong RP ID, wrong challenge, crossOrigin are rejected', async () => {
    const options = await registrationOptions({ rpId, rpName: 'G', user });
    const auth = createSoftAuthenticator({ rpId, origin });
    const base = { expectedChallenge: options.challenge, expectedOrigin: origin, expectedRpId: rpId };
    await assert.rejects(verifyRegistration({ ...base, response: auth.register(options, { origin: 'https://evil.example' }) }), rejectsWith('origin'));
    await assert.rejects(verifyRegistration({ ...base, response: auth.register(options, { rpId: 'evil.example' }) }), rejectsWith('rp_id'));
    await assert.rejects(verifyRegistration({ ...base, response: auth.register(options, { challenge: 'AAAA' }) }), rejectsWith('challenge'));
    await assert.rejects(verifyRegistration({ ...base, response: auth.register(options, { crossOrigin: true }) }), rejectsWith('cross_origin'));
  });

  test('an excluded credential is not registered again', async () => {
    const { auth, cred } = await registered();
    const options = await registrationOptions({ rpId, rpName: 'G', user, excludeCredentialIds: [cred.credentialId] });
    assert.throws(() => auth.register(options), /InvalidStateError/);
  });

  test('garbage is webauthn_failed, never a bare Error', async () => {
    const options = await registrationOptions({ rpId, rpName: 'G', user });
    const response = createSoftAuthenticator({ rpId, origin }).register(options);
    const broken = { ...response, response: { ...response.response, attestationObject: cbor(new Map([['fmt', 'none']])).toString('base64url') } };
    await assert.rejects(verifyRegistration({ response: broken, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRpId: rpId }), (e) => isGatehouseError(e, 'webauthn_failed'));
    const noClientData = { ...response, response: { ...response.response, clientDataJSON: 'not json' } };
    await assert.rejects(verifyRegistration({ response: noClientData, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRpId: rpId }), rejectsWith('malformed'));
  });
});

describe('verifyAuthentication', () => {
  async function login(auth: ReturnType<typeof createSoftAuthenticator>, cred: RegisteredCredential, tweaks = {}) {
    const options = await authenticationOptions({ rpId, allowCredentialIds: [cred.credentialId] });
    return { options, response: auth.authenticate(options, tweaks) };
  }

  test('a good authentication returns the new counter', async () => {
    const { auth, cred } = await registered();
    const { options, response } = await login(auth, cred);
    const r = await verifyAuthentication({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRpId: rpId, credential: stored(cred) });
    assert.equal(r.newCounter, 1);
    assert.equal(r.userVerified, true);
    const second = await login(auth, cred);
    const r2 = await verifyAuthentication({ response: second.response, expectedChallenge: second.options.challenge, expectedOrigin: origin, expectedRpId: rpId, credential: stored(cred, r.newCounter) });
    assert.equal(r2.newCounter, 2);
  });

  test('a passkey that always reports counter 0 is fine', async () => {
    const { auth, cred } = await registered(createSoftAuthenticator({ rpId, origin, zeroCounter: true }));
    for (let i = 0; i < 2; i++) {
      const { options, response } = await login(auth, cred);
      const r = await verifyAuthentication({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRpId: rpId, credential: stored(cred, 0) });
      assert.equal(r.newCounter, 0);
    }
  });

  test('user verification is preferred, not required', async () => {
    const { auth, cred } = await registered(createSoftAuthenticator({ rpId, origin, userVerified: false }));
    const { options, response } = await login(auth, cred);
    const r = await verifyAuthentication({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRpId: rpId, credential: stored(cred) });
    assert.equal(r.userVerified, false);
  });

  test('wrong origin is rejected', async () => {
    const { auth, cred } = await registered();
    const { options, response } = await login(auth, cred, { origin: 'https://gatehouse.example.evil.test' });
    await assert.rejects(verifyAuthentication({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRpId: rpId, credential: stored(cred) }), rejectsWith('origin'));
  });

  test('wrong RP ID is rejected', async () => {
    const { auth, cred } = await registered();
    const { options, response } = await login(auth, cred, { rpId: 'evil.example' });
    await assert.rejects(verifyAuthentication({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRpId: rpId, credential: stored(cred) }), rejectsWith('rp_id'));
    const good = await login(auth, cred);
    await assert.rejects(verifyAuthentication({ response: good.response, expectedChallenge: good.options.challenge, expectedOrigin: origin, expectedRpId: 'other.example', credential: stored(cred) }), rejectsWith('rp_id'));
  });

  test('crossOrigin: true is rejected', async () => {
    const { auth, cred } = await registered();
    const { options, response } = await login(auth, cred, { crossOrigin: true });
    await assert.rejects(verifyAuthentication({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRpId: rpId, credential: stored(cred) }), rejectsWith('cross_origin'));
  });

  test('wrong challenge is rejected', async () => {
    const { auth, cred } = await registered();
    const { response } = await login(auth, cred);
    const other = await authenticationOptions({ rpId, allowCredentialIds: [cred.credentialId] });
    await assert.rejects(verifyAuthentication({ response, expectedChallenge: other.challenge, expectedOrigin: origin, expectedRpId: rpId, credential: stored(cred) }), rejectsWith('challenge'));
  });

  test('a signature by another key, or for another credential id, is rejected', async () => {
    const { auth, cred } = await registered();
    const { cred: otherCred } = await registered();
    const { options, response } = await login(auth, cred);
    // Same id, but the stored public key is another credential's: the signature does not verify.
    await assert.rejects(verifyAuthentication({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRpId: rpId, credential: { ...stored(cred), publicKey: otherCred.publicKey } }), rejectsWith('signature'));
    await assert.rejects(verifyAuthentication({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRpId: rpId, credential: stored(otherCred) }), rejectsWith('credential_mismatch'));
  });

  test('counter regression is flagged (cloned authenticator)', async () => {
    const { auth, cred } = await registered();
    for (const counterOverride of [5, 4]) {
      const { options, response } = await login(auth, cred, { counterOverride });
      await assert.rejects(
        verifyAuthentication({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRpId: rpId, credential: stored(cred, 5) }),
        rejectsWith('counter_regression', (e) => {
          assert.ok(isGatehouseError(e));
          assert.equal((e.detail as { counterRegression?: boolean }).counterRegression, true);
        }),
      );
    }
    // A zero counter after a non-zero one is a regression too.
    const { options, response } = await login(auth, cred, { counterOverride: 0 });
    await assert.rejects(verifyAuthentication({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRpId: rpId, credential: stored(cred, 5) }), rejectsWith('counter_regression'));
    // The next real counter value is accepted.
    const ok = await login(auth, cred, { counterOverride: 6 });
    const r = await verifyAuthentication({ response: ok.response, expectedChallenge: ok.options.challenge, expectedOrigin: origin, expectedRpId: rpId, credential: stored(cred, 5) });
    assert.equal(r.newCounter, 6);
  });

  test('a forged response with a low counter does not get the credential flagged', async () => {
    const { auth, cred } = await registered();
    const { cred: otherCred } = await registered();
    const { options, response } = await login(auth, cred, { counterOverride: 1 });
    // Signed by a key that is not the stored one: a signature failure, not a counter regression.
    await assert.rejects(
      verifyAuthentication({ response, expectedChallenge: options.challenge, expectedOrigin: origin, expectedRpId: rpId, credential: { ...stored(cred, 9), publicKey: otherCred.publicKey } }),
      rejectsWith('signature'),
    );
  });
});
