/** `gatehouse serve` and `gatehouse migrate`. */
import type { Command } from 'commander';
import { loadConfig } from '../../config/loadConfig.js';
import { printJson, printLines } from '../output.js';
import { withContext } from '../withContext.js';

export function registerServerCommands(program: Command): void {
  program.command('serve')
    .description('run the IdP (migrates the database, creates the signing key on first run, listens)')
    .action(async () => {
      // Loaded on demand: the HTTP stack (fastify, views, SAML) is not needed by the other commands.
      const { runServer } = await import('../../http/runServer.js');
      await runServer(loadConfig());
    });

  program.command('migrate')
    .description('apply pending database migrations and exit')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => withContext(async (ctx) => {
      const applied = await ctx.store.migrate();
      if (o.json) printJson({ applied });
      else printLines(applied.length > 0 ? applied.map((m) => `applied ${m}`) : ['the database is up to date']);
    }, { migrate: false }));
}
