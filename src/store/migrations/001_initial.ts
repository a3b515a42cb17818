import type { Kysely } from 'kysely';
import type { Dialect } from '../createDatabase.js';

/** 001: the whole initial schema (see src/store/tables.ts and docs/storage.md). */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const ms = 'bigint' as const;
  await db.schema.createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('username_lower', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text')
    .addColumn('email_lower', 'text', (c) => c.unique())
    .addColumn('display_name', 'text')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
    .addColumn('attributes', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('password_hash', 'text')
    .addColumn('last_factor', 'text')
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('updated_at', ms, (c) => c.notNull())
    .execute();

  await db.schema.createTable('groups')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('description', 'text')
    .addColumn('tags', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', ms, (c) => c.notNull())
    .execute();

  await db.schema.createTable('memberships')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('memberships_pk', ['user_id', 'group_id'])
    .execute();

  await db.schema.createTable('aws_accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('alias', 'text', (c) => c.notNull().unique())
    .addColumn('partition', 'text', (c) => c.notNull().defaultTo('aws'))
    .addColumn('provider_name', 'text', (c) => c.notNull())
    .addColumn('region', 'text')
    .execute();

  await db.schema.createTable('role_mappings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('group_id', 'text', (c) => c.notNull().references('groups.id').onDelete('cascade'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('aws_accounts.id').onDelete('cascade'))
    .addColumn('role_name', 'text', (c) => c.notNull())
    .addColumn('session_duration', 'integer')
    .addColumn('require_factor', 'text')
    .addColumn('source_ips', 'text', (c) => c.notNull().defaultTo('[]'))
    .addUniqueConstraint('role_mappings_unique', ['group_id', 'account_id', 'role_name'])
    .execute();

  await db.schema.createTable('mfa_devices')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('secret_enc', 'text')
    .addColumn('last_step', ms)
    .addColumn('credential_id', 'text', (c) => c.unique())
    .addColumn('public_key', 'text')
    .addColumn('counter', ms)
    .addColumn('transports', 'text')
    .addColumn('flagged', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('confirmed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('last_used_at', ms)
    .execute();
  await db.schema.createIndex('mfa_devices_user').on('mfa_devices').column('user_id').execute();

  await db.schema.createTable('recovery_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('used_at', ms)
    .addColumn('created_at', ms, (c) => c.notNull())
    .execute();
  await db.schema.createIndex('recovery_codes_user').on('recovery_codes').column('user_id').execute();

  await db.schema.createTable('sessions')
    .addColumn('id_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('factors', 'text', (c) => c.notNull())
    .addColumn('auth_method', 'text')
    .addColumn('device_id', 'text')
    .addColumn('csrf', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('last_seen_at', ms, (c) => c.notNull())
    .addColumn('expires_at', ms, (c) => c.notNull())
    .execute();

  await db.schema.createTable('login_flows')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('factors_done', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('pending', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('csrf', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('expires_at', ms, (c) => c.notNull())
    .execute();

  await db.schema.createTable('single_use')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('expires_at', ms, (c) => c.notNull())
    .execute();

  await db.schema.createTable('audit_events')
    .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) => dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement())
    .addColumn('at', ms, (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text')
    .addColumn('username', 'text')
    .addColumn('ip', 'text')
    .addColumn('factor', 'text')
    .addColumn('device_id', 'text')
    .addColumn('device_name', 'text')
    .addColumn('reason', 'text')
    .addColumn('request_id', 'text')
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo('{}'))
    .execute();
  await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();

  await db.schema.createTable('service_providers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('entity_id', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('generic'))
    .addColumn('metadata_xml', 'text', (c) => c.notNull())
    .addColumn('acs', 'text', (c) => c.notNull())
    .addColumn('want_requests_signed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('signing_certs', 'text', (c) => c.notNull().defaultTo('[]'))
    .addColumn('name_id_format', 'text')
    .addColumn('created_at', ms, (c) => c.notNull())
    .execute();

  await db.schema.createTable('signing_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('private_key_enc', 'text', (c) => c.notNull())
    .addColumn('certificate_pem', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('activated_at', ms)
    .addColumn('retired_at', ms)
    .execute();

  await db.schema.createTable('throttles')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('failures', 'integer', (c) => c.notNull())
    .addColumn('first_failure_at', ms, (c) => c.notNull())
    .addColumn('last_failure_at', ms, (c) => c.notNull())
    .addColumn('locked_until', ms)
    .execute();

  await db.schema.createTable('enrollment_tokens')
    .addColumn('token_hash', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('created_at', ms, (c) => c.notNull())
    .addColumn('expires_at', ms, (c) => c.notNull())
    .addColumn('used_at', ms)
    .execute();

  await db.schema.createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();
}
