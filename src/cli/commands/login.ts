/** `gatehouse login`: sign in to Gatehouse and get AWS credentials for one role, a chosen role, or all of them. */
import type { Command } from 'commander';
import { GatehouseError } from '../../errors.js';
import { writeCredentialsProfiles } from '../login/awsFiles.js';
import { CliSession, factorNames, localTime, say, type SignInChoice } from '../login/cliSession.js';
import { credentialProcessJson } from '../login/credentialCache.js';
import { assertionFor, chooseRoles, credentialsFor, type RoleCredentials } from '../login/fetchCredentials.js';
import { GatehouseApi } from '../login/gatehouseApi.js';
import { addGatehouseOptions, addRoleOptions, examples, logFor } from '../login/options.js';
import { profileNameFor, roleLabel } from '../login/selectRoles.js';
import { resolveSettings, type CommonFlags, type Settings } from '../login/settings.js';

const printFormats = ['env', 'json', 'saml'] as const;
type PrintFormat = (typeof printFormats)[number];

interface LoginFlags extends CommonFlags {
  allRoles?: boolean;
  print?: string;
  device?: boolean;
  browser: boolean;
  username?: string;
  passwordStdin?: boolean;
  totp?: string;
  force?: boolean;
}

const shellQuote = (v: string): string => `'${v.replace(/'/g, `'\\''`)}'`;

/** The sign-in method the flags ask for, and whether they ask for a new sign-in. */
function signInChoice(o: LoginFlags, s: Settings): { choice: SignInChoice; explicit: boolean } {
  const terminal = !o.browser || o.username !== undefined || o.passwordStdin === true || o.totp !== undefined;
  if (o.device && terminal) throw new GatehouseError('bad_request', '--device and --no-browser/--username/--password-stdin/--totp do not go together');
  const method = o.device ? 'device' : terminal ? 'terminal' : s.login ?? 'browser';
  return {
    choice: { method, username: o.username ?? s.username, passwordStdin: o.passwordStdin, totp: o.totp },
    explicit: o.device === true || terminal || o.force === true,
  };
}

function printCredentials(format: 'env' | 'json', got: readonly RoleCredentials[]): void {
  if (format === 'env') {
    if (got.length !== 1) throw new GatehouseError('bad_request', '--print env takes one role: drop --all-roles or use --print json');
    const c = got[0]!.credentials;
    process.stdout.write([
      `export AWS_ACCESS_KEY_ID=${shellQuote(c.accessKeyId)}`, `export AWS_SECRET_ACCESS_KEY=${shellQuote(c.secretAccessKey)}`,
      `export AWS_SESSION_TOKEN=${shellQuote(c.sessionToken)}`, `export AWS_CREDENTIAL_EXPIRATION=${shellQuote(c.expiration.toISOString())}`,
    ].join('\n') + '\n');
    return;
  }
  const docs = got.map((g) => ({ Role: roleLabel(g.role), RoleArn: g.role.roleArn, ...credentialProcessJson(g.credentials) }));
  process.stdout.write(JSON.stringify(got.length === 1 ? credentialProcessJson(got[0]!.credentials) : docs, null, 2) + '\n');
}

export function registerLoginCommand(program: Command): void {
  const cmd = program.command('login')
    .description('sign in to Gatehouse and get temporary AWS credentials (written to ~/.aws/credentials unless --print)');
  addGatehouseOptions(cmd);
  addRoleOptions(cmd)
    .option('--all-roles', 'credentials for every role you may use now, one profile each (named alias-RoleName)')
    .option('--print <format>', 'print instead of writing ~/.aws/credentials: env (export lines), json, or saml (the base64 SAML Response)')
    .option('--device', 'sign in with a code on another device (for SSH sessions)')
    .option('--no-browser', 'sign in here in the terminal: username, password and a code from your authenticator app')
    .option('--username <name>', 'username for the terminal sign-in')
    .option('--password-stdin', 'read the password from the first line of stdin (terminal sign-in)')
    .option('--totp <code>', 'code from your authenticator app, or a recovery code (terminal sign-in)')
    .option('--force', 'sign in again even if your Gatehouse session is still valid')
    .addHelpText('after', examples(
      'gatehouse login --url https://idp.example.com                  # browser sign-in, then pick a role',
      'gatehouse login --profile prod-admin                           # settings from gatehouse configure',
      'gatehouse login --account prod --role Admin --duration 3600',
      'gatehouse login --all-roles',
      'gatehouse login --device                                       # over SSH: approve on your phone',
      'pass show idp | gatehouse login --no-browser --username alice --password-stdin --totp 123456 --role prod/ReadOnly',
      'eval "$(gatehouse login --role prod/ReadOnly --print env)"',
    ))
    .action(async (o: LoginFlags) => {
      if (o.print !== undefined && !(printFormats as readonly string[]).includes(o.print)) {
        throw new GatehouseError('validation_failed', `--print ${o.print}: choose env, json or saml`);
      }
      const print = o.print as PrintFormat | undefined;
      if (o.allRoles && o.role) throw new GatehouseError('bad_request', '--all-roles and --role do not go together');
      const s = resolveSettings(o);
      const log = logFor(o);
      const { choice, explicit } = signInChoice(o, s);
      const session = new CliSession(new GatehouseApi(s.url, log), choice, !explicit, log);
      const current = await session.get();
      if (!session.signedInNow) say(`Using your Gatehouse session: ${current.username} (${factorNames[current.factor]}) until ${localTime(current.expiresAt)}.`);
      const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true && !o.passwordStdin;
      const roles = await chooseRoles(session, s, { allRoles: o.allRoles, interactive });

      if (print === 'saml') {
        if (new Set(roles.map((r) => r.partition)).size > 1) throw new GatehouseError('bad_request', '--print saml: these roles are in several partitions; pick them with --account or --role');
        const a = await assertionFor(session, roles);
        for (const r of a.roles) say(`Role ARN ${r.roleArn}, principal ARN ${r.principalArn}`);
        process.stdout.write(a.samlResponse + '\n');
        return;
      }
      const got = await credentialsFor(session, roles, s, log);
      if (print) { printCredentials(print, got); return; }
      const profiles = got.map((g) => ({ profile: o.allRoles || !s.profile ? profileNameFor(g.role) : s.profile, credentials: g.credentials, role: roleLabel(g.role) }));
      const path = writeCredentialsProfiles(profiles);
      for (const p of profiles) process.stdout.write(`${p.role} → profile ${p.profile} (until ${localTime(p.credentials.expiration.toISOString())})\n`);
      const first = profiles[0]!.profile;
      process.stdout.write(`Wrote ${path}. Try: aws sts get-caller-identity --profile ${first}\n`);
    });
}
