/**
 * A software WebAuthn authenticator plus the browser's part of the ceremony, for tests without a browser.
 *
 *   const auth = createSoftAuthenticator({ rpId: 'localhost', origin: 'http://localhost:8080' });
 *   const regResponse = auth.register(creationOptionsJSON);        // → RegistrationResponseJSON
 *   const authResponse = auth.authenticate(requestOptionsJSON);    // → AuthenticationResponseJSON
 *
 * Keys are P-256 (ES256) from node:crypto, attestation is 'none', the CBOR is encoded by hand below.
 * Like a browser, it refuses to create a credential listed in excludeCredentials and signs only with a
 * credential listed in allowCredentials (any of its own when the list is empty). The knobs in
 * `authenticate(options, tweaks)` simulate misbehaving clients and cloned keys.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON, PublicKeyCredentialCreationOptionsJSON, PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '../../src/auth/webauthn.js';

export interface SoftAuthenticatorOptions {
  /** The RP ID the authenticator hashes into authenticator data. */
  rpId: string;
  /** The origin the "browser" puts in clientDataJSON. */
  origin: string;
  /** Set the UV flag (a PIN / biometric was checked). Default true. */
  userVerified?: boolean;
  /** Report a synced passkey (BE and BS flags). Default false: a single-device security key. */
  backedUp?: boolean;
  /** Keep the signature counter at 0, as many passkey providers do. Default false: it counts up. */
  zeroCounter?: boolean;
}

export interface AuthenticateTweaks {
  /** Put `crossOrigin: true` in clientDataJSON (a ceremony inside a cross-origin iframe). */
  crossOrigin?: boolean;
  /** Sign this counter value instead of the next one (a cloned key, or a replay). Does not change state. */
  counterOverride?: number;
  /** Claim another origin in clientDataJSON (a phishing page relaying the ceremony). */
  origin?: string;
  /** Hash another RP ID into authenticator data. */
  rpId?: string;
  /** Sign another challenge (base64url) than the options carry. */
  challenge?: string;
  /** Use this credential id, even if allowCredentials does not list it. */
  credentialId?: string;
}

export interface SoftCredential {
  /** base64url credential id. */
  id: string;
  privateKey: KeyObject;
  /** The current signature counter (after the last authenticate). */
  counter: number;
  /** base64url user handle from the registration options. */
  userHandle: string;
  rpId: string;
}

