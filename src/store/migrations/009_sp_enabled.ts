import type { Kysely } from 'kysely';

/**
 * 009: `service_providers.enabled` (issue 10): 1 while the SP may sign people in, 0 once an admin disabled it
 * (its AuthnRequests are refused with `saml_sp_disabled`, and the portal hides it). Existing SPs stay enabled.
 * See src/store/tables.ts and docs/storage.md.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('service_providers').addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1)).execute();
}
