import type { Kysely } from 'kysely';

/**
 * 006: administration (issue 10). `sessions.authenticated_at`: when the session's person last proved a second
 * factor (sign-in or step-up), for the admin policy's re-authentication window. `admin_api_tokens`: the admin
 * REST API's bearer tokens (stored hashed, scoped read or write, with an expiry). See src/store/tables.ts and
 * docs/storage.md.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  const ms = 'bigint' as const;
  await db.schema.alterTable('sessions').addColumn('authenticated_at', ms).execute();
  await db.schema.createTable('admin_api_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('expires_at', ms, (c) => c.notNull())
    .addColumn('last_used_at', ms)
    .addColumn('revoked_at', ms)
    .execute();
}
