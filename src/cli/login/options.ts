/** The options the AWS-credential commands share, defined once (login, credential-process, exec, console, whoami, logout). */
import type { Command } from 'commander';
import { verboseLog, type VerboseLog } from './httpLog.js';

/** Adds --url, --profile and --verbose. */
export function addGatehouseOptions(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'Gatehouse address (default: the profile\'s gatehouse_url, GATEHOUSE_URL, or the one you are signed in to)')
    .option('--profile <name>', 'AWS profile whose gatehouse_* settings in ~/.aws/config to use (see gatehouse configure)')
    .option('-v, --verbose', 'show the HTTP exchange with Gatehouse and STS (secrets hidden)');
}

/** Adds --role, --account, --duration and --region. */
export function addRoleOptions(cmd: Command): Command {
  return cmd
    .option('--role <role>', 'role ARN, alias/RoleName, accountId/RoleName, or RoleName (with --account)')
    .option('--account <account>', 'account alias or id: with --role RoleName, or to narrow the choice')
    .option('--duration <seconds>', 'how long the AWS credentials last, 900–43200 (default: the role mapping\'s, else 3600)')
    .option('--region <region>', 'STS region (default: the profile\'s region, AWS_REGION, or the partition\'s home region)');
}

/** The --verbose log of a command's options. */
export function logFor(o: { verbose?: boolean }): VerboseLog {
  return verboseLog(o.verbose === true);
}

/** Shown after a command's options: examples (commander prints it with --help). */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
