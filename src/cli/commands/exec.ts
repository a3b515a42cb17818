/** `gatehouse exec -- COMMAND`: a command with a role's credentials in its environment only (login/runExec.ts). */
import type { Command } from 'commander';
import { addGatehouseOptions, addRoleOptions, examples } from '../login/options.js';
import type { CommonFlags } from '../login/settings.js';

export function registerExecCommand(program: Command): void {
  const cmd = program.command('exec')
    .description('run a command with a role\'s AWS credentials in its environment only (nothing written to disk)')
    .argument('<command...>', 'the command and its arguments, after --');
  addGatehouseOptions(cmd);
  addRoleOptions(cmd)
    .addHelpText('after', examples(
      'gatehouse exec --role prod/ReadOnly -- aws s3 ls',
      'gatehouse exec --account prod --role Admin -- terraform plan',
    ))
    .action(async (command: string[], o: CommonFlags) => (await import('../login/runExec.js')).runExec(command, o));
}
