import type { Kysely } from 'kysely';
import type { Database } from '../tables.js';

/** Small key/value settings owned by the server (e.g. first-run state). */
export class SettingsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string): Promise<string | undefined> {
    return (await this.db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst())?.value;
  }

  /** Several keys in one query; absent keys are missing from the result. */
  async getMany(keys: readonly string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db.selectFrom('settings').select(['key', 'value']).where('key', 'in', [...keys]).execute();
    return new Map(rows.map((r) => [r.key, r.value]));
  }

  /** Sets `key` only when it has no value yet. True when this call set it: of concurrent calls (any node) exactly one is. */
  async insertIfAbsent(key: string, value: string): Promise<boolean> {
    const r = await this.db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doNothing()).executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async set(key: string, value: string): Promise<void> {
    await this.db.insertInto('settings').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
  }
}
