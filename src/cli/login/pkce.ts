import { createHash, randomBytes } from 'node:crypto';

/** A PKCE pair (RFC 7636, S256) and an OAuth `state`; the caller keeps all three until the code comes back. */
export interface PkcePair {
  /** 43 characters of base64url (32 random bytes): sent only to redeem the code. */
  verifier: string;
  /** base64url(SHA-256(verifier)): sent with the authorization request. */
  challenge: string;
  /** Random value the callback must echo. */
  state: string;
}

/** base64url(SHA-256(verifier)), as S256 defines it. */
export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A fresh verifier, its challenge and a state value. */
export function createPkcePair(): PkcePair {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: pkceChallenge(verifier), state: randomBytes(16).toString('base64url') };
}