export interface SoftAuthenticator {
  readonly rpId: string;
  readonly origin: string;
  /** Credentials created so far, by base64url id. */
  readonly credentials: ReadonlyMap<string, SoftCredential>;
  register(options: PublicKeyCredentialCreationOptionsJSON, tweaks?: Omit<AuthenticateTweaks, 'counterOverride' | 'credentialId'>): RegistrationResponseJSON;
  authenticate(options: PublicKeyCredentialRequestOptionsJSON, tweaks?: AuthenticateTweaks): AuthenticationResponseJSON;
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;
const AAGUID = Buffer.alloc(16); // 'none' attestation: all zeros

export function createSoftAuthenticator(opts: SoftAuthenticatorOptions): SoftAuthenticator {
  const credentials = new Map<string, SoftCredential>();
  const userVerified = opts.userVerified ?? true;
  const flagsBase = FLAG_UP | (userVerified ? FLAG_UV : 0) | (opts.backedUp ? FLAG_BE | FLAG_BS : 0);

  function clientData(type: 'webauthn.create' | 'webauthn.get', challenge: string, tweaks: AuthenticateTweaks): Buffer {
    return Buffer.from(JSON.stringify({
      type, challenge, origin: tweaks.origin ?? opts.origin, crossOrigin: tweaks.crossOrigin ?? false,
    }), 'utf8');
  }

  return {
    rpId: opts.rpId,
    origin: opts.origin,
    credentials,

    register(options, tweaks = {}) {
      const rpId = tweaks.rpId ?? options.rp.id ?? opts.rpId;
      for (const ex of options.excludeCredentials ?? []) {
        if (credentials.has(ex.id)) throw new Error('InvalidStateError: this authenticator already holds an excluded credential');
      }
      if (!options.pubKeyCredParams.some((p) => p.alg === -7)) throw new Error('NotSupportedError: ES256 not offered');
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const jwk = publicKey.export({ format: 'jwk' });
      const coseKey = new Map<number, CborValue>([
        [1, 2], // kty: EC2
        [3, -7], // alg: ES256
        [-1, 1], // crv: P-256
        [-2, Buffer.from(jwk.x ?? '', 'base64url')],
        [-3, Buffer.from(jwk.y ?? '', 'base64url')],
      ]);
      const credentialId = randomBytes(32);
      const id = credentialId.toString('base64url');
      const counter = 0;
      const idLength = Buffer.alloc(2);
      idLength.writeUInt16BE(credentialId.length);
      const authData = Buffer.concat([
        sha256(rpId), Buffer.from([flagsBase | FLAG_AT]), u32(counter), AAGUID, idLength, credentialId, cbor(coseKey),
      ]);
      const attestationObject = cbor(new Map<string, CborValue>([
        ['fmt', 'none'], ['attStmt', new Map<string, CborValue>()], ['authData', authData],
      ]));
      credentials.set(id, { id, privateKey, counter, userHandle: options.user.id, rpId });
      return {
        id, rawId: id, type: 'public-key',
        response: {
          clientDataJSON: clientData('webauthn.create', tweaks.challenge ?? options.challenge, tweaks).toString('base64url'),
          attestationObject: attestationObject.toString('base64url'),
          transports: ['usb'],
        },
        authenticatorAttachment: 'cross-platform',
        clientExtensionResults: {},
      };
    },

    authenticate(options, tweaks = {}) {
      const allowed = options.allowCredentials ?? [];
      let cred: SoftCredential | undefined;
      if (tweaks.credentialId !== undefined) cred = credentials.get(tweaks.credentialId);
      else if (allowed.length === 0) cred = credentials.values().next().value;
      else cred = allowed.map((a) => credentials.get(a.id)).find((c) => c !== undefined);
      if (!cred) throw new Error('NotAllowedError: no matching credential on this authenticator');
      let counter: number;
      if (tweaks.counterOverride !== undefined) counter = tweaks.counterOverride;
      else {
        if (!opts.zeroCounter) cred.counter += 1;
        counter = cred.counter;
      }
      const rpId = tweaks.rpId ?? options.rpId ?? opts.rpId;
      const authData = Buffer.concat([sha256(rpId), Buffer.from([flagsBase]), u32(counter)]);
      const cd = clientData('webauthn.get', tweaks.challenge ?? options.challenge, tweaks);
      // ES256: ECDSA P-256 over authData || SHA-256(clientDataJSON), DER-encoded signature.
      const signature = sign('sha256', Buffer.concat([authData, createHash('sha256').update(cd).digest()]), cred.privateKey);
      return {
        id: cred.id, rawId: cred.id, type: 'public-key',
        response: {
          clientDataJSON: cd.toString('base64url'),
          authenticatorData: authData.toString('base64url'),
          signature: signature.toString('base64url'),
          userHandle: cred.userHandle,
        },
        authenticatorAttachment: 'cross-platform',
        clientExtensionResults: {},
      };
    },
  };
}

function sha256(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

// ---- a tiny CBOR encoder (RFC 8949): unsigned/negative ints, byte and text strings, arrays, maps ----

export type CborValue = number | string | Uint8Array | CborValue[] | Map<number | string, CborValue>;

/** Encode `v` as CBOR (definite lengths; map keys in insertion order, as WebAuthn authenticators do). */
export function cbor(v: CborValue): Buffer {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new RangeError('only integers are supported');
    return v >= 0 ? head(0, v) : head(1, -1 - v);
  }
  if (typeof v === 'string') {
    const b = Buffer.from(v, 'utf8');
    return Buffer.concat([head(3, b.length), b]);
  }
  if (v instanceof Uint8Array) return Buffer.concat([head(2, v.length), Buffer.from(v)]);
  if (Array.isArray(v)) return Buffer.concat([head(4, v.length), ...v.map(cbor)]);
  const parts: Buffer[] = [head(5, v.size)];
  for (const [k, val] of v) parts.push(cbor(k), cbor(val));
  return Buffer.concat(parts);
}

function head(major: number, n: number): Buffer {
  const m = major << 5;
  if (n < 24) return Buffer.from([m | n]);
  if (n < 0x100) return Buffer.from([m | 24, n]);
  if (n < 0x10000) {
    const b = Buffer.alloc(3);
    b[0] = m | 25;
    b.writeUInt16BE(n, 1);
    return b;
  }
  if (n < 0x100000000) {
    const b = Buffer.alloc(5);
    b[0] = m | 26;
    b.writeUInt32BE(n, 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = m | 27;
  b.writeBigUInt64BE(BigInt(n), 1);
  return b;
}
