/**
 * People as admins change them — create, edit, disable and enable, set a password — for the console, the admin
 * API and `gatehouse user …` alike. Each change and its audit event (by and via from the ChangeActor, the person
 * `before` and `after`) are written in one transaction. The rules for a username, an email and a display name
 * are the directory file's (`userSchema`), so a person the console makes is one the file could have made.
 * Resetting MFA, clearing a lock and issuing an enrollment link are `resetMfa`, `clearLock` and
 * `issueEnrollmentLink` in src/auth; devices are in personDevices.ts, groups in memberships.ts.
 */
import { randomUUID } from 'node:crypto';
import { withTransaction, type AppContext } from '../context.js';
import { GatehouseError } from '../errors.js';
import { recordAudit } from '../audit/recordAudit.js';
import { userSchema } from '../directory/directoryFile.js';
import { generatePassword, hashPassword } from '../auth/password.js';
import type { User } from '../store/repositories/users.js';
import type { Group } from '../store/repositories/groups.js';
import { changedBy, type ChangeActor } from './changeActor.js';
import { checkNewPassword, storePasswordHash } from '../auth/setPassword.js';
import { requireGroup, requirePerson } from './find.js';

export type PersonStatus = User['status'];

/** A person as audit events record them (never a secret). */
export function personRecord(u: Pick<User, 'username' | 'email' | 'displayName' | 'status'>, groups?: readonly string[]) {
  return { username: u.username, email: u.email, displayName: u.displayName, status: u.status, ...(groups ? { groups: [...groups] } : {}) };
}

/** The fields of a person that admins type, by their API names. */
export interface PersonFields {
  username?: string;
  email?: string | null;
  displayName?: string | null;
  attributes?: Record<string, string>;
}

/** The directory file's rules for the fields admins type (a username only when adding someone). */
const fieldRules = userSchema.pick({ username: true, email: true, display_name: true, attributes: true }).partial({ username: true });
/** API / form field name of each directory-file key. */
const fieldNames: Record<string, string> = { display_name: 'displayName' };

/**
 * Checks typed fields against the directory file's rules; throws `validation_failed` naming each bad field (by its
 * API name). An empty email or display name means none.
 */
function checkFields(f: PersonFields): { username: string; email: string | null; displayName: string | null; attributes: Record<string, string> } {
  const email = f.email?.trim() || null;
  const displayName = f.displayName?.trim() || null;
  const r = fieldRules.safeParse({ username: f.username, email: email ?? undefined, display_name: displayName ?? undefined, attributes: f.attributes ?? {} });
  if (!r.success) {
    const fields = r.error.issues.map((i) => {
      const key = String(i.path[0] ?? 'body');
      return { field: fieldNames[key] ?? key, message: i.message };
    });
    throw new GatehouseError('validation_failed', fields.map((x) => `${x.field}: ${x.message}`).join('; '), { publicDetail: fields });
  }
  return { username: r.data.username ?? '', email, displayName, attributes: r.data.attributes };
}

const emailTaken = (email: string) => new GatehouseError('conflict', `email ${email} is already used`);

/** A person to add: the typed fields, their groups (existing ones, by name) and, for the CLI, a status. */
export interface NewPerson extends PersonFields {
  username: string;
  groups?: readonly string[];
  status?: PersonStatus;
}

/**
 * Adds a person without a password (they choose one with their invitation link: `issueEnrollmentLink`) and puts
 * them in `groups`; records `user.created` with the person `after`. Throws `validation_failed` naming a bad field,
 * `not_found` for a group that does not exist, `conflict` when the username or email is taken (also when two
 * admins add the same person at once: the database's unique index decides, and the loser gets `conflict`).
 */
export async function createPerson(ctx: AppContext, input: NewPerson, actor: ChangeActor): Promise<User> {
  const v = checkFields(input);
  const groups: Group[] = [];
  for (const name of new Set(input.groups ?? [])) groups.push(await requireGroup(ctx, name));
  const taken = async (): Promise<GatehouseError | undefined> => {
    if (await ctx.store.users.findByUsername(v.username)) return new GatehouseError('conflict', `user "${v.username}" exists already`);
    if (v.email && await ctx.store.users.findByLogin(v.email)) return emailTaken(v.email);
    return undefined;
  };
  const before = await taken();
  if (before) throw before;
  try {
    return await withTransaction(ctx, async (tx) => {
      const created = await tx.store.users.create({ id: randomUUID(), username: v.username, email: v.email, displayName: v.displayName, status: input.status ?? 'active', attributes: v.attributes }, tx.now().getTime());
      for (const g of groups) await tx.store.groups.addMember(g.id, created.id);
      const names = groups.map((g) => g.name).sort();
      await recordAudit(tx, {
        type: 'user.created', outcome: 'success', userId: created.id, username: created.username,
        detail: { ...changedBy(actor), groups: names, after: personRecord(created, names) },
      }, { req: actor.req });
      return created;
    });
  } catch (e) {
    throw (await taken()) ?? e;
  }
}

