/**
 * Terminal login (`--no-browser`): username, password and a TOTP or recovery code, prompted without echo
 * on a terminal or given as `--username`, `--password-stdin`, `--totp` for scripts. The same login flow,
 * lockout and audit as the browser, through the CLI API.
 */
import { GatehouseError, isGatehouseError } from '../../errors.js';
import { promptHidden, promptLine, readFirstLine } from '../readSecret.js';
import type { TokenGrant } from './apiSchemas.js';
import type { GatehouseApi } from './gatehouseApi.js';

export interface TerminalLoginInput {
  clientName: string;
  username?: string | undefined;
  /** Read the password from the first line of stdin. */
  passwordStdin?: boolean | undefined;
  totp?: string | undefined;
}

const totpPattern = /^\d{6,8}$/;

/** What to tell someone who signed in with a recovery code (each works once): how many are left, and where to make more. */
export function recoveryNotice(left: number, baseUrl: string): string {
  const more = `make new ones at ${baseUrl}/account/recovery-codes`;
  if (left === 0) return `You used your last recovery code: ${more} now, and add a device if you lost yours.\n`;
  return `You used a recovery code: ${left} left. If you lost your device, ${more} and add a new device.\n`;
}

/** Signs in with password and a code; prompts for what is not given when stdin is a terminal. */
export async function terminalLogin(api: GatehouseApi, o: TerminalLoginInput): Promise<TokenGrant> {
  const tty = process.stdin.isTTY === true && !o.passwordStdin;
  const need = (what: string, flag: string): never => { throw new GatehouseError('bad_request', `no ${what}: stdin is not a terminal, so pass ${flag}`); };
  if (o.totp === undefined && !tty) need('code', '--totp CODE'); // before anything reaches Gatehouse
  const username = o.username ?? (tty ? await promptLine('Username: ') : need('username', '--username'));
  if (!username) throw new GatehouseError('bad_request', 'no username given');
  const password = o.passwordStdin ? await readFirstLine(process.stdin) : tty ? await promptHidden('Password: ') : need('password', '--password-stdin');
  if (!password) throw new GatehouseError('bad_request', 'no password given');
  const flow = await api.startFlow(o.clientName);
  const step = await api.submitPassword(flow.flowToken, username, password);
  if (step.state === 'enroll-mfa') throw new GatehouseError('enrollment_required', `finish setting up two-step verification in the browser first: ${api.baseUrl}/login`);
  const canType = step.factors.some((f) => f === 'totp' || f === 'recovery');
  if (!canType) throw new GatehouseError('mfa_required', 'your account signs in with a security key: run gatehouse login without --no-browser');
  const submit = async (code: string): Promise<TokenGrant> => {
    const done = await api.submitFactor(totpPattern.test(code) ? 'totp' : 'recovery', step.flowToken, code);
    if (done.recoveryCodesLeft !== undefined) process.stderr.write(recoveryNotice(done.recoveryCodesLeft, api.baseUrl));
    return done.token;
  };
  if (o.totp !== undefined) return submit(o.totp.trim());
  for (let attempt = 1; ; attempt++) {
    const code = (await promptHidden('Code from your authenticator app (or a recovery code): ')).trim();
    try {
      return await submit(code);
    } catch (e) {
      const wrongCode = isGatehouseError(e, 'invalid_credentials') || isGatehouseError(e, 'factor_rejected') || isGatehouseError(e, 'totp_replayed');
      if (!wrongCode || attempt >= 3) throw e;
      process.stderr.write('That code was not accepted; try the next one.\n');
    }
  }
}
