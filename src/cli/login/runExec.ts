/**
 * `gatehouse exec -- COMMAND`: runs a command with a role's credentials in its environment only, like
 * aws-vault's exec. Nothing is written to disk (no profile, no cache); the child's exit code is ours.
 */
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { GatehouseError } from '../../errors.js';
import { CliSession } from './cliSession.js';
import { chooseRoles, credentialsFor, type RoleCredentials } from './fetchCredentials.js';
import { GatehouseApi } from './gatehouseApi.js';
import { logFor } from './options.js';
import { roleLabel } from './selectRoles.js';
import { resolveSettings, type CommonFlags } from './settings.js';

/** The child's environment: ours without profile selection, plus the credentials (and the region when one was chosen). */
export function execEnvironment(base: NodeJS.ProcessEnv, got: RoleCredentials, regionChosen: boolean): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const k of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SECURITY_TOKEN']) delete env[k];
  const c = got.credentials;
  Object.assign(env, {
    AWS_ACCESS_KEY_ID: c.accessKeyId, AWS_SECRET_ACCESS_KEY: c.secretAccessKey, AWS_SESSION_TOKEN: c.sessionToken,
    AWS_CREDENTIAL_EXPIRATION: c.expiration.toISOString(), GATEHOUSE_ROLE: roleLabel(got.role),
  });
  if (regionChosen || (!env.AWS_REGION && !env.AWS_DEFAULT_REGION)) {
    env.AWS_REGION = got.target.region;
    env.AWS_DEFAULT_REGION = got.target.region;
  }
  return env;
}

/** Runs `gatehouse exec`; the child's exit code becomes ours. */
export async function runExec(command: string[], o: CommonFlags): Promise<void> {
  const s = resolveSettings(o);
  const log = logFor(o);
  const session = new CliSession(new GatehouseApi(s.url, log), { method: s.login ?? 'browser', username: s.username }, true, log);
  const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
  const roles = await chooseRoles(session, s, { interactive });
  const [got] = await credentialsFor(session, roles, s, log);
  const [file, ...args] = command;
  if (!file) throw new GatehouseError('bad_request', 'no command given: gatehouse exec --role … -- COMMAND');
  const child = spawn(file, args, { stdio: 'inherit', env: execEnvironment(process.env, got!, s.flagRegion !== undefined || s.profileRegion !== undefined) });
  // Ctrl-C reaches the child from the terminal itself (same process group): only outlive it. TERM and HUP are passed on.
  const handlers = [
    ['SIGINT', () => undefined],
    ['SIGTERM', () => { child.kill('SIGTERM'); }],
    ['SIGHUP', () => { child.kill('SIGHUP'); }],
  ] as const;
  for (const [sig, fn] of handlers) process.on(sig, fn);
  const code = await new Promise<number>((resolve, reject) => {
    child.once('error', (e) => reject(new GatehouseError('bad_request', `cannot run ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such command' : e.message}`)));
    child.once('exit', (c, signal) => resolve(c ?? 128 + (signal ? osConstants.signals[signal] : 1)));
  }).finally(() => { for (const [sig, fn] of handlers) process.removeListener(sig, fn); });
  process.exitCode = code;
}
