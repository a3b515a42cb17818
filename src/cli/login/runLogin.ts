/** What `gatehouse login` does (commands/login.ts defines its options; this module loads only when it runs). */
import { GatehouseError } from '../../errors.js';
import { readConfigProfile, updateConfigProfile, writeCredentialsProfiles } from './awsFiles.js';
import { CliSession, type SignInChoice } from './cliSession.js';
import { factorNames } from './factors.js';
import { localTime, say } from './progress.js';
import { credentialProcessJson } from './credentialCache.js';
import { assertionFor, chooseRoles, credentialsFor, type RoleCredentials } from './fetchCredentials.js';
import { GatehouseApi } from './gatehouseApi.js';
import { logFor } from './options.js';
import { profileNameFor, roleLabel } from './selectRoles.js';
import { resolveSettings, type CommonFlags, type Settings } from './settings.js';

const printFormats = ['env', 'json', 'saml'] as const;
type PrintFormat = (typeof printFormats)[number];

/** The options of `gatehouse login`. */
export interface LoginFlags extends CommonFlags {
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

/** Runs `gatehouse login` with its parsed options. */
export async function runLogin(o: LoginFlags): Promise<void> {
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
  // GovCloud and China credentials work only with a region of their partition: name one unless the profile does.
  got.forEach((g, i) => {
    const name = profiles[i]!.profile;
    if (g.role.partition !== 'aws' && !readConfigProfile(name)?.region) {
      const config = updateConfigProfile(name, { region: g.target.region });
      say(`Set region ${g.target.region} for profile ${name} in ${config} (${g.role.partition} credentials need a region of their own).`);
    }
  });
  const first = profiles[0]!.profile;
  process.stdout.write(`Wrote ${path}. Try: aws sts get-caller-identity --profile ${first}\n`);
}
