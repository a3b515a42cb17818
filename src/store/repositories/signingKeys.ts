import type { Kysely, Selectable } from 'kysely';
import type { Database, SigningKeysTable } from '../tables.js';

export interface SigningKeyRecord {
  id: string;
  state: 'next' | 'active' | 'retired';
  privateKeyEnc: string;
  certificatePem: string;
  createdAt: number;
  activatedAt: number | null;
  retiredAt: number | null;
}

const toKey = (r: Selectable<SigningKeysTable>): SigningKeyRecord => ({
  id: r.id, state: r.state, privateKeyEnc: r.private_key_enc, certificatePem: r.certificate_pem, createdAt: Number(r.created_at),
  activatedAt: r.activated_at === null ? null : Number(r.activated_at), retiredAt: r.retired_at === null ? null : Number(r.retired_at),
});

/** Signing keys (private part encrypted at rest) with their state: next → active → retired. */
export class SigningKeysRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(k: SigningKeyRecord): Promise<void> {
    await this.db.insertInto('signing_keys').values({
      id: k.id, state: k.state, private_key_enc: k.privateKeyEnc, certificate_pem: k.certificatePem, created_at: k.createdAt,
      activated_at: k.activatedAt, retired_at: k.retiredAt,
    }).execute();
  }

  async list(): Promise<SigningKeyRecord[]> {
    return (await this.db.selectFrom('signing_keys').selectAll().orderBy('created_at').execute()).map(toKey);
  }

  async findActive(): Promise<SigningKeyRecord | undefined> {
    const r = await this.db.selectFrom('signing_keys').selectAll().where('state', '=', 'active').orderBy('activated_at', 'desc').executeTakeFirst();
    return r && toKey(r);
  }

  /**
   * Makes `id` the active key and retires the previous active one. Call inside `store.transaction` (the two
   * updates must land together); a retired key may come back (rollback), so `retired_at` is cleared.
   */
  async activate(id: string, now: number): Promise<void> {
    await this.db.updateTable('signing_keys').set({ state: 'retired', retired_at: now }).where('state', '=', 'active').where('id', '!=', id).execute();
    await this.db.updateTable('signing_keys').set({ state: 'active', activated_at: now, retired_at: null }).where('id', '=', id).execute();
  }

  /** Retires key `id`. */
  /** Retires key `id` unless it is (by now) the active key; false when it was not retired. */
  async retire(id: string, now: number): Promise<boolean> {
    const r = await this.db.updateTable('signing_keys').set({ state: 'retired', retired_at: now }).where('id', '=', id).where('state', '!=', 'active').executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('signing_keys').where('id', '=', id).execute();
  }
}
