/**
 * The people pages' and the admin API's read side: search the directory (text, status, group, lock) and describe
 * one person (groups, devices, recovery codes, lock, last use of a second factor). Nothing here changes anything.
 */
import type { AppContext } from '../context.js';
import { lockedPeople } from '../auth/lockout.js';
import { listDevices, type DeviceView } from '../auth/devices.js';
import type { User } from '../store/repositories/users.js';

/** What to look for; every given filter must match. */
export interface PeopleFilter {
  /** Part of the username, email or display name (any case). */
  q?: string;
  status?: User['status'];
  /** A group's name: its members only. */
  group?: string;
  /** true: only people locked now; false: only people not locked. */
  locked?: boolean;
}

/** One person in a search result. */
export interface PersonSummary {
  user: User;
  groups: string[];
  /** Until when (ms) the person is locked; null when they are not. */
  lockedUntil: number | null;
}

/** The people matching `f`, by username. One query per table (users, groups, memberships, locks), whatever the count. */
export async function searchPeople(ctx: AppContext, f: PeopleFilter): Promise<PersonSummary[]> {
  const [users, groups, memberships, locked] = await Promise.all([
    ctx.store.users.list(), ctx.store.groups.list(), ctx.store.groups.memberships(), lockedPeople(ctx),
  ]);
  const groupName = new Map(groups.map((g) => [g.id, g.name]));
  const groupsOf = new Map<string, string[]>();
  for (const m of memberships) groupsOf.set(m.userId, [...(groupsOf.get(m.userId) ?? []), groupName.get(m.groupId) ?? m.groupId]);
  const q = f.q?.trim().toLowerCase();
  const out: PersonSummary[] = [];
  for (const user of users) {
    const s = { user, groups: (groupsOf.get(user.id) ?? []).sort(), lockedUntil: locked.lockedUntil(user.username) ?? null };
    if (q && ![user.username, user.email ?? '', user.displayName ?? ''].some((v) => v.toLowerCase().includes(q))) continue;
    if (f.status && user.status !== f.status) continue;
    if (f.group && !s.groups.includes(f.group)) continue;
    if (f.locked !== undefined && (s.lockedUntil !== null) !== f.locked) continue;
    out.push(s);
  }
  return out;
}

/** How many confirmed devices each of `users` has (one query per person: call it for a page, not the directory). */
export async function deviceCounts(ctx: AppContext, users: readonly User[]): Promise<Map<string, number>> {
  const counts = await Promise.all(users.map(async (u) => [u.id, (await ctx.store.devices.listForUser(u.id, { confirmedOnly: true })).length] as const));
  return new Map(counts);
}

/** Everything the person's page and `GET /api/v1/admin/users/{username}` show. */
export interface PersonDetails extends PersonSummary {
  devices: DeviceView[];
  /** Unused recovery codes. */
  recoveryCodes: number;
  /** The last time any of their devices proved a second factor (sign-in or step-up); null when never or unknown. */
  lastSecondFactorAt: number | null;
}

export async function describePerson(ctx: AppContext, user: User): Promise<PersonDetails> {
  const [groups, devices, recoveryCodes, locked] = await Promise.all([
    ctx.store.groups.groupsOf(user.id), listDevices(ctx, user.id), ctx.store.devices.remainingRecoveryCodes(user.id), lockedPeople(ctx),
  ]);
  const used = devices.map((d) => d.lastUsedAt).filter((t): t is number => t !== null);
  return {
    user, groups: groups.map((g) => g.name).sort(), lockedUntil: locked.lockedUntil(user.username) ?? null,
    devices, recoveryCodes, lastSecondFactorAt: used.length > 0 ? Math.max(...used) : null,
  };
}
