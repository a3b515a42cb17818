import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../createDatabase.js';
import { auditHash, GENESIS_HASH, type ChainedColumns } from '../auditChain.js';

/**
 * 003: the audit log becomes a hash chain (docs/audit.md, "Tamper evidence"). `audit_events` gets `seq`
 * (unique, not null), `prev_hash` and `hash`; existing events are chained in `id` order; `audit_chain_head`
 * holds the newest `seq` and `hash`. SQLite cannot add NOT NULL columns to a table with rows, so there the
 * table is rebuilt (ids and the AUTOINCREMENT high-water mark are kept).
 */
export async function up(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  // Kysely runs PostgreSQL migrations in a transaction, SQLite ones not: make the rebuild all-or-nothing there.
  if (db.isTransaction) await migrate(db, dialect);
  else await db.transaction().execute((trx) => migrate(trx, dialect));
}

type Row = Omit<ChainedColumns, 'seq'> & { id: number };
const BATCH = 1000;

async function migrate(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  const source = dialect === 'sqlite' ? 'audit_events_unchained' : 'audit_events';
  if (dialect === 'sqlite') {
    await sql`alter table audit_events rename to audit_events_unchained`.execute(db);
    await sql`drop index if exists audit_events_at`.execute(db);
    await db.schema.createTable('audit_events')
      .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('seq', 'bigint', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
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
      .addColumn('prev_hash', 'text', (c) => c.notNull())
      .addColumn('hash', 'text', (c) => c.notNull())
      .execute();
  } else {
    await sql`alter table audit_events add column seq bigint, add column prev_hash text, add column hash text`.execute(db);
  }

  let seq = 0;
  let prev = GENESIS_HASH;
  let lastId = -1;
  for (;;) {
    const { rows } = await sql<Row>`select id, at, type, outcome, user_id, username, ip, factor, device_id, device_name, reason, request_id, detail
      from ${sql.table(source)} where id > ${lastId} order by id limit ${BATCH}`.execute(db);
    if (rows.length === 0) break;
    const chained = rows.map((r) => {
      const row = { ...r, id: Number(r.id), at: Number(r.at), seq: ++seq, prev_hash: prev };
      prev = auditHash(row, row.prev_hash);
      return { ...row, hash: prev };
    });
    lastId = chained[chained.length - 1]!.id;
    if (dialect === 'sqlite') {
      await db.insertInto('audit_events' as never).values(chained as never).execute();
    } else {
      const values = sql.join(chained.map((r) => sql`(${r.id}::bigint, ${r.seq}::bigint, ${r.prev_hash}, ${r.hash})`));
      await sql`update audit_events as a set seq = v.seq, prev_hash = v.prev_hash, hash = v.hash
        from (values ${values}) as v(id, seq, prev_hash, hash) where a.id = v.id`.execute(db);
    }
  }

  if (dialect === 'sqlite') {
    const { rows } = await sql<{ seq: number }>`select seq from sqlite_sequence where name = 'audit_events_unchained'`.execute(db);
    await sql`drop table audit_events_unchained`.execute(db);
    if (rows[0]) await sql`update sqlite_sequence set seq = max(seq, ${rows[0].seq}) where name = 'audit_events'`.execute(db);
  } else {
    await sql`alter table audit_events alter column seq set not null, alter column prev_hash set not null, alter column hash set not null`.execute(db);
  }
  await db.schema.createIndex('audit_events_seq').on('audit_events').column('seq').unique().execute();
  if (dialect === 'sqlite') await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();

  await db.schema.createTable('audit_chain_head')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('seq', 'bigint', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull())
    .execute();
  await sql`insert into audit_chain_head (id, seq, hash) values (1, ${seq}, ${prev})`.execute(db);
}
