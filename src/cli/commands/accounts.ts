/** `gatehouse account add|list|delete` and `gatehouse role map|unmap|list`: src/admin/accounts.ts and roleMappings.ts, from the terminal. */
import type { Command } from 'commander';
import { requiredFactors } from '../../auth/factors.js';
import { createAccount, deleteAccount, updateAccount } from '../../admin/accounts.js';
import { addMapping, describeMappings, findMapping, removeMapping } from '../../admin/roleMappings.js';
import { printJson, printLines, printTable } from '../output.js';
import { collect, parseIntOption, withContext } from '../withContext.js';
import { cliChangeActor } from './groups.js';

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
      const existed = /^\d{12}$/.test(id) && (await ctx.store.accounts.find(id)) !== undefined;
      const a = existed
        ? await updateAccount(ctx, id, { alias: o.alias, provider: o.provider, partition: o.partition, region: o.region ?? null }, cliChangeActor())
        : await createAccount(ctx, { id, alias: o.alias, provider: o.provider, partition: o.partition, region: o.region }, cliChangeActor());
      printLines([`${existed ? 'updated' : 'added'} account ${a.alias} (${a.id})`]);
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
      const a = await deleteAccount(ctx, ref, cliChangeActor());
      printLines([`deleted account ${a.alias} (${a.id}) and ${a.mappings} role mapping(s)`]);
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
      const { mapping, created } = await addMapping(ctx, o.group, { account: o.account, role: o.role, sessionDuration: o.sessionDuration, requireFactor: o.require, sourceIps: o.sourceIp }, cliChangeActor(), { replace: true });
      printLines([`${created ? 'mapped' : 'updated'} ${mapping.account}/${mapping.role} for ${mapping.group}`]);
    }));

  role.command('unmap')
    .description('remove a role mapping')
    .requiredOption('--group <name>')
    .requiredOption('--account <account>', 'account id or alias')
    .requiredOption('--role <name>')
    .action(async (o: { group: string; account: string; role: string }) => withContext(async (ctx) => {
      const m = await removeMapping(ctx, o.group, (await findMapping(ctx, o.group, o.account, o.role)).id, cliChangeActor());
      printLines([`unmapped ${m.account}/${m.role} for ${m.group}`]);
    }));

  role.command('list')
    .description('list role mappings')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => withContext(async (ctx) => {
      const rows = (await describeMappings(ctx)).map((m) => ({
        group: m.group, account: m.account, accountId: m.accountId, role: m.role, sessionDuration: m.sessionDuration, require: m.requireFactor, sourceIps: m.sourceIps,
      }));
      if (o.json) { printJson(rows); return; }
      printTable(rows, [
        { header: 'GROUP', value: (r) => r.group }, { header: 'ACCOUNT', value: (r) => r.account }, { header: 'ROLE', value: (r) => r.role },
        { header: 'REQUIRE', value: (r) => r.require }, { header: 'DURATION', value: (r) => r.sessionDuration }, { header: 'SOURCE IPS', value: (r) => r.sourceIps.join(',') || null },
      ], 'no role mappings');
    }));
}
