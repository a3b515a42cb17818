import type { AppContext } from '../../context.js';
import { loadSigningKeys } from '../../keys/signingKeyService.js';
import type { SigningKey } from '../../saml/signingKey.js';

export interface SigningKeys { active: SigningKey; published: SigningKey[] }

/**
 * Keeps the decrypted signing keys in memory for `ttlMs` so the hot path never reads or decrypts them per
 * request. Another node's `keys activate` takes effect here within `ttlMs` (30 s by default).
 */
export class SigningKeyCache {
  #keys: SigningKeys | undefined;
  #loadedAt = 0;
  #loading: Promise<SigningKeys> | undefined;

  constructor(private readonly ctx: AppContext, private readonly ttlMs = 30_000) {}

  async get(): Promise<SigningKeys> {
    const now = this.ctx.now().getTime();
    if (this.#keys && now - this.#loadedAt < this.ttlMs) return this.#keys;
    this.#loading ??= loadSigningKeys(this.ctx).then((k) => {
      this.#keys = k;
      this.#loadedAt = this.ctx.now().getTime();
      return k;
    }).finally(() => { this.#loading = undefined; });
    return this.#loading;
  }

  /** Forgets the cached keys (after a rotation on this node). */
  invalidate(): void {
    this.#keys = undefined;
  }

  /** Waits for a key change made on this node, then forgets the cached keys, so that it shows here at once. */
  async afterChange<T>(change: Promise<T>): Promise<T> {
    try {
      return await change;
    } finally {
      this.invalidate();
    }
  }
}
