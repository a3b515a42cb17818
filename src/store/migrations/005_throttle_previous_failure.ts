import type { Kysely } from 'kysely';

/**
 * 005: `throttles.previous_failure_at`, the latest counted attempt before the newest one, so that handing back a
 * verified attempt restores the count's time exactly: a successful sign-in no longer keeps other people's old
 * failures at a shared address from expiring (issue 11). See src/store/tables.ts and docs/storage.md.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('throttles').addColumn('previous_failure_at', 'bigint').execute();
}
