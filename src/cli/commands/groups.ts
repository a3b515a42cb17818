/** `gatehouse group add|list|show|delete|add-member|remove-member|set-tag`. */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { AppContext } from '../../context.js';
import { GatehouseError } from '../../errors.js';
import { recordAudit } from '../../audit/recordAudit.js';
import { configurableTagKeyProblem, foldTagKey, isValidTagValue, tagValueRule } from '../../aws/tags.js';
import { groupSchema } from '../../directory/directoryFile.js';
import type { Group } from '../../store/repositories/groups.js';
import { formatRecord, printFields, printJson, printLines, printTable } from '../output.js';
import { cliActor, collect, parseKeyValues, validate, withContext } from '../withContext.js';
import { requireUser } from './users.js';
import { findGroup, setMembership } from '../../admin/memberships.js';

/** The group named exactly `name`, or not_found. */
export const requireGroup = findGroup;

async function describeGroup(ctx: AppContext, g: Group) {
  const users = new Map((await ctx.store.users.list()).map((u) => [u.id, u.username]));
  const members = (await ctx.store.groups.memberships()).filter((m) => m.groupId === g.id).map((m) => users.get(m.userId) ?? m.userId).sort();
  const accounts = new Map((await ctx.store.accounts.list()).map((a) => [a.id, a.alias]));
  const roles = (await ctx.store.accounts.listMappings()).filter((m) => m.groupId === g.id).map((m) => ({
    account: accounts.get(m.accountId) ?? m.accountId, accountId: m.accountId, role: m.roleName, sessionDuration: m.sessionDuration, require: m.requireFactor, sourceIps: m.sourceIps,
  }));
  return { id: g.id, name: g.name, description: g.description, tags: g.tags, members, roles };
}

export function registerGroupCommands(program: Command): void {
  const group = program.command('group').description('groups: members, session tags and the AWS roles mapped to them');

  group.command('add')
    .argument('<name>')
    .description('add a group')
    .option('--description <text>')
    .option('--tag <key=value>', 'session tag given to members (repeatable)', collect, [])
    .action(async (name: string, o: { description?: string; tag: string[] }) => withContext(async (ctx) => {
      const v = validate(groupSchema, { name, description: o.description, tags: parseKeyValues(o.tag, 'tag') });
      if (await ctx.store.groups.findByName(name)) throw new GatehouseError('conflict', `group "${name}" exists already`);
      await ctx.store.transaction(async (tx) => {
        await tx.groups.create({ id: randomUUID(), name: v.name, description: v.description ?? null, tags: v.tags }, ctx.now().getTime());
        await recordAudit({ ...ctx, store: tx }, { type: 'group.created', outcome: 'success', detail: { by: cliActor(), group: v.name } });
      });
      printLines([`added group ${v.name}`]);
    }));

  group.command('list')
    .description('list groups')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => withContext(async (ctx) => {
      const rows = [];
      for (const g of await ctx.store.groups.list()) rows.push(await describeGroup(ctx, g));
      if (o.json) { printJson(rows); return; }
      printTable(rows, [
        { header: 'NAME', value: (r) => r.name }, { header: 'MEMBERS', value: (r) => r.members.length }, { header: 'ROLES', value: (r) => r.roles.length },
        { header: 'TAGS', value: (r) => formatRecord(r.tags) }, { header: 'DESCRIPTION', value: (r) => r.description },
      ], 'no groups');
    }));

  group.command('show')
    .argument('<name>')
    .description('show a group: tags, members, roles')
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { json?: boolean }) => withContext(async (ctx) => {
      const d = await describeGroup(ctx, await requireGroup(ctx, name));
      if (o.json) { printJson(d); return; }
      printFields([['name', d.name], ['description', d.description], ['tags', formatRecord(d.tags)], ['members', d.members.join(', ') || '-']]);
      printLines(['', 'Roles:']);
      printTable(d.roles, [
        { header: 'ACCOUNT', value: (r) => r.account }, { header: 'ROLE', value: (r) => r.role }, { header: 'REQUIRE', value: (r) => r.require },
        { header: 'DURATION', value: (r) => r.sessionDuration }, { header: 'SOURCE IPS', value: (r) => r.sourceIps.join(',') || null },
      ]);
    }));

  group.command('delete')
    .argument('<name>')
    .description('delete a group with its memberships and role mappings')
    .action(async (name: string) => withContext(async (ctx) => {
      const g = await requireGroup(ctx, name);
      const d = await describeGroup(ctx, g);
      await ctx.store.transaction(async (tx) => {
        await tx.groups.delete(g.id);
        await recordAudit({ ...ctx, store: tx }, { type: 'group.deleted', outcome: 'success', detail: { by: cliActor(), group: g.name, members: d.members.length, roles: d.roles.length } });
      });
      printLines([`deleted group ${g.name} (${d.members.length} membership(s), ${d.roles.length} role mapping(s))`]);
    }));

  for (const [cmd, add] of [['add-member', true], ['remove-member', false]] as const) {
    group.command(cmd)
      .argument('<group>')
      .argument('<username>')
      .description(add ? 'add a person to a group' : 'remove a person from a group')
      .action(async (name: string, username: string) => withContext(async (ctx) => {
        const g = await requireGroup(ctx, name);
        const u = await requireUser(ctx, username);
        await setMembership(ctx, u, g, add, { by: cliActor(), via: 'cli' });
        printLines([add ? `${u.username} is in ${g.name}` : `${u.username} is not in ${g.name}`]);
      }));
  }

  group.command('set-tag')
    .argument('<group>')
    .argument('<key>')
    .argument('[value]')
    .description('set a session tag of a group (or remove it with --unset)')
    .option('--unset', 'remove the tag')
    .action(async (name: string, key: string, value: string | undefined, o: { unset?: boolean }) => withContext(async (ctx) => {
      const g = await requireGroup(ctx, name);
      const keyProblem = configurableTagKeyProblem(key);
      if (keyProblem !== undefined) throw new GatehouseError('validation_failed', `tag key "${key}": ${keyProblem}`);
      const tags = Object.fromEntries(Object.entries(g.tags).filter(([k]) => foldTagKey(k) !== foldTagKey(key)));
      if (!o.unset) {
        if (value === undefined) throw new GatehouseError('bad_request', 'give a value, or --unset to remove the tag');
        if (!isValidTagValue(value)) throw new GatehouseError('validation_failed', `tag value "${value}": must be ${tagValueRule}`);
        tags[key] = value;
      }
      await ctx.store.transaction(async (tx) => {
        await tx.groups.update(g.id, { tags });
        await recordAudit({ ...ctx, store: tx }, { type: 'group.tags_changed', outcome: 'success', detail: { by: cliActor(), group: g.name, key, value: o.unset ? null : value ?? null } });
      });
      printLines([o.unset ? `removed tag ${key} from ${g.name}` : `${g.name}: ${key}=${value ?? ''}`]);
    }));
}
