import type { Kysely } from 'kysely';

/**
 * 007: what a person still has to do after signing in (issue 11): `users.password_temporary` (an admin or an
 * import set the password; the person chooses a new one right after the second factor) and
 * `users.recovery_codes_prompt` (imported with a TOTP seed and no recovery codes: shown new codes once, after
 * the next sign-in). See src/store/tables.ts and docs/storage.md.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('password_temporary', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('users').addColumn('recovery_codes_prompt', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
