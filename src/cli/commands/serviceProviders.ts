/** `gatehouse sp add|list|remove`: SAML service providers other than IdP-initiated AWS. */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GatehouseError } from '../../errors.js';
import { withTransaction } from '../../context.js';
import { recordAudit } from '../../audit/recordAudit.js';
import { registerServiceProvider } from '../../directory/registerServiceProvider.js';
import { printJson, printLines, printTable } from '../output.js';
import { cliActor, withContext } from '../withContext.js';

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
        const r = await registerServiceProvider(ctx, { metadataXml: xml, name: o.name, kind: o.identityCenter ? 'identity-center' : undefined, actor: cliActor() });
        if (o.json) printJson({ id: r.id, entityId: r.entityId, name: r.name, kind: r.kind, acs: r.acs });
        else printLines([`registered ${r.name} (${r.entityId}), ${r.acs.length} ACS endpoint(s), requests ${r.wantRequestsSigned ? 'must be signed' : 'may be unsigned'}`]);
      });
    });

  sp.command('list')
    .description('list registered SPs')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => withContext(async (ctx) => {
      const list = await ctx.store.serviceProviders.list();
      if (o.json) { printJson(list.map(({ metadataXml: _m, ...rest }) => rest)); return; }
      printTable(list, [{ header: 'NAME', value: (s) => s.name }, { header: 'KIND', value: (s) => s.kind }, { header: 'ENTITY ID', value: (s) => s.entityId }, { header: 'ACS', value: (s) => s.acs.map((a) => a.url).join(' ') }], 'no service providers');
    }));

  sp.command('remove')
    .argument('<entity-id>', 'entityID of the SP')
    .description('remove an SP')
    .action(async (entityId: string) => withContext(async (ctx) => {
      const s = await ctx.store.serviceProviders.findByEntityId(entityId);
      if (!s) throw new GatehouseError('not_found', `no service provider ${entityId}`);
      await withTransaction(ctx, async (tx) => {
        await tx.store.serviceProviders.delete(s.id);
        await recordAudit(tx, { type: 'sp.removed', outcome: 'success', detail: { entityId, by: cliActor() } });
      });
      printLines([`removed ${entityId}`]);
    }));
}
