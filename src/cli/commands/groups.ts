/** `gatehouse group add|list|show|delete|add-member|remove-member|set-tag`: src/admin/groups.ts, from the terminal. */
import type { Command } from 'commander';
import { GatehouseError } from '../../errors.js';
import { createGroup, deleteGroup, describeGroup, describeGroups, setGroupTag, setMembershipByName, type GroupView } from '../../admin/groups.js';
import type { ChangeActor } from '../../admin/changeActor.js';
import { formatRecord, printFields, printJson, printLines, printTable } from '../output.js';
import { cliActor, collect, parseKeyValues, withContext } from '../withContext.js';

/** Who changes things from the terminal. */
export const cliChangeActor = (): ChangeActor => ({ by: cliActor(), via: 'cli' });

/** A group as `--json` prints it (the shape scripts read since the first release). */
function cliGroup(g: GroupView) {
  return {
    id: g.id, name: g.name, description: g.description, tags: g.tags, members: g.members,
    roles: g.mappings.map((m) => ({ account: m.account, accountId: m.accountId, role: m.role, sessionDuration: m.sessionDuration, require: m.requireFactor, sourceIps: m.sourceIps })),
  };
}

export function registerGroupCommands(program: Command): void {
  const group = program.command('group').description('groups: members, session tags and the AWS roles mapped to them');

  group.command('add')
    .argument('<name>')
    .description('add a group')
    .option('--description <text>')
    .option('--tag <key=value>', 'session tag given to members (repeatable)', collect, [])
    .action(async (name: string, o: { description?: string; tag: string[] }) => withContext(async (ctx) => {
      const g = await createGroup(ctx, { name, description: o.description, tags: parseKeyValues(o.tag, 'tag') }, cliChangeActor());
      printLines([`added group ${g.name}`]);
    }));

  group.command('list')
    .description('list groups')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => withContext(async (ctx) => {
      const rows = (await describeGroups(ctx)).map(cliGroup);
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
      const d = cliGroup(await describeGroup(ctx, name));
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
      const d = await deleteGroup(ctx, name, cliChangeActor());
      printLines([`deleted group ${d.name} (${d.members.length} membership(s), ${d.mappings.length} role mapping(s))`]);
    }));

  for (const [cmd, add] of [['add-member', true], ['remove-member', false]] as const) {
    group.command(cmd)
      .argument('<group>')
      .argument('<username>')
      .description(add ? 'add a person to a group' : 'remove a person from a group')
      .action(async (name: string, username: string) => withContext(async (ctx) => {
        await setMembershipByName(ctx, name, username, add, cliChangeActor());
        printLines([add ? `${username} is in ${name}` : `${username} is not in ${name}`]);
      }));
  }

  group.command('set-tag')
    .argument('<group>')
    .argument('<key>')
    .argument('[value]')
    .description('set a session tag of a group (or remove it with --unset)')
    .option('--unset', 'remove the tag')
    .action(async (name: string, key: string, value: string | undefined, o: { unset?: boolean }) => withContext(async (ctx) => {
      if (!o.unset && value === undefined) throw new GatehouseError('bad_request', 'give a value, or --unset to remove the tag');
      await setGroupTag(ctx, name, key, o.unset ? null : value ?? null, cliChangeActor());
      printLines([o.unset ? `removed tag ${key} from ${name}` : `${name}: ${key}=${value ?? ''}`]);
    }));
}
