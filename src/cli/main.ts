/**
 * The `gatehouse` command (bin/gatehouse.js calls `main`). One file per noun under commands/.
 * Errors: exit code 1 and one line per problem on stderr, `gatehouse: <message>`; a stack trace only with
 * GATEHOUSE_DEBUG=1.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { isGatehouseError } from '../errors.js';
import { registerDirectoryCommands } from './commands/directory.js';
import { registerServerCommands } from './commands/server.js';
import { registerUserCommands } from './commands/users.js';
import { registerGroupCommands } from './commands/groups.js';
import { registerAccountCommands } from './commands/accounts.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerAwsCommands } from './commands/aws.js';
import { registerServiceProviderCommands } from './commands/serviceProviders.js';
import { registerAuditCommands } from './commands/audit.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** The commander program with every command; parse with `parseAsync(argv, { from: 'node' })`. */
export function buildProgram(): Command {
  const program = new Command('gatehouse')
    .description('Gatehouse: a SAML 2.0 identity provider for AWS, with MFA enforced at the IdP')
    .version(version())
    .showHelpAfterError('(run gatehouse --help for usage)')
    .exitOverride()
    .configureOutput({ outputError: (msg, write) => write(`gatehouse: ${msg.replace(/^error: /, '')}`) });
  registerServerCommands(program);
  registerDirectoryCommands(program);
  registerUserCommands(program);
  registerGroupCommands(program);
  registerAccountCommands(program);
  registerKeyCommands(program);
  registerAwsCommands(program);
  registerServiceProviderCommands(program);
  registerAuditCommands(program);
  return program;
}

const hints: Record<string, string> = {
  ECONNREFUSED: 'is the database running? check GATEHOUSE_DATABASE_URL',
  ENOTFOUND: 'check the host name in GATEHOUSE_DATABASE_URL',
  '28P01': 'PostgreSQL refused the password in GATEHOUSE_DATABASE_URL',
  '3D000': 'the database in GATEHOUSE_DATABASE_URL does not exist',
  SQLITE_CANTOPEN: 'cannot open the SQLite file: check GATEHOUSE_DATABASE_URL and the folder permissions',
};

/** Writes an error as `gatehouse: …` lines and returns the exit code. */
function reportError(e: unknown, stderr: (line: string) => void = (l) => { process.stderr.write(l + '\n'); }): number {
  if (e instanceof CommanderError) return e.exitCode; // commander has written its message already
  if (isGatehouseError(e)) {
    for (const line of e.message.split('\n')) stderr(`gatehouse: ${line}`);
  } else {
    const err = e instanceof Error ? e : new Error(String(e));
    const code = (err as NodeJS.ErrnoException).code;
    const hint = code !== undefined ? hints[code] : undefined;
    stderr(`gatehouse: ${err.message || err.name}${hint ? ` (${hint})` : ''}`);
    if (!hint && process.env.GATEHOUSE_DEBUG !== '1') stderr('gatehouse: this is unexpected; run again with GATEHOUSE_DEBUG=1 for details and report it if it persists');
  }
  if (process.env.GATEHOUSE_DEBUG === '1' && e instanceof Error && e.stack) stderr(e.stack);
  return 1;
}

/** Runs the CLI with `argv` (process.argv form: node, script, args…). Sets process.exitCode; never calls process.exit. */
export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv, { from: 'node' });
  } catch (e) {
    process.exitCode = reportError(e);
  }
}
