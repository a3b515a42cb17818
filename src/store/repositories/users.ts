import type { Kysely, Selectable } from 'kysely';
import type { Database, UsersTable } from '../tables.js';
import type { Factor } from '../../auth/factors.js';
import { lastFactorColumn, parseJsonColumn, stringRecord } from '../json.js';
import { PreparedQuery } from '../preparedQuery.js';

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
  /** Set by an admin or an import: the person must choose a new password right after the second factor. */
  passwordTemporary: boolean;
  /** Imported with a TOTP seed and no recovery codes: new codes are shown once, after the next sign-in. */
  recoveryCodesPrompt: boolean;
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
  passwordTemporary?: boolean;
}

/** A `users` row as a User. */
export function toUser(r: Selectable<UsersTable>): User {
  return {
    id: r.id, username: r.username, email: r.email, displayName: r.display_name, status: r.status,
    attributes: parseJsonColumn({ column: 'users.attributes', row: r.id }, stringRecord, r.attributes, {}), passwordHash: r.password_hash,
    lastFactor: lastFactorColumn.parse(r.last_factor), timeZone: r.time_zone ?? null, passwordTemporary: Number(r.password_temporary) === 1,
    recoveryCodesPrompt: Number(r.recovery_codes_prompt) === 1, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at),
  };
}

/** Users: unique case-insensitive username and email. */
export class UsersRepository {
  constructor(private readonly db: Kysely<Database>) {}

  // The look-ups of every sign-in, prepared (see PreparedQuery).
  readonly #findById = new PreparedQuery((db, p: { id: string }) => db.selectFrom('users').selectAll().where('id', '=', p.id));
  readonly #findByLogin = new PreparedQuery((db, p: { login: string }) => db.selectFrom('users').selectAll()
    .where((eb) => eb.or([eb('username_lower', '=', p.login), eb('email_lower', '=', p.login)]))
    .orderBy('username_lower').limit(1));

  async create(u: NewUser, now: number): Promise<User> {
    const row = {
      id: u.id, username: u.username, username_lower: u.username.toLowerCase(), email: u.email ?? null,
      email_lower: u.email ? u.email.toLowerCase() : null, display_name: u.displayName ?? null,
      status: u.status ?? 'active', attributes: JSON.stringify(u.attributes ?? {}), password_hash: u.passwordHash ?? null,
      last_factor: null, time_zone: u.timeZone ?? null, password_temporary: u.passwordTemporary ? 1 : 0, recovery_codes_prompt: 0, created_at: now, updated_at: now,
    } as const;
    await this.db.insertInto('users').values(row).execute();
    return toUser(row);
  }

  async findById(id: string): Promise<User | undefined> {
    const r = (await this.#findById.execute(this.db, { id })).rows[0];
    return r && toUser(r);
  }

  async findByUsername(username: string): Promise<User | undefined> {
    const r = await this.db.selectFrom('users').selectAll().where('username_lower', '=', username.toLowerCase()).executeTakeFirst();
    return r && toUser(r);
  }

  /** Finds by username or, failing that, by email (both case-insensitive): what the login form accepts. */
  async findByLogin(login: string): Promise<User | undefined> {
    const r = (await this.#findByLogin.execute(this.db, { login: login.trim().toLowerCase() })).rows[0];
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

  async update(id: string, patch: Partial<Pick<User, 'email' | 'displayName' | 'status' | 'attributes' | 'passwordHash' | 'lastFactor' | 'timeZone' | 'passwordTemporary' | 'recoveryCodesPrompt'>>, now: number): Promise<void> {
    const set: Partial<Selectable<UsersTable>> = { updated_at: now };
    if (patch.email !== undefined) { set.email = patch.email; set.email_lower = patch.email ? patch.email.toLowerCase() : null; }
    if (patch.displayName !== undefined) set.display_name = patch.displayName;
    if (patch.status !== undefined) set.status = patch.status;
    if (patch.attributes !== undefined) set.attributes = JSON.stringify(patch.attributes);
    if (patch.passwordHash !== undefined) set.password_hash = patch.passwordHash;
    if (patch.lastFactor !== undefined) set.last_factor = patch.lastFactor;
    if (patch.timeZone !== undefined) set.time_zone = patch.timeZone;
    if (patch.passwordTemporary !== undefined) set.password_temporary = patch.passwordTemporary ? 1 : 0;
    if (patch.recoveryCodesPrompt !== undefined) set.recovery_codes_prompt = patch.recoveryCodesPrompt ? 1 : 0;
    await this.db.updateTable('users').set(set).where('id', '=', id).execute();
  }

  /**
   * Clears the person's recovery-codes prompt if it is set, in one statement: true for exactly one caller
   * (the one that then shows the codes), false when it was not set or another request took it first.
   */
  async takeRecoveryCodesPrompt(id: string): Promise<boolean> {
    const r = await this.db.updateTable('users').set({ recovery_codes_prompt: 0 }).where('id', '=', id).where('recovery_codes_prompt', '=', 1).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async delete(id: string): Promise<void> {
    await this.db.deleteFrom('users').where('id', '=', id).execute();
  }
}
