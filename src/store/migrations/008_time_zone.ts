import type { Kysely } from 'kysely';

/**
 * 008: `users.time_zone`, the IANA time zone a person chose (on /account or `time_zone` in the directory file);
 * null means the configured `ui.timeZone`. See src/store/tables.ts and docs/storage.md.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('time_zone', 'text').execute();
}
