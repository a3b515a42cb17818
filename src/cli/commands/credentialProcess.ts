/**
 * `gatehouse credential-process`: for `credential_process` in ~/.aws/config. Prints the credentials JSON
 * (Version 1, with Expiration) from a 0600 cache while they have more than a few minutes left; otherwise
 * gets new ones with the saved Gatehouse session, and only when that session is gone opens a browser
 * sign-in. Never reads stdin (the AWS SDK owns it) and never shows the picker.
 */
import type { Command } from 'commander';
import { addGatehouseOptions, addRoleOptions, examples } from '../login/options.js';
import type { CommonFlags } from '../login/settings.js';

export function registerCredentialProcessCommand(program: Command): void {
  const cmd = program.command('credential-process')
    .description('print AWS credentials as JSON for credential_process in ~/.aws/config (cached; signs in through the browser only when needed)');
  addGatehouseOptions(cmd);
  addRoleOptions(cmd)
    .addHelpText('after', examples(
      'gatehouse configure --profile prod-admin --url https://idp.example.com --role prod/Admin --credential-process',
      '# or by hand, in ~/.aws/config:',
      '#   [profile prod-admin]',
      '#   credential_process = gatehouse credential-process --url https://idp.example.com --role prod/Admin',
      'aws sts get-caller-identity --profile prod-admin',
    ))
    .action(async (o: CommonFlags) => (await import('../login/runCredentialProcess.js')).runCredentialProcess(o));
}
