/**
 * People for tests, made directly through the store (no HTTP): a password, optionally a confirmed TOTP
 * device with a known secret, recovery codes, group memberships.
 */
import { randomUUID } from 'node:crypto';
import type { AppContext } from '../../src/context.js';
import type { User } from '../../src/store/repositories/users.js';
import { hashPassword } from '../../src/auth/password.js';
import { issueRecoveryCodes } from '../../src/auth/devices.js';

/** A password that passes the policy. */
export const TEST_PASSWORD = 'purple tractor violin sunrise';
/** A fixed TOTP secret (base32, 160 bits) for tests. */
export const TEST_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';

export interface CreateTestUserOptions {
  username: string;
  /** Default TEST_PASSWORD; null for a person without a password (like the first admin). */
  password?: string | null;
  email?: string;
  displayName?: string;
  /** Adds a confirmed TOTP device with this secret (base32). */
  totpSecret?: string;
  deviceName?: string;
  /** Adds 10 recovery codes and returns them. */
  recoveryCodes?: boolean;
  /** Group names; missing groups are created. */
  groups?: string[];
}

export interface TestUser {
  user: User;
  password: string | null;
  deviceId?: string;
  secret?: string;
  recoveryCodes?: string[];
}

export async function createTestUser(ctx: AppContext, o: CreateTestUserOptions): Promise<TestUser> {
  const now = ctx.now().getTime();
  const password = o.password === undefined ? TEST_PASSWORD : o.password;
  const user = await ctx.store.users.create({
    id: randomUUID(), username: o.username, email: o.email ?? null, displayName: o.displayName ?? null,
    passwordHash: password === null ? null : await hashPassword(password, ctx.config.auth.argon2),
  }, now);
  const out: TestUser = { user, password };
  if (o.totpSecret) {
    const id = randomUUID();
    await ctx.store.devices.create({
      id, userId: user.id, kind: 'totp', name: o.deviceName ?? 'Phone', secretEnc: ctx.secrets.seal(o.totpSecret, id), lastStep: null,
      credentialId: null, publicKey: null, counter: null, transports: [], confirmed: true, createdAt: now,
    });
    out.deviceId = id;
    out.secret = o.totpSecret;
  }
  if (o.recoveryCodes) out.recoveryCodes = await issueRecoveryCodes(ctx, user.id);
  for (const name of o.groups ?? []) {
    const g = (await ctx.store.groups.findByName(name)) ?? (await ctx.store.groups.create({ id: randomUUID(), name }, now));
    await ctx.store.groups.addMember(g.id, user.id);
  }
  return out;
}