/** What an edit may change. */
export interface PersonPatch {
  email?: string | null;
  displayName?: string | null;
  status?: PersonStatus;
}

/**
 * Edits a person: email and display name (one `user.updated` event with the changed fields before and after) and
 * status (`setPersonStatus`), in one transaction. A field that does not change is not recorded; a patch that
 * changes nothing records nothing. Returns the person as they are now.
 */
export async function updatePerson(ctx: AppContext, user: User, patch: PersonPatch, actor: ChangeActor): Promise<User> {
  const v = checkFields({ email: patch.email === undefined ? user.email : patch.email, displayName: patch.displayName === undefined ? user.displayName : patch.displayName });
  const before: Record<string, string | null> = {};
  const after: Record<string, string | null> = {};
  if (v.email !== user.email) { before.email = user.email; after.email = v.email; }
  if (v.displayName !== user.displayName) { before.displayName = user.displayName; after.displayName = v.displayName; }
  const emailCheck = async () => {
    const other = after.email ? await ctx.store.users.findByLogin(after.email) : undefined;
    return other && other.id !== user.id ? emailTaken(after.email!) : undefined;
  };
  const clash = await emailCheck();
  if (clash) throw clash;
  try {
    await withTransaction(ctx, async (tx) => {
      if (Object.keys(after).length > 0) {
        await tx.store.users.update(user.id, { ...('email' in after ? { email: v.email } : {}), ...('displayName' in after ? { displayName: v.displayName } : {}) }, tx.now().getTime());
        await recordAudit(tx, { type: 'user.updated', outcome: 'success', userId: user.id, username: user.username, detail: { ...changedBy(actor), before, after } }, { req: actor.req });
      }
      if (patch.status !== undefined) await setPersonStatus(tx, user, patch.status, actor);
    });
  } catch (e) {
    throw (await emailCheck()) ?? e;
  }
  return requirePerson(ctx, user.username);
}

/**
 * Disables or enables a person. Disabling ends their browser sessions and revokes their CLI sessions (they can
 * neither sign in nor receive roles); an admin cannot disable themself from the console or the API (`conflict`:
 * they would lock themself out mid-change). Records `user.disabled` / `user.enabled` with the status before and
 * after; returns false (and records nothing) when the person already had that status.
 */
export async function setPersonStatus(ctx: AppContext, user: User, status: PersonStatus, actor: ChangeActor): Promise<boolean> {
  if (status === 'disabled' && actor.via !== 'cli' && actor.by === user.username) {
    throw new GatehouseError('conflict', 'You cannot disable yourself: ask another administrator.');
  }
  return withTransaction(ctx, async (tx) => {
    const now = tx.now().getTime();
    const current = await requirePerson(tx, user.username);
    if (current.status === status) return false;
    await tx.store.users.update(user.id, { status }, now);
    const change = { ...changedBy(actor), before: { status: current.status }, after: { status } };
    if (status === 'disabled') {
      await tx.store.sessions.deleteForUser(user.id);
      const cliSessions = await tx.store.cliTokens.revokeForUser(user.id, now);
      await recordAudit(tx, { type: 'user.disabled', outcome: 'success', userId: user.id, username: user.username, detail: { ...change, cliSessions } }, { req: actor.req });
    } else {
      await recordAudit(tx, { type: 'user.enabled', outcome: 'success', userId: user.id, username: user.username, detail: change }, { req: actor.req });
    }
    return true;
  });
}

/** The new password: one an admin typed, or one Gatehouse makes (`generate`). */
export type NewPassword = ({ password: string } | { generate: true }) & { temporary?: boolean };

/**
 * Sets a person's password (the policy of `auth.passwordMinLength`, the blocklist, not their username or email;
 * argon2id before the transaction), ends their browser sessions and revokes their CLI sessions, and records
 * `user.password_set` (never the password). Returns the generated password, to be shown once, when asked to make one.
 */
export async function setPersonPassword(ctx: AppContext, user: User, input: NewPassword, actor: ChangeActor): Promise<{ generated?: string }> {
  const generated = 'generate' in input ? generatePassword(Math.max(5, Math.ceil(ctx.config.auth.passwordMinLength / 5))) : undefined;
  const password = generated ?? ('password' in input ? input.password : '');
  checkNewPassword(ctx, user, password);
  const hash = await hashPassword(password, ctx.config.auth.argon2);
  await withTransaction(ctx, (tx) => storePasswordHash(tx, user, hash, {
    temporary: input.temporary === true, ...changedBy(actor), generated: generated !== undefined, req: actor.req,
  }));
  return generated ? { generated } : {};
}
