/** `gatehouse aws metadata|trust-policy`: what to upload to and paste into IAM. */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { GatehouseError } from '../../errors.js';
import { ensureActiveKey, loadSigningKeys } from '../../keys/signingKeyService.js';
import { idpMetadataFor } from '../../keys/idpMetadata.js';
import { checkIdentity } from '../../keys/idpIdentity.js';
import { trustPolicyFor } from '../../admin/accounts.js';
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
      // The console's policy (src/admin/accounts.ts): both endpoints, and the factor check when the mappings require one.
      const t = await trustPolicyFor(ctx, account.id, o.role);
      if (t.mappedBy.length === 0) process.stderr.write(`gatehouse: note: no group maps ${account.alias}/${t.role} yet (gatehouse role map …)\n`);
      else if (t.authMethods) process.stderr.write(`gatehouse: note: IAM checks the factor (AuthMethod ${t.authMethods.join(' or ')}); print and paste this again whenever the mappings of ${account.alias}/${t.role} change\n`);
      printLines([JSON.stringify(t.policy, null, 2)]);
    }));
}
