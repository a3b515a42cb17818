/**
 * `gatehouse credential-process`: for `credential_process` in ~/.aws/config. Prints the credentials JSON
 * (Version 1, with Expiration) from a 0600 cache while they have more than a few minutes left; otherwise
 * gets new ones with the saved Gatehouse session, and only when that session is gone opens a browser
 * sign-in. Never reads stdin (the AWS SDK owns it) and never shows the picker.
 */
import type { Command } from 'commander';
import { CliSession } from '../login/cliSession.js';
import { credentialProcessJson, loadCachedCredentials, saveCachedCredentials, type CacheKey } from '../login/credentialCache.js';
import { chooseRoles, credentialsFor } from '../login/fetchCredentials.js';
import { GatehouseApi } from '../login/gatehouseApi.js';
import { addGatehouseOptions, addRoleOptions, examples, logFor } from '../login/options.js';
import { resolveSettings, type CommonFlags } from '../login/settings.js';

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
    .action(async (o: CommonFlags) => {
      const s = resolveSettings(o);
      const log = logFor(o);
      const key: CacheKey = {
        url: s.url, roleArn: `${s.account ?? ''}|${s.role ?? ''}`, durationSeconds: s.duration ?? 0,
        region: s.flagRegion ?? s.profileRegion ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? '',
        endpoint: process.env.AWS_ENDPOINT_URL_STS || process.env.AWS_ENDPOINT_URL || undefined,
      };
      const cached = loadCachedCredentials(key);
      if (cached) {
        log(`serving cached credentials (until ${cached.expiration.toISOString()})`);
        process.stdout.write(JSON.stringify(credentialProcessJson(cached)) + '\n');
        return;
      }
      const session = new CliSession(new GatehouseApi(s.url, log), { method: 'browser' }, true, log);
      const roles = await chooseRoles(session, s, { interactive: false });
      const [got] = await credentialsFor(session, roles, s, log);
      saveCachedCredentials(key, got!.credentials);
      process.stdout.write(JSON.stringify(credentialProcessJson(got!.credentials)) + '\n');
    });
}
