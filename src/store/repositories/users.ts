import type { Kysely, Selectable } from 'kysely';
import type { Database, UsersTable } from '../tables.js';
import type { Factor } from '../../auth/factors.js';
import { lastFactorColumn, parseJsonColumn, stringRecord } from '../json.js';

/** A person as the rest of Gatehouse sees them. */
export interface User {
  id: string;
  username: string;
  email: string | null;
  displayName: string | null;
  status: 'active' | 'disabled';
  attributes: Record<string, string>;
  passwordHash: string | null;
  /** The factor of the last complete sign-in: offered first next time. */
  lastFactor: Factor | null;
  /** IANA time zone for the person's pages; null: the configured `ui.timeZone`. */
  timeZone: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface NewUser {
  id: string;
  username: string;
  email?: string | null;
  displayName?: string | null;
  status?: 'active' | 'disabled';
  attributes?: Record<string, string>;
  passwordHash?: string | null;
  timeZone?: string | null;
}

/** A `users` row as a User. */
export function toUser(r: Selectable<UsersTable>): User {
  return {
    id: r.id, username: r.username, email: r.email, displayName: r.display_name, status: r.status,
    attributes: parseJsonColumn({ column: 'users.attributes', row: r.id }, stringRecord, r.attributes, {}), passwordHash: r.password_hash,
    lastFactor: lastFactorColumn.parse(r.last_factor), timeZone: r.time_zone ?? null, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
  };
}

/** Users: unique case-insensitive username and email. */
export class UsersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(u: NewUser, now: number): Promise<User> {
    const row = {
      id: u.id, username: u.username, username_lower: u.username.toLowerCase(), email: u.email ?? null,
      email_lower: u.email ? u.email.toLowerCase() : null, display_name: u.displayName ?? null,
      status: u.status ?? 'active', attributes: JSON.stringify(u.attributes ?? {}), password_hash: u.passwordHash ?? null,
      last_factor: null, time_zone: u.timeZone ?? null, created_at: now, updated_at: now,
    } as const;
    await this.db.insertInto('users').values(row).execute();
    return toUser(row);
  }

  async findById(id: string): Promise<User | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toUser(r);
  }

  async findByUsername(username: string): Promise<User | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('username_lower', '=', username.toLowerCase()).executeTakeFirst();
    return r && toUser(r);
  }

  /** Finds by username or, failing that, by email (both case-insensitive): what the login form accepts. */
  async findByLogin(login: string): Promise<User | undefined> {
    const l = login.trim().toLowerCase();
    const r = await this.db.selectFrom('users').selectAll()
      .where((eb) => eb.or([eb('username_lower', '=', l), eb('email_lower', '=', l)]))
      .orderBy('username_lower').executeTakeFirst();
    return r && toUser(r);
  }

  async list(): Promise<User[]> {
    const rows = await this.db.selectFrom('users').selectAll().orderBy('username_lower').execute();
    return rows.map(toUser);
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async update(id: string, patch: Partial<Pick<User, 'email' | 'displayName' | 'status' | 'attributes' | 'passwordHash' | 'lastFactor' | 'timeZone'>>, now: number): Promise<void> {
    const set: Partial<Selectable<UsersTable>> = { updated_at: now };
    if (patch.email !== undefined) { set.email = patch.email; set.email_lower = patch.email ? patch.email.toLowerCase() : null; }
    if (patch.displayName !== undefined) set.display_name = patch.displayName;
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.attributes !== undefined) set.attributes = JSON.stringify(patch.attributes);
    if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
    if (patch.lastFactor !== undefined) set.last_factor = patch.lastFactor;
    if (patch.timeZone !== undefined) set.time_zone = patch.timeZone;
    await this.db.updateTable('users').set(set).where('id', '=', id).execute();
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('users').where('id', '=', id).execute();
  }
}
