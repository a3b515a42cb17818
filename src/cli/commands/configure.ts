/**
 * `gatehouse configure`: writes the Gatehouse URL and a profile's defaults (role, duration, region, how
 * to sign in) into ~/.aws/config as `gatehouse_*` keys, and optionally `credential_process`, so that
 * `gatehouse login --profile NAME` and `aws --profile NAME …` need no flags. Asks on a terminal for what
 * the flags do not give; other profiles, keys and comments in the file stay as they were.
 */
import type { Command } from 'commander';
import { GatehouseError } from '../../errors.js';
import { isValidRegion } from '../../aws/partitions.js';
import { promptLine } from '../readSecret.js';
import { readConfigProfile, updateConfigProfile } from '../login/awsFiles.js';
import { normaliseGatehouseUrl } from '../login/gatehouseUrl.js';
import { examples } from '../login/options.js';
import { loginMethods, parseDuration, profileKeys } from '../login/settings.js';

interface ConfigureFlags {
  profile?: string;
  url?: string;
  role?: string;
  account?: string;
  duration?: string;
  region?: string;
  login?: string;
  username?: string;
  credentialProcess?: boolean;
}

const profileNamePattern = /^[\w.@+=,-]{1,64}$/;

/** The credential_process line for a profile (`gatehouse` must be on the PATH of the AWS CLI and SDKs). */
export function credentialProcessLine(profile: string): string {
  return `gatehouse credential-process --profile ${profile}`;
}

export function registerConfigureCommand(program: Command): void {
  program.command('configure')
    .description('save the Gatehouse URL and a profile\'s defaults in ~/.aws/config (asks for what the flags do not give)')
    .option('--profile <name>', 'AWS profile to configure (default: default)')
    .option('--url <url>', 'Gatehouse address, e.g. https://idp.example.com')
    .option('--role <role>', 'role for this profile: alias/RoleName or a role ARN')
    .option('--account <account>', 'account alias or id (with --role RoleName)')
    .option('--duration <seconds>', 'how long credentials last, 900–43200')
    .option('--region <region>', 'the profile\'s AWS region')
    .option('--login <method>', `how to sign in when needed: ${loginMethods.join(', ')}`)
    .option('--username <name>', 'username for terminal sign-in')
    .option('--credential-process', 'also set credential_process, so the AWS CLI and SDKs fetch credentials through Gatehouse')
    .option('--no-credential-process', 'remove credential_process from the profile')
    .addHelpText('after', examples(
      'gatehouse configure                                          # asks',
      'gatehouse configure --profile prod-admin --url https://idp.example.com --role prod/Admin --credential-process',
      'gatehouse login --profile prod-admin',
    ))
    .action(async (o: ConfigureFlags) => {
      const ask = process.stdin.isTTY === true && o.url === undefined;
      const profile = o.profile ?? (ask ? await promptLine('AWS profile name [default]: ', 'default') : 'default');
      if (!profileNamePattern.test(profile)) throw new GatehouseError('validation_failed', `profile name "${profile}": use letters, digits and _.@+=,-`);
      const current = readConfigProfile(profile) ?? {};
      const cur = (k: keyof typeof profileKeys): string | undefined => current[profileKeys[k]];
      const prompt = async (label: string, k: keyof typeof profileKeys): Promise<string | undefined> => {
        const now = cur(k);
        return (await promptLine(`${label}${now ? ` [${now}]` : ''}: `, now ?? '')) || undefined;
      };
      const url = o.url ?? (ask ? await prompt('Gatehouse URL', 'url') : cur('url'));
      if (!url) throw new GatehouseError('validation_failed', 'no Gatehouse URL: pass --url https://idp.example.com');
      const role = o.role ?? (ask ? await prompt('Role (alias/RoleName; empty to choose at each login)', 'role') : cur('role'));
      const duration = o.duration ?? (ask ? await prompt('Session duration in seconds (empty: the role\'s)', 'duration') : cur('duration'));
      const region = o.region ?? (ask ? await prompt('AWS region (empty: none)', 'region') : cur('region'));
      const login = o.login ?? (ask ? await prompt(`Sign in with (${loginMethods.join('/')})`, 'login') : cur('login'));
      let useProcess = o.credentialProcess;
      if (useProcess === undefined && ask) {
        useProcess = !/^n/i.test(await promptLine('Let the AWS CLI and SDKs get credentials through Gatehouse (credential_process)? [Y/n]: ', 'y'));
      }
      if (duration !== undefined) parseDuration(duration);
      if (region !== undefined && !isValidRegion(region)) throw new GatehouseError('validation_failed', `--region ${region} is not an AWS region (example: eu-west-1)`);
      if (login !== undefined && !(loginMethods as readonly string[]).includes(login)) throw new GatehouseError('validation_failed', `--login ${login}: choose ${loginMethods.join(', ')}`);
      const path = updateConfigProfile(profile, {
        [profileKeys.url]: normaliseGatehouseUrl(url), [profileKeys.role]: role, [profileKeys.account]: o.account ?? cur('account'),
        [profileKeys.duration]: duration, [profileKeys.region]: region, [profileKeys.login]: login, [profileKeys.username]: o.username ?? cur('username'),
        ...(useProcess === undefined ? {} : { credential_process: useProcess ? credentialProcessLine(profile) : undefined }),
      });
      process.stdout.write(`Saved profile ${profile} in ${path}.\n`);
      process.stdout.write(useProcess || (useProcess === undefined && current.credential_process)
        ? `The AWS CLI and SDKs now sign in through Gatehouse: aws sts get-caller-identity --profile ${profile}\n`
        : `Get credentials with: gatehouse login --profile ${profile}\n`);
    });
}
