/** `gatehouse user add|list|show|set-password|disable|enable|unlock|reset-mfa|enrollment-link`. */
import type { Command } from 'commander';
import type { AppContext } from '../../context.js';
import { GatehouseError, isGatehouseError } from '../../errors.js';
import { clearLock, lockoutKeys } from '../../auth/lockout.js';
import { resetMfa } from '../../auth/resetMfa.js';
import { issueEnrollmentLink } from '../../auth/enrollmentLink.js';
import type { ChangeActor } from '../../admin/changeActor.js';
import { createPerson, setPersonPassword, setPersonStatus } from '../../admin/people.js';
import { requirePerson } from '../../admin/find.js';
import type { User } from '../../store/repositories/users.js';
import { formatRecord, formatTime, printFields, printJson, printLines, printTable } from '../output.js';
import { readNewPassword } from '../readSecret.js';
import { cliActor, collect, parseKeyValues, withContext } from '../withContext.js';

/** The user named `username` (case-insensitive), or not_found. */

/** The command line as the actor of a change (audit `by` cli:<os user>, `via` cli). */
const cli = (): ChangeActor => ({ by: cliActor(), via: 'cli' });

/** `set`, `temporary` (to be replaced at the next sign-in) or `none`. */
const passwordState = (u: { hasPassword: boolean; passwordTemporary: boolean }): string => (!u.hasPassword ? 'none' : u.passwordTemporary ? 'temporary' : 'set');

