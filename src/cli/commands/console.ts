/** `gatehouse console`: opens the AWS console for a role through the portal's signed sign-in (login/runConsole.ts). */
import type { Command } from 'commander';
import { addGatehouseOptions, examples } from '../login/options.js';
import type { CommonFlags } from '../login/settings.js';

export function registerConsoleCommand(program: Command): void {
  const cmd = program.command('console')
    .description('open the AWS console for a role in the browser (through the Gatehouse portal)')
    .option('--role <role>', 'role ARN, alias/RoleName, accountId/RoleName, or RoleName (with --account)')
    .option('--account <account>', 'account alias or id');
  addGatehouseOptions(cmd)
    .addHelpText('after', examples('gatehouse console --role prod/ReadOnly', 'gatehouse console --account staging'))
    .action(async (o: CommonFlags) => (await import('../login/runConsole.js')).runConsole(o));
}
