/**
 * `gatehouse console`: opens the AWS console for a role in the browser through the portal's signed
 * sign-in (GET /aws/console?role=<key> shows a confirmation button; the browser's own Gatehouse session
 * signs the Response). The CLI only picks the role and opens the page.
 */
import { CliSession } from './cliSession.js';
import { say } from './progress.js';
import { chooseRoles } from './fetchCredentials.js';
import { GatehouseApi } from './gatehouseApi.js';
import { openBrowser } from './openBrowser.js';
import { logFor } from './options.js';
import { roleLabel } from './selectRoles.js';
import { resolveSettings, type CommonFlags } from './settings.js';

/** The portal's confirmation page for opening the console with role `key` (`accountId/RoleName`). */
export function consoleUrl(baseUrl: string, key: string): string {
  return `${baseUrl}/aws/console?${new URLSearchParams({ role: key }).toString()}`;
}

/** Runs `gatehouse console`. */
export async function runConsole(o: CommonFlags): Promise<void> {
  const s = resolveSettings(o);
  const log = logFor(o);
  const session = new CliSession(new GatehouseApi(s.url, log), { method: 'browser' }, true, log);
  const interactive = process.stdin.isTTY === true && process.stderr.isTTY === true;
  const [role] = await chooseRoles(session, s, { interactive });
  const url = consoleUrl(s.url, role!.key);
  const opened = await openBrowser(url);
  say(`Opening the AWS console as ${roleLabel(role!)}${opened ? '; if the browser did not open, visit' : ': open'}:\n  ${url}`);
}