async function describeUser(ctx: AppContext, u: User) {
  const groups = await ctx.store.groups.groupsOf(u.id);
  const devices = await ctx.store.devices.listForUser(u.id);
  const accounts = new Map((await ctx.store.accounts.list()).map((a) => [a.id, a]));
  const groupNames = new Map(groups.map((g) => [g.id, g.name]));
  const roles = (await ctx.store.accounts.mappingsForUser(u.id)).map((m) => ({
    account: accounts.get(m.accountId)?.alias ?? m.accountId, accountId: m.accountId, role: m.roleName, group: groupNames.get(m.groupId) ?? m.groupId,
    sessionDuration: m.sessionDuration, require: m.requireFactor, sourceIps: m.sourceIps,
  })).sort((a, b) => `${a.account}/${a.role}/${a.group}`.localeCompare(`${b.account}/${b.role}/${b.group}`));
  const throttle = await ctx.store.throttles.get(lockoutKeys(u.username, '').user);
  const now = ctx.now().getTime();
  return {
    id: u.id, username: u.username, email: u.email, displayName: u.displayName, status: u.status, attributes: u.attributes,
    timeZone: u.timeZone, hasPassword: u.passwordHash !== null, passwordTemporary: u.passwordTemporary, groups: groups.map((g) => g.name),
    devices: devices.map((d) => ({ id: d.id, kind: d.kind, name: d.name, confirmed: d.confirmed, flagged: d.flagged, createdAt: d.createdAt, lastUsedAt: d.lastUsedAt })),
    roles, lockedUntil: throttle?.lockedUntil && throttle.lockedUntil > now ? throttle.lockedUntil : null, failures: throttle?.failures ?? 0,
    createdAt: u.createdAt, updatedAt: u.updatedAt,
  };
}

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('people in the directory');

  user.command('add')
    .description('add a person (set their password with `user set-password`)')
    .argument('<username>')
    .option('--email <email>')
    .option('--display-name <name>')
    .option('--attribute <key=value>', 'attribute such as CostCenter=CC-1 (repeatable)', collect, [])
    .option('--group <name>', 'add to this existing group (repeatable)', collect, [])
    .option('--disabled', 'create disabled')
    .option('--json', 'machine-readable output')
    .action(async (username: string, o: { email?: string; displayName?: string; attribute: string[]; group: string[]; disabled?: boolean; json?: boolean }) => withContext(async (ctx) => {
      const input = { username, email: o.email, displayName: o.displayName, attributes: parseKeyValues(o.attribute, 'attribute'), groups: o.group, status: o.disabled ? 'disabled' as const : 'active' as const };
      const created = await createPerson(ctx, input, cli()).catch((e: unknown) => {
        if (isGatehouseError(e, 'not_found')) throw new GatehouseError('not_found', `${e.message} (create it with: gatehouse group add NAME)`);
        throw e;
      });
      if (o.json) printJson(await describeUser(ctx, created));
      else printLines([`added user ${created.username}; set a password with: gatehouse user set-password ${created.username}, or send them: gatehouse user enrollment-link ${created.username}`]);
    }));

  user.command('list')
    .description('list people')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => withContext(async (ctx) => {
      const users = await ctx.store.users.list();
      const groups = new Map((await ctx.store.groups.list()).map((g) => [g.id, g.name]));
      const memberships = await ctx.store.groups.memberships();
      const groupsOf = (id: string): string[] => memberships.filter((m) => m.userId === id).map((m) => groups.get(m.groupId) ?? m.groupId).sort();
      const rows = [];
      for (const u of users) {
        const devices = await ctx.store.devices.listForUser(u.id, { confirmedOnly: true });
        rows.push({ username: u.username, email: u.email, displayName: u.displayName, status: u.status, attributes: u.attributes, hasPassword: u.passwordHash !== null, passwordTemporary: u.passwordTemporary, groups: groupsOf(u.id), mfaDevices: devices.length });
      }
      if (o.json) { printJson(rows); return; }
      printTable(rows, [
        { header: 'USERNAME', value: (r) => r.username }, { header: 'EMAIL', value: (r) => r.email }, { header: 'NAME', value: (r) => r.displayName },
        { header: 'STATUS', value: (r) => r.status }, { header: 'PASSWORD', value: passwordState },
        { header: 'MFA', value: (r) => r.mfaDevices }, { header: 'GROUPS', value: (r) => r.groups.join(',') || '-' },
      ], 'no users');
    }));

  user.command('show')
    .description('show a person: groups, MFA devices, mapped roles, lock state')
    .argument('<username>')
    .option('--json', 'machine-readable output')
    .action(async (username: string, o: { json?: boolean }) => withContext(async (ctx) => {
      const d = await describeUser(ctx, await requirePerson(ctx, username));
      if (o.json) { printJson(d); return; }
      printFields([
        ['username', d.username], ['id', d.id], ['email', d.email], ['display name', d.displayName], ['status', d.status],
        ['time zone', d.timeZone ?? `- (pages use ${ctx.config.ui.timeZone})`], ['password', passwordState(d)], ['attributes', formatRecord(d.attributes)], ['groups', d.groups.join(', ') || '-'],
        ['locked until', d.lockedUntil ? formatTime(d.lockedUntil) : '-'], ['created', formatTime(d.createdAt)],
      ]);
      printLines(['', 'MFA devices:']);
      printTable(d.devices, [
        { header: 'KIND', value: (x) => x.kind }, { header: 'NAME', value: (x) => x.name }, { header: 'CONFIRMED', value: (x) => (x.confirmed ? 'yes' : 'no') },
        { header: 'LAST USED', value: (x) => formatTime(x.lastUsedAt) },
      ]);
      printLines(['', 'Roles (from groups):']);
      printTable(d.roles, [
        { header: 'ACCOUNT', value: (r) => r.account }, { header: 'ROLE', value: (r) => r.role }, { header: 'GROUP', value: (r) => r.group },
        { header: 'REQUIRE', value: (r) => r.require }, { header: 'DURATION', value: (r) => r.sessionDuration }, { header: 'SOURCE IPS', value: (r) => r.sourceIps.join(',') || null },
      ]);
    }));

  user.command('set-password')
    .description('set a password: read from stdin, or prompted for without echo (never an argument)')
    .argument('<username>')
    .option('--temporary', 'the person must choose a new password right after the second factor of their next sign-in')
    .action(async (username: string, o: { temporary?: boolean }) => withContext(async (ctx) => {
      const u = await requirePerson(ctx, username);
      const password = await readNewPassword();
      await setPersonPassword(ctx, u, { password, temporary: o.temporary === true }, cli());
      printLines([o.temporary
        ? `temporary password of ${u.username} set: they choose a new one right after their next sign-in; their sessions were ended`
        : `password of ${u.username} set; their sessions were ended`]);
    }));

  for (const [name, status, doc] of [['disable', 'disabled', 'disable a person: no sign-in, no roles; ends their sessions (browser and command line)'], ['enable', 'active', 'enable a disabled person']] as const) {
    user.command(name)
      .description(doc)
      .argument('<username>')
      .action(async (username: string) => withContext(async (ctx) => {
        const u = await requirePerson(ctx, username);
        const changed = await setPersonStatus(ctx, u, status, cli());
        printLines([changed ? `${u.username} is ${status}` : `${u.username} was ${status} already`]);
      }));
  }

  user.command('unlock')
    .description('clear the failed-sign-in counter and lock of a person')
    .argument('<username>')
    .action(async (username: string) => withContext(async (ctx) => {
      const u = await requirePerson(ctx, username);
      const existed = await clearLock(ctx.store, u.username, { now: ctx.now().getTime(), by: cliActor(), via: 'cli' });
      printLines([existed ? `${u.username} is unlocked` : `${u.username} was not locked`]);
    }));

  user.command('reset-mfa')
    .description('lost device: remove every MFA device and recovery code of a person and end their sessions; their next sign-in asks them to set up a new device')
    .argument('<username>')
    .option('--json', 'machine-readable output')
    .action(async (username: string, o: { json?: boolean }) => withContext(async (ctx) => {
      const u = await requirePerson(ctx, username);
      const r = await resetMfa(ctx, u, cli());
      if (o.json) { printJson({ username: u.username, ...r }); return; }
      const next = ctx.config.auth.enrollAtFirstLogin
        ? 'they set up a new device at their next sign-in, or with a link from: gatehouse user enrollment-link'
        : 'give them a link to set up a new device with: gatehouse user enrollment-link';
      printLines([
        `removed ${r.devices} device(s) and ${r.recoveryCodes} unused recovery code(s) of ${u.username}; their sessions were ended`,
        `${next} ${u.username}`,
      ]);
    }));

  user.command('enrollment-link')
    .description('print a one-time link with which a person sets up an MFA device (valid auth.enrollmentLinkTtlSeconds)')
    .argument('<username>')
    .option('--json', 'machine-readable output')
    .action(async (username: string, o: { json?: boolean }) => withContext(async (ctx) => {
      const u = await requirePerson(ctx, username);
      const link = await issueEnrollmentLink(ctx, u, cli());
      if (o.json) { printJson({ username: u.username, url: link.url, expiresAt: new Date(link.expiresAt).toISOString() }); return; }
      printLines([link.url, `one-time link for ${u.username}, valid until ${formatTime(link.expiresAt)}; give it to them only`]);
    }));
}
