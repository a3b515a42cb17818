/** `gatehouse whoami` and `gatehouse logout`: the CLI's Gatehouse session. */
import type { Command } from 'commander';
import { GatehouseError, isGatehouseError } from '../../errors.js';
import { printFields, printJson } from '../output.js';
import { factorNames } from '../login/factors.js';
import { localTime, say } from '../login/progress.js';
import { addGatehouseOptions, examples, logFor } from '../login/options.js';
import { forgetGatehouse, loadSession } from '../login/sessionStore.js';
import { resolveUrl } from '../login/settings.js';

interface Flags { url?: string; profile?: string; verbose?: boolean; json?: boolean }

export function registerSessionCommands(program: Command): void {
  const whoami = program.command('whoami').description('show who the CLI is signed in to Gatehouse as, with which factor, and until when');
  addGatehouseOptions(whoami)
    .option('--json', 'machine-readable output')
    .addHelpText('after', examples('gatehouse whoami', 'gatehouse whoami --url https://idp.example.com --json'))
    .action(async (o: Flags) => {
      const url = resolveUrl(o);
      const s = loadSession(url);
      if (!s) throw new GatehouseError('session_required', `not signed in to ${url}: run gatehouse login`);
      let me;
      try {
        const { GatehouseApi } = await import('../login/gatehouseApi.js'); // zod and the client load only when used
        me = await new GatehouseApi(url, logFor(o)).me(s.accessToken);
      } catch (e) {
        if (isGatehouseError(e, 'session_required')) throw new GatehouseError('session_required', `your session at ${url} has ended: run gatehouse login`);
        throw e;
      }
      if (o.json) { printJson({ url, ...me }); return; }
      printFields([
        ['user', me.displayName ? `${me.username} (${me.displayName})` : me.username], ['gatehouse', url],
        ['signed in with', factorNames[me.factor]], ['session until', localTime(me.expiresAt)],
      ]);
    });

  const logout = program.command('logout').description('end the CLI\'s Gatehouse session and delete its cached AWS credentials');
  addGatehouseOptions(logout)
    .addHelpText('after', examples('gatehouse logout', 'gatehouse logout --url https://idp.example.com'))
    .action(async (o: Flags) => {
      const url = resolveUrl(o);
      const s = loadSession(url, new Date(0));
      try {
        if (s) await new (await import('../login/gatehouseApi.js')).GatehouseApi(url, logFor(o)).logout(s.accessToken);
      } finally {
        forgetGatehouse(url); // even when Gatehouse cannot be reached: the token is gone from this computer
      }
      say(s ? `Signed out of ${url}; cached credentials deleted.` : `Not signed in to ${url}; nothing to do.`);
      if (s) say('AWS credentials written to ~/.aws/credentials stay valid until they expire.');
    });
}
