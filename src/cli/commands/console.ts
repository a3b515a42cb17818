/**
 * `gatehouse console`: opens the AWS console for a role in the browser through the portal's signed
 * sign-in (GET /aws/console?role=<key> shows a confirmation button; the browser's own Gatehouse session
 * signs the Response). The CLI only picks the role and opens the page.
 */
import type { Command } from 'commander';
import { CliSession, say } from '../login/cliSession.js';
import { chooseRoles } from '../login/fetchCredentials.js';
import { GatehouseApi } from '../login/gatehouseApi.js';
import { openBrowser } from '../login/openBrowser.js';
import { addGatehouseOptions, examples, logFor } from '../login/options.js';
import { roleLabel } from '../login/selectRoles.js';
import { resolveSettings, type CommonFlags } from '../login/settings.js';

/** The portal's confirmation page for opening the console with role `key` (`accountId/RoleName`). */
export function consoleUrl(baseUrl: string, key: string): string {
  return `${baseUrl}/aws/console?${new URLSearchParams({ role: key }).toString()}`;
}

export function registerConsoleCommand(program: Command): void {
  const cmd = program.command('console')
    .description('open the AWS console for a role in the browser (through the Gatehouse portal)')
    .option('--role <role>', 'role ARN, alias/RoleName, accountId/RoleName, or RoleName (with --account)')
    .option('--account <account>', 'account alias or id');
  addGatehouseOptions(cmd)
    .addHelpText('after', examples('gatehouse console --role prod/ReadOnly', 'gatehouse console --account staging'))
    .action(async (o: CommonFlags) => {
      const s = resolveSettings(o);
      const log = logFor(o);
      const session = new CliSession(new GatehouseApi(s.url, log), { method: 'browser' }, true, log);
      const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
      const [role] = await chooseRoles(session, s, { interactive });
      const url = consoleUrl(s.url, role!.key);
      const opened = await openBrowser(url);
      say(`Opening the AWS console as ${roleLabel(role!)}${opened ? '; if the browser did not open, visit' : ': open'}:\n  ${url}`);
    });
}
