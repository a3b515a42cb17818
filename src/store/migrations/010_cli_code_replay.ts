import type { Kysely } from 'kysely';

/**
 * 010: `cli_codes.token_hash` and `cli_codes.replayed_at` (RFC 6749 §4.1.2: a code used twice revokes the token it
 * gave). `token_hash` is the CLI token the code's redemption issued, written in the same transaction as the token;
 * `replayed_at` is set by the first redemption attempt after the code was used. Existing codes have neither. See
 * src/store/tables.ts and docs/storage.md.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('cli_codes').addColumn('token_hash', 'text').execute();
  await db.schema.alterTable('cli_codes').addColumn('replayed_at', 'bigint').execute();
}
