/** `gatehouse login`: sign in to Gatehouse and get AWS credentials for one role, a chosen role, or all of them. */
import type { Command } from 'commander';
import { addGatehouseOptions, addRoleOptions, examples } from '../login/options.js';
import type { LoginFlags } from '../login/runLogin.js';

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
    .action(async (o: LoginFlags) => (await import('../login/runLogin.js')).runLogin(o));
}
