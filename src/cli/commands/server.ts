/** `gatehouse serve` and `gatehouse migrate`. */
import { InvalidArgumentError, type Command } from 'commander';
import { loadConfig } from '../../config/loadConfig.js';
import { printJson, printLines } from '../output.js';
import { reportError } from '../reportError.js';
import { cliActor, withContext } from '../withContext.js';

/** `--workers`: `auto` or a whole number from 1 (the config schema checks the upper bound). */
function parseWorkers(v: string): number | 'auto' {
  if (v === 'auto') return v;
  if (!/^[1-9]\d*$/.test(v)) throw new InvalidArgumentError('a whole number from 1, or auto');
  return Number(v);
}

export function registerServerCommands(program: Command): void {
  program.command('serve')
    .description('run the IdP (migrates the database, records its identity and creates the signing key on first run, listens)')
    .option('--workers <n|auto>', 'worker processes on the port: a number, or auto for one per two CPUs, under a primary (default: server.workers, GATEHOUSE_WORKERS, auto); 1 runs in this process', parseWorkers)
    .option('--force-identity', 'start even though the base URL or entity ID differs from the one recorded at the first start, and record the new one (audited; see gatehouse identity)')
    .option('--json', 'a start-up error as one JSON line on stderr')
    .action(async (o: { workers?: number | 'auto'; forceIdentity?: boolean; json?: boolean }) => {
      // Loaded on demand: the HTTP stack (fastify, views, SAML) is not needed by the other commands.
      const { runServer } = await import('../../http/runServer.js');
      await runServer(loadConfig(o.workers === undefined ? {} : { overrides: { server: { workers: o.workers } } }), {
        ...(o.forceIdentity ? { forceIdentity: { by: cliActor() } } : {}),
        onFatal: (e) => { reportError(e, { json: o.json === true }); },
      });
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
