/** `gatehouse sp add|list|enable|disable|remove`: SAML service providers other than IdP-initiated AWS (src/admin/serviceProviders.ts). */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GatehouseError } from '../../errors.js';
import type { ChangeActor } from '../../admin/changeActor.js';
import { addServiceProvider, removeServiceProvider, setServiceProviderEnabled, spView } from '../../admin/serviceProviders.js';
import { printJson, printLines, printTable } from '../output.js';
import { cliActor, withContext } from '../withContext.js';

const actor = (): ChangeActor => ({ by: cliActor(), via: 'cli' });

export function registerServiceProviderCommands(program: Command): void {
  const sp = program.command('sp').description('SAML service providers (SP-initiated SSO, IAM Identity Center)');

  sp.command('add')
    .argument('<metadata-file>', "the SP's metadata XML")
    .description('register an SP from its metadata, or update the one with the same entityID')
    .option('--name <name>', 'display name')
    .option('--identity-center', 'IAM Identity Center preset: NameID emailAddress, AccessControl:* attributes')
    .option('--json', 'machine-readable output')
    .action(async (file: string, o: { name?: string; identityCenter?: boolean; json?: boolean }) => {
      let xml: string;
      try { xml = readFileSync(file, 'utf8'); } catch (e) { throw new GatehouseError('not_found', `cannot read ${file}: ${(e as Error).message}`); }
      await withContext(async (ctx) => {
        const r = await addServiceProvider(ctx, { metadataXml: xml, name: o.name, kind: o.identityCenter ? 'identity-center' : undefined }, actor());
        if (o.json) printJson({ id: r.id, entityId: r.entityId, name: r.name, kind: r.kind, acs: r.acs, enabled: r.enabled });
        else printLines([`registered ${r.name} (${r.entityId}), ${r.acs.length} ACS endpoint(s), requests ${r.wantRequestsSigned ? 'must be signed' : 'may be unsigned'}${r.enabled ? '' : '; still disabled'}`]);
      });
    });

  sp.command('list')
    .description('list registered SPs')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => withContext(async (ctx) => {
      const list = (await ctx.store.serviceProviders.list()).map(spView);
      if (o.json) { printJson(list); return; }
      printTable(list, [
        { header: 'NAME', value: (s) => s.name }, { header: 'KIND', value: (s) => s.kind }, { header: 'ENABLED', value: (s) => (s.enabled ? 'yes' : 'no') },
        { header: 'ENTITY ID', value: (s) => s.entityId }, { header: 'ACS', value: (s) => s.acs.map((a) => a.url).join(' ') },
      ], 'no service providers');
    }));

  for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
    sp.command(name)
      .argument('<entity-id>', 'entityID (or id) of the SP')
      .description(enabled ? 'let the SP sign people in again' : "refuse the SP's sign-in requests and hide it from the portal (its registration stays)")
      .action(async (entityId: string) => withContext(async (ctx) => {
        const s = await setServiceProviderEnabled(ctx, entityId, enabled, actor());
        printLines([`${s.entityId} is ${enabled ? 'enabled' : 'disabled'}`]);
      }));
  }

  sp.command('remove')
    .argument('<entity-id>', 'entityID (or id) of the SP')
    .description('remove an SP')
    .action(async (entityId: string) => withContext(async (ctx) => {
      const s = await removeServiceProvider(ctx, entityId, actor());
      printLines([`removed ${s.entityId}`]);
    }));
}
