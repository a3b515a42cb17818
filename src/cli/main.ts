/**
 * The `gatehouse` command (bin/gatehouse.js calls `main`). One file per noun under commands/.
 * Errors: exit code 1 and one line per problem on stderr, `gatehouse: <message>`, or one JSON line with `--json`
 * (reportError.ts); a stack trace only with GATEHOUSE_DEBUG=1.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { reportError, wantsJson } from './reportError.js';

/** Adds a module's commands to the program. */
export type RegisterCommands = (program: Command) => void;

/**
 * The top-level commands and the module that defines them. A module is imported only when one of its
 * commands runs, so `gatehouse login --help` or `gatehouse credential-process` never loads the server's
 * modules (fastify, the database drivers). Bare `gatehouse --help` loads them all to list them.
 * test/unit/cli/commandModules.test.ts checks that each module registers exactly the names listed here.
 */
export const commandModules: readonly { names: readonly string[]; load: () => Promise<RegisterCommands> }[] = [
  { names: ['serve', 'migrate'], load: async () => (await import('./commands/server.js')).registerServerCommands },
  { names: ['import', 'apply', 'export'], load: async () => (await import('./commands/directory.js')).registerDirectoryCommands },
  { names: ['user'], load: async () => (await import('./commands/users.js')).registerUserCommands },
  { names: ['group'], load: async () => (await import('./commands/groups.js')).registerGroupCommands },
  { names: ['account', 'role'], load: async () => (await import('./commands/accounts.js')).registerAccountCommands },
  { names: ['identity'], load: async () => (await import('./commands/identity.js')).registerIdentityCommands },
  { names: ['keys'], load: async () => (await import('./commands/keys.js')).registerKeyCommands },
  { names: ['aws'], load: async () => (await import('./commands/aws.js')).registerAwsCommands },
  { names: ['sp'], load: async () => (await import('./commands/serviceProviders.js')).registerServiceProviderCommands },
  { names: ['audit'], load: async () => (await import('./commands/audit.js')).registerAuditCommands },
  { names: ['login'], load: async () => (await import('./commands/login.js')).registerLoginCommand },
  { names: ['credential-process'], load: async () => (await import('./commands/credentialProcess.js')).registerCredentialProcessCommand },
  { names: ['exec'], load: async () => (await import('./commands/exec.js')).registerExecCommand },
  { names: ['console'], load: async () => (await import('./commands/console.js')).registerConsoleCommand },
  { names: ['configure'], load: async () => (await import('./commands/configure.js')).registerConfigureCommand },
  { names: ['whoami', 'logout'], load: async () => (await import('./commands/session.js')).registerSessionCommands },
];

/** The command named in `args` (process.argv without node and script), looking through `help NAME`. */
function requestedCommand(args: readonly string[]): string | undefined {
  const operands = args.filter((a) => !a.startsWith('-'));
  return operands[0] === 'help' ? operands[1] : operands[0];
}

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
    return pkg.version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/**
 * The commander program; parse with `parseAsync(argv, { from: 'node' })`. With `argv`, only the module of
 * the command it names is loaded (every module when it names none or an unknown one).
 */
export async function buildProgram(argv?: readonly string[]): Promise<Command> {
  const json = argv !== undefined && wantsJson(argv);
  const program = new Command('gatehouse')
    .description('Gatehouse: a SAML 2.0 identity provider for AWS, with MFA enforced at the IdP')
    .version(version())
    .showHelpAfterError(json ? false : '(run gatehouse --help for usage)')
    .exitOverride()
    // With --json, main() writes commander's errors as JSON too.
    .configureOutput({ outputError: (msg, write) => { if (!json) write(`gatehouse: ${msg.replace(/^error: /, '')}`); } });
  const name = argv ? requestedCommand(argv.slice(2)) : undefined;
  const only = commandModules.find((m) => name !== undefined && m.names.includes(name));
  for (const m of only ? [only] : commandModules) (await m.load())(program);
  addJsonOption(program);
  return program;
}

/** Every command takes `--json`: those that print something print JSON with it, and every one's errors become JSON. */
function addJsonOption(cmd: Command): void {
  for (const sub of cmd.commands) {
    if (sub.commands.length > 0) addJsonOption(sub);
    else if (!sub.options.some((o) => o.long === '--json')) sub.option('--json', 'errors as one JSON line on stderr');
  }
}

/** Runs the CLI with `argv` (process.argv form: node, script, args…). Sets process.exitCode; never calls process.exit. */
export async function main(argv: string[]): Promise<void> {
  try {
    await (await buildProgram(argv)).parseAsync(argv, { from: 'node' });
  } catch (e) {
    process.exitCode = reportError(e, { json: wantsJson(argv) });
  }
}
