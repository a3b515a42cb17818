import type { Kysely } from 'kysely';
import type { Database } from '../tables.js';
import { deleteExpired } from '../deleteExpired.js';

/** Single-use items (AuthnRequest IDs, WebAuthn challenges, CLI codes, enrollment links). */
export class SingleUseRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Atomically marks `key` as used until `expiresAt`. True the first time, false every later time, on
   * any node (a primary-key insert; expired keys are purged and may then be used again).
   */
  async consume(key: string, expiresAt: number, now: number): Promise<boolean> {
    await this.db.deleteFrom('single_use').where('key', '=', key).where('expires_at', '<', now).execute();
    const r = await this.db.insertInto('single_use').values({ key, expires_at: expiresAt })
      .onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  /**
   * An AuthnRequest ID from the SP `issuer` (entityID), accepted once on every node: true the first time,
   * false for a replay. Kept until `expiresAt` (the request's own validity, with clock skew).
   */
  async consumeAuthnRequestId(issuer: string, requestId: string, expiresAt: number, now: number): Promise<boolean> {
    return this.consume(`authn-request:${issuer}:${requestId}`, expiresAt, now);
  }

  /**
   * The answer to the pending AuthnRequest `requestId` of the SP `sp` (entityID), given once on every node:
   * true the first time, false when it was answered already. Kept until `expiresAt` (as long as a resume link lives).
   * Its own kind of key: consuming the request ID does not answer it.
   */
  async consumeSamlAnswer(sp: string, requestId: string, expiresAt: number, now: number): Promise<boolean> {
    return this.consume(`saml-answer:${sp}:${requestId}`, expiresAt, now);
  }

  /** Removes expired keys, a batch at a time (see deleteExpired); returns how many went. */
  async purgeExpired(now: number): Promise<number> {
    return deleteExpired(this.db, { table: 'single_use', key: 'key' }, now);
  }
}
