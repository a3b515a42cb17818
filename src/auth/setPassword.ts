/**
 * A person's password, set in one place for every surface:
 * - `setPassword`: an admin sets it (`gatehouse user set-password [--temporary]`, the admin console and API);
 *   `storePasswordHash` is its second half for a hash made beforehand (the directory import);
 * - `changeOwnPassword`: the person chooses a new one (/account, or right after signing in with a temporary one).
 * Either way the person's other sessions and command-line sessions end, in the transaction that stores the hash
 * and records the audit event (never the password). The policy is `checkNewPassword`.
 */
import { withTransaction, type AppContext } from '../context.js';
import { recordAudit, type AuditRequest } from '../audit/recordAudit.js';
import { GatehouseError } from '../errors.js';
import type { User } from '../store/repositories/users.js';
import type { SecondFactor } from './factors.js';
import { checkPasswordPolicy, hashPassword, normalisePassword } from './password.js';
import { changedByDevice, type ChangedBy } from '../admin/changeActor.js';

/** What ended because the password changed. */
export interface PasswordReplaced {
  /** Browser sessions ended. */
  sessions: number;
  /** Command-line sessions revoked. */
  cliSessions: number;
}

/**
 * Checks a new password of `user`: the policy of `gatehouse user set-password` (`auth.passwordMinLength`, the
 * blocklist, not the username or email); typed the same twice when `confirm` is given; not the same as
 * `current` when given. Throws `password_rejected` with a message that names the field (`label`, default
 * "Password"); returns nothing.
 */
export function checkNewPassword(ctx: Pick<AppContext, 'config'>, user: Pick<User, 'username' | 'email'>, password: string,
  opts: { confirm?: string; current?: string; label?: string } = {}): void {
  const label = opts.label ?? 'Password';
  if (opts.current !== undefined && normalisePassword(opts.current) === normalisePassword(password)) {
    throw new GatehouseError('password_rejected', `${label} must be different from your current password.`, { detail: { reason: 'same_as_current' } });
  }
  checkPasswordPolicy(password, { minLength: ctx.config.auth.passwordMinLength, username: user.username, email: user.email, label });
  if (opts.confirm !== undefined && opts.confirm !== password) {
    throw new GatehouseError('password_rejected', `${label} again: the two passwords are not the same. Type the same password in both fields.`, { detail: { reason: 'confirm_differs' } });
  }
}

/** Stores the hash and flag, and ends the person's sessions (all, or all but `except`) and CLI sessions. */
async function replacePassword(tx: Pick<AppContext, 'store' | 'now'>, user: Pick<User, 'id'>, passwordHash: string, temporary: boolean, except?: string): Promise<PasswordReplaced> {
  const now = tx.now().getTime();
  await tx.store.users.update(user.id, { passwordHash, passwordTemporary: temporary }, now);
  const sessions = await tx.store.sessions.deleteForUser(user.id, except === undefined ? {} : { except });
  const cliSessions = await tx.store.cliTokens.revokeForUser(user.id, now);
  return { sessions, cliSessions };
}

/** Who set a password, for the audit event: `by` is an admin's username or `cli:<os user>`. */
export interface SetPasswordOptions extends Partial<Pick<ChangedBy, 'byFactor' | 'byDeviceId' | 'byDevice'>> {
  /** The person must choose a new password right after the second factor of their next sign-in. */
  temporary?: boolean;
  by: string;
  /** Which surface (console, api-session, api-token:<id>, cli). */
  via?: string;
  /** Gatehouse made the password (shown once to the admin). */
  generated?: boolean;
  req?: AuditRequest;
}

/**
 * An admin sets `user`'s password (checked by `checkNewPassword`, hashed with `auth.argon2`, slow hash before the
 * transaction), temporary or not: see `storePasswordHash`. Throws `password_rejected` before anything changes.
 */
export async function setPassword(ctx: AppContext, user: User, password: string, opts: SetPasswordOptions): Promise<PasswordReplaced> {
  checkNewPassword(ctx, user, password);
  const hash = await hashPassword(password, ctx.config.auth.argon2);
  return withTransaction(ctx, (tx) => storePasswordHash(tx, user, hash, opts));
}

/**
 * Stores an argon2id `hash` as `user`'s password set by an admin (temporary or not), ends all their sessions and
 * CLI sessions and records `user.password_set`. Pass a context inside the caller's transaction to join it (the
 * directory import does); the hash must be made (or checked) by the caller.
 */
export async function storePasswordHash(ctx: Pick<AppContext, 'store' | 'now'>, user: Pick<User, 'id' | 'username'>, hash: string, opts: SetPasswordOptions): Promise<PasswordReplaced> {
  const temporary = opts.temporary === true;
  const ended = await replacePassword(ctx, user, hash, temporary);
  await recordAudit(ctx, {
    type: 'user.password_set', outcome: 'success', userId: user.id, username: user.username, detail: { by: opts.by, ...(opts.via ? { via: opts.via } : {}), ...changedByDevice(opts), ...(opts.generated !== undefined ? { generated: opts.generated } : {}), temporary, ...ended },
  }, opts.req ? { req: opts.req } : {});
  return ended;
}

/** How a person's own change was confirmed. */
export interface OwnChange {
  /** The old password was temporary (the change right after signing in). */
  temporary: boolean;
  /** The session that made the change (it stays; every other one ends). */
  keepSession?: string;
  /** The second factor that confirmed it, for the audit event. */
  confirmedWith?: { factor: SecondFactor; deviceId: string | null; deviceName: string | null };
  req?: AuditRequest;
}

/**
 * The person chose a new password themself (the caller has checked it with `checkNewPassword` and confirmed
 * who they are): stores `hash` as a password that is no longer temporary, ends every other session and CLI
 * session, and records `user.password_changed`, in one transaction.
 */
export async function changeOwnPassword(ctx: AppContext, user: User, hash: string, o: OwnChange): Promise<PasswordReplaced> {
  return withTransaction(ctx, async (tx) => {
    const ended = await replacePassword(tx, user, hash, false, o.keepSession);
    await recordAudit(tx, {
      type: 'user.password_changed', outcome: 'success', userId: user.id, username: user.username,
      factor: o.confirmedWith?.factor ?? null, deviceId: o.confirmedWith?.deviceId ?? null, deviceName: o.confirmedWith?.deviceName ?? null,
      detail: { temporary: o.temporary, ...ended },
    }, o.req ? { req: o.req } : {});
    return ended;
  });
}
