/** `gatehouse account add|list|delete` and `gatehouse role map|unmap|list`. */
import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import type { AppContext } from '../../context.js';
import { normaliseRoleName } from '../../aws/roleName.js';
import { GatehouseError } from '../../errors.js';
import { recordAudit } from '../../audit/recordAudit.js';
import { requiredFactors } from '../../auth/factors.js';
import { accountSchema, roleSchema } from '../../directory/directoryFile.js';
import type { AwsAccount } from '../../store/repositories/accounts.js';
import { printJson, printLines, printTable } from '../output.js';
import { cliActor, collect, parseIntOption, validate, withContext } from '../withContext.js';
import { requireGroup } from './groups.js';

async function requireAccount(ctx: AppContext, idOrAlias: string): Promise<AwsAccount> {
  const a = await ctx.store.accounts.find(idOrAlias);
  if (!a) throw new GatehouseError('not_found', `no AWS account with id or alias "${idOrAlias}"`);
  return a;
}

export function registerAccountCommands(program: Command): void {
  const account = program.command('account').description('AWS accounts that roles are mapped into');

  account.command('add')
    .argument('<id>', '12-digit AWS account id')
    .description('add an AWS account, or update the one with this id')
    .requiredOption('--alias <alias>', 'short name used in role mappings and the portal, e.g. prod')
    .requiredOption('--provider <name>', 'name of the IAM SAML identity provider in that account')
    .option('--partition <partition>', 'aws | aws-us-gov | aws-cn', 'aws')
    .option('--region <region>', 'region of a regional sign-in endpoint (default: global)')
    .action(async (id: string, o: { alias: string; provider: string; partition: string; region?: string }) => withContext(async (ctx) => {
      const v = validate(accountSchema, { id, alias: o.alias, provider: o.provider, partition: o.partition, region: o.region });
      const owner = await ctx.store.accounts.find(v.alias);
      if (owner && owner.id !== v.id) throw new GatehouseError('conflict', `alias "${v.alias}" already belongs to account ${owner.id}`);
      const existed = (await ctx.store.accounts.find(v.id)) !== undefined;
      await ctx.store.transaction(async (tx) => {
        await tx.accounts.upsert({ id: v.id, alias: v.alias, partition: v.partition, providerName: v.provider, region: v.region ?? null });
        await recordAudit({ ...ctx, store: tx }, { type: existed ? 'account.updated' : 'account.created', outcome: 'success', detail: { by: cliActor(), account: v.id, alias: v.alias } });
      });
      printLines([`${existed ? 'updated' : 'added'} account ${v.alias} (${v.id})`]);
    }));

  account.command('list')
    .description('list AWS accounts')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => withContext(async (ctx) => {
      const accounts = await ctx.store.accounts.list();
      if (o.json) { printJson(accounts); return; }
      printTable(accounts, [
        { header: 'ALIAS', value: (a) => a.alias }, { header: 'ID', value: (a) => a.id }, { header: 'PARTITION', value: (a) => a.partition },
        { header: 'PROVIDER', value: (a) => a.providerName }, { header: 'REGION', value: (a) => a.region },
      ], 'no accounts');
    }));

  account.command('delete')
    .argument('<account>', 'id or alias')
    .description('delete an AWS account and every role mapping into it')
    .action(async (ref: string) => withContext(async (ctx) => {
      const a = await requireAccount(ctx, ref);
      const mappings = (await ctx.store.accounts.listMappings()).filter((m) => m.accountId === a.id).length;
      await ctx.store.transaction(async (tx) => {
        await tx.accounts.delete(a.id);
        await recordAudit({ ...ctx, store: tx }, { type: 'account.deleted', outcome: 'success', detail: { by: cliActor(), account: a.id, alias: a.alias, mappings } });
      });
      printLines([`deleted account ${a.alias} (${a.id}) and ${mappings} role mapping(s)`]);
    }));

  const role = program.command('role').description('map AWS roles to groups');

  role.command('map')
    .description('map a role to a group (updates the mapping when it exists)')
    .requiredOption('--group <name>')
    .requiredOption('--account <account>', 'account id or alias')
    .requiredOption('--role <name>', 'IAM role name, optionally with a path (engineering/Admin)')
    .option('--session-duration <seconds>', '900–43200', parseIntOption)
    .option('--require <factor>', requiredFactors.join(' | '))
    .option('--source-ip <cidr>', 'allowed client range (repeatable); none = any address', collect, [])
    .action(async (o: { group: string; account: string; role: string; sessionDuration?: number; require?: string; sourceIp: string[] }) => withContext(async (ctx) => {
      const g = await requireGroup(ctx, o.group);
      const a = await requireAccount(ctx, o.account);
      const v = validate(roleSchema, { account: a.id, role: o.role, session_duration: o.sessionDuration, require: o.require, source_ips: o.sourceIp });
      const roleName = normaliseRoleName(v.role);
      const values = { sessionDuration: v.session_duration ?? null, requireFactor: v.require ?? null, sourceIps: v.source_ips };
      const existing = (await ctx.store.accounts.listMappings()).find((m) => m.groupId === g.id && m.accountId === a.id && m.roleName === roleName);
      await ctx.store.transaction(async (tx) => {
        if (existing) await tx.accounts.updateMapping(existing.id, values);
        else await tx.accounts.addMapping({ id: randomUUID(), groupId: g.id, accountId: a.id, roleName, ...values });
        await recordAudit({ ...ctx, store: tx }, { type: 'role.mapped', outcome: 'success', detail: { by: cliActor(), group: g.name, account: a.id, role: roleName, ...values } });
      });
      printLines([`${existing ? 'updated' : 'mapped'} ${a.alias}/${roleName} for ${g.name}`]);
    }));

  role.command('unmap')
    .description('remove a role mapping')
    .requiredOption('--group <name>')
    .requiredOption('--account <account>', 'account id or alias')
    .requiredOption('--role <name>')
    .action(async (o: { group: string; account: string; role: string }) => withContext(async (ctx) => {
      const g = await requireGroup(ctx, o.group);
      const a = await requireAccount(ctx, o.account);
      const roleName = normaliseRoleName(o.role);
      const existing = (await ctx.store.accounts.listMappings()).find((m) => m.groupId === g.id && m.accountId === a.id && m.roleName === roleName);
      if (!existing) throw new GatehouseError('not_found', `${a.alias}/${roleName} is not mapped for ${g.name}`);
      await ctx.store.transaction(async (tx) => {
        await tx.accounts.removeMapping(existing.id);
        await recordAudit({ ...ctx, store: tx }, { type: 'role.unmapped', outcome: 'success', detail: { by: cliActor(), group: g.name, account: a.id, role: roleName } });
      });
      printLines([`unmapped ${a.alias}/${roleName} for ${g.name}`]);
    }));

  role.command('list')
    .description('list role mappings')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => withContext(async (ctx) => {
      const groups = new Map((await ctx.store.groups.list()).map((g) => [g.id, g.name]));
      const accounts = new Map((await ctx.store.accounts.list()).map((a) => [a.id, a.alias]));
      const rows = (await ctx.store.accounts.listMappings()).map((m) => ({
        group: groups.get(m.groupId) ?? m.groupId, account: accounts.get(m.accountId) ?? m.accountId, accountId: m.accountId, role: m.roleName,
        sessionDuration: m.sessionDuration, require: m.requireFactor, sourceIps: m.sourceIps,
      })).sort((x, y) => `${x.group}/${x.account}/${x.role}`.localeCompare(`${y.group}/${y.account}/${y.role}`));
      if (o.json) { printJson(rows); return; }
      printTable(rows, [
        { header: 'GROUP', value: (r) => r.group }, { header: 'ACCOUNT', value: (r) => r.account }, { header: 'ROLE', value: (r) => r.role },
        { header: 'REQUIRE', value: (r) => r.require }, { header: 'DURATION', value: (r) => r.sessionDuration }, { header: 'SOURCE IPS', value: (r) => r.sourceIps.join(',') || null },
      ], 'no role mappings');
    }));
}
