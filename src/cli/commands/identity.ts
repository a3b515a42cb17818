/** `gatehouse identity show|set`: the IdP's entity ID and base URL, recorded at the first start (keys/idpIdentity.ts). */
import type { Command } from 'commander';
import { configuredIdentity, recordedIdentity, sameIdentity, setIdentity } from '../../keys/idpIdentity.js';
import { printFields, printJson, printLines } from '../output.js';
import { cliActor, withContext } from '../withContext.js';

export function registerIdentityCommands(program: Command): void {
  const identity = program.command('identity')
    .description('the IdP\'s entity ID and base URL: recorded at the first start; AWS and every service provider know the IdP by them');

  identity.command('show')
    .description('show the recorded identity and the configured one')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => withContext(async (ctx) => {
      const recorded = await recordedIdentity(ctx.store);
      const configured = configuredIdentity(ctx.config);
      const matches = recorded === undefined || sameIdentity(recorded, configured);
      if (o.json) { printJson({ recorded: recorded ?? null, configured, matches }); return; }
      const none = '(none yet: recorded at the first gatehouse serve)';
      printFields([
        ['recorded entity ID', recorded?.entityId ?? none], ['recorded base URL', recorded?.baseUrl ?? none],
        ['configured entity ID', configured.entityId], ['configured base URL', configured.baseUrl],
        ['matches', recorded === undefined ? 'yes (nothing recorded yet)' : matches ? 'yes' : 'no: gatehouse serve stops until server.baseUrl / saml.entityId are set back, or gatehouse identity set'],
      ]);
    }));

  identity.command('set')
    .description('record the configured base URL and entity ID as the IdP\'s identity, after changing server.baseUrl or saml.entityId on purpose (audited)')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => withContext(async (ctx) => {
      const { before, after, changed } = await setIdentity(ctx, cliActor());
      if (o.json) { printJson({ before: before ?? null, after, changed }); return; }
      if (!changed) { printLines([`the recorded identity is already the configured one: ${after.entityId} at ${after.baseUrl}`]); return; }
      printLines([
        ...(before ? [`entity ID: ${before.entityId} → ${after.entityId}`, `base URL:  ${before.baseUrl} → ${after.baseUrl}`] : [`entity ID: ${after.entityId}`, `base URL:  ${after.baseUrl}`]),
        'recorded. Upload the new metadata to AWS (gatehouse aws metadata, then aws iam update-saml-provider) and give it to every service provider.',
      ]);
    }));
}
