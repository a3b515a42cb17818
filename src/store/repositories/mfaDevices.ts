import type { Kysely, Selectable } from 'kysely';
import type { DeviceFactor } from '../../auth/factors.js';
import type { Database, MfaDevicesTable } from '../tables.js';
import { inTransaction } from '../inTransaction.js';
import { deviceKindColumn, parseColumn, parseJsonColumn, stringArray } from '../json.js';
import { PreparedQuery } from '../preparedQuery.js';

export interface MfaDevice {
  id: string;
  userId: string;
  /** The factor the device proves. */
  kind: DeviceFactor;
  name: string;
  secretEnc: string | null;
  lastStep: number | null;
  credentialId: string | null;
  publicKey: string | null;
  counter: number | null;
  transports: string[];
  flagged: boolean;
  confirmed: boolean;
  createdAt: number;
  lastUsedAt: number | null;
}

const num = (v: number | null): number | null => (v === null ? null : Number(v));
function toDevice(r: Selectable<MfaDevicesTable>): MfaDevice {
  return {
    id: r.id, userId: r.user_id, kind: parseColumn({ column: 'mfa_devices.kind', row: r.id }, deviceKindColumn, r.kind), name: r.name, secretEnc: r.secret_enc, lastStep: num(r.last_step),
    credentialId: r.credential_id, publicKey: r.public_key, counter: num(r.counter),
    transports: parseJsonColumn({ column: 'mfa_devices.transports', row: r.id }, stringArray, r.transports, []), flagged: r.flagged === 1, confirmed: r.confirmed === 1,
    createdAt: Number(r.created_at), lastUsedAt: num(r.last_used_at),
  };
}

/** MFA devices (TOTP and WebAuthn) and recovery codes. */
export class MfaDevicesRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(d: Omit<MfaDevice, 'flagged' | 'lastUsedAt'>): Promise<void> {
    await this.db.insertInto('mfa_devices').values({
      id: d.id, user_id: d.userId, kind: d.kind, name: d.name, secret_enc: d.secretEnc, last_step: d.lastStep,
      credential_id: d.credentialId, public_key: d.publicKey, counter: d.counter, transports: JSON.stringify(d.transports),
      flagged: 0, confirmed: d.confirmed ? 1 : 0, created_at: d.createdAt, last_used_at: null,
    }).execute();
  }

  // The statements of every sign-in, prepared (see PreparedQuery).
  readonly #listForUser = new PreparedQuery((db, p: { userId: string }) => db.selectFrom('mfa_devices').selectAll().where('user_id', '=', p.userId).orderBy('created_at'));
  readonly #listConfirmedForUser = new PreparedQuery((db, p: { userId: string }) => db.selectFrom('mfa_devices').selectAll()
    .where('user_id', '=', p.userId).where('confirmed', '=', 1).orderBy('created_at'));
  readonly #consumeTotpStep = new PreparedQuery((db, p: { deviceId: string; step: number; now: number }) => db.updateTable('mfa_devices')
    .set({ last_step: p.step, last_used_at: p.now })
    .where('id', '=', p.deviceId)
    .where((eb) => eb.or([eb('last_step', 'is', null), eb('last_step', '<', p.step)])));

  async listForUser(userId: string, opts: { confirmedOnly?: boolean } = {}): Promise<MfaDevice[]> {
    const q = opts.confirmedOnly ? this.#listConfirmedForUser : this.#listForUser;
    return (await q.execute(this.db, { userId })).rows.map(toDevice);
  }

  async findById(id: string): Promise<MfaDevice | undefined> {
    const r = await this.db.selectFrom('mfa_devices').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toDevice(r);
  }

  async findByCredentialId(credentialId: string): Promise<MfaDevice | undefined> {
    const r = await this.db.selectFrom('mfa_devices').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
    return r && toDevice(r);
  }

  /**
   * Atomically records `step` as the last used TOTP time step. Returns false when that step (or a later
   * one) was already used: the compare-and-set that keeps each step single-use across nodes.
   */
  async consumeTotpStep(deviceId: string, step: number, now: number): Promise<boolean> {
    const r = await this.#consumeTotpStep.execute(this.db, { deviceId, step, now });
    return Number(r.numAffectedRows ?? 0) === 1;
  }

  /** Atomically moves a WebAuthn counter forward; false when another node already stored this or a later counter. */
  async advanceCounter(deviceId: string, expected: number, next: number, now: number): Promise<boolean> {
    const r = await this.db.updateTable('mfa_devices').set({ counter: next, last_used_at: now })
      .where('id', '=', deviceId).where('counter', '=', expected).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async touch(deviceId: string, now: number): Promise<void> {
    await this.db.updateTable('mfa_devices').set({ last_used_at: now }).where('id', '=', deviceId).execute();
  }

  async confirm(deviceId: string, patch: { lastStep?: number } = {}): Promise<void> {
    await this.db.updateTable('mfa_devices').set({ confirmed: 1, ...(patch.lastStep !== undefined ? { last_step: patch.lastStep } : {}) })
      .where('id', '=', deviceId).execute();
  }

  async flag(deviceId: string): Promise<void> {
    await this.db.updateTable('mfa_devices').set({ flagged: 1 }).where('id', '=', deviceId).execute();
  }

  async rename(deviceId: string, name: string): Promise<void> {
    await this.db.updateTable('mfa_devices').set({ name }).where('id', '=', deviceId).execute();
  }

  /** Renames the device only if it is still called `from` (compare-and-set); false when another change came first. */
  async renameFrom(deviceId: string, from: string, to: string): Promise<boolean> {
    const r = await this.db.updateTable('mfa_devices').set({ name: to }).where('id', '=', deviceId).where('name', '=', from).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async delete(deviceId: string): Promise<void> {
    await this.db.deleteFrom('mfa_devices').where('id', '=', deviceId).execute();
  }

  /** Removes every device of a person, confirmed or not (a reset of their MFA); returns how many. */
  async deleteForUser(userId: string): Promise<number> {
    const r = await this.db.deleteFrom('mfa_devices').where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async deleteUnconfirmed(userId: string): Promise<void> {
    await this.db.deleteFrom('mfa_devices').where('user_id', '=', userId).where('confirmed', '=', 0).execute();
  }

  /** Replaces a user's recovery codes with new hashes (atomically; joins the caller's transaction if any). */
  async replaceRecoveryCodes(userId: string, hashes: { id: string; hash: string }[], now: number): Promise<void> {
    await inTransaction(this.db, async (trx) => {
      await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
      if (hashes.length > 0) {
        await trx.insertInto('recovery_codes').values(hashes.map((h) => ({ id: h.id, user_id: userId, code_hash: h.hash, used_at: null, created_at: now }))).execute();
      }
    });
  }

  /** Marks a recovery code used; false when it does not exist or was used already (atomic). */
  async consumeRecoveryCode(userId: string, hash: string, now: number): Promise<boolean> {
    const r = await this.db.updateTable('recovery_codes').set({ used_at: now })
      .where('user_id', '=', userId).where('code_hash', '=', hash).where('used_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async remainingRecoveryCodes(userId: string): Promise<number> {
    const r = await this.db.selectFrom('recovery_codes').select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
