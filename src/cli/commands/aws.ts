/** `gatehouse aws metadata|trust-policy`: what to upload to and paste into IAM. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GatehouseError } from '../../errors.js';
import { ensureActiveKey, loadSigningKeys } from '../../keys/signingKeyService.js';
import { idpMetadataFor } from '../../keys/idpMetadata.js';
import { checkIdentity } from '../../keys/idpIdentity.js';
import { buildTrustPolicy } from '../../aws/trustPolicy.js';
import { acsUrlFor } from '../../aws/partitions.js';
import { printLines } from '../output.js';
import { withContext } from '../withContext.js';

export function registerAwsCommands(program: Command): void {
  const aws = program.command('aws').description('AWS IAM artifacts: IdP metadata and role trust policies');

  aws.command('metadata')
    .description('write the IdP metadata (upload it with aws iam create-saml-provider / update-saml-provider)')
    .option('-o, --output <file>', 'write to a file instead of standard output')
    .action(async (o: { output?: string }) => withContext(async (ctx) => {
      await checkIdentity(ctx); // metadata for a name other than the recorded one would not match what the IdP signs
      await ensureActiveKey(ctx); // the same first key `serve` would create
      const xml = idpMetadataFor(ctx.config, ctx.now(), (await loadSigningKeys(ctx)).published);
      if (o.output) {
        writeFileSync(o.output, xml, 'utf8');
        process.stderr.write(`wrote ${o.output}: upload it with aws iam create-saml-provider --name <provider> --saml-metadata-document file://${o.output}\n`);
      } else process.stdout.write(xml + '\n');
    }));

  aws.command('trust-policy')
    .description('print the trust policy of a role federated from Gatehouse')
    .requiredOption('--account <alias-or-id>', 'AWS account (alias or 12-digit id)')
    .requiredOption('--role <name>', 'role name (as mapped)')
    .action(async (o: { account: string; role: string }) => withContext(async (ctx) => {
      const account = await ctx.store.accounts.find(o.account);
      if (!account) throw new GatehouseError('not_found', `no AWS account "${o.account}" (see gatehouse account list)`);
      const mapped = (await ctx.store.accounts.listMappings()).some((m) => m.accountId === account.id && m.roleName === o.role);
      if (!mapped) process.stderr.write(`gatehouse: note: no group maps ${account.alias}/${o.role} yet (gatehouse role map …)\n`);
      // SAML:aud is taken from the Recipient: list the global endpoint and the account's regional one when set.
      const acsUrls = [...new Set([acsUrlFor(account.partition), ...(account.region ? [acsUrlFor(account.partition, account.region)] : [])])];
      const policy = buildTrustPolicy({ partition: account.partition, accountId: account.id, providerName: account.providerName, acsUrls });
      printLines([JSON.stringify(policy, null, 2)]);
    }));
}
