/** `gatehouse keys list|rotate|activate|retire`: SAML signing keys (src/keys/signingKeyService.ts). */
import type { Command } from 'commander';
import { activateKey, listKeys, retireKey, rotateKey, type SigningKeyInfo } from '../../keys/signingKeyService.js';
import { formatTime, printJson, printLines, printTable } from '../output.js';
import { cliActor, withContext } from '../withContext.js';

const actor = () => ({ by: cliActor(), via: 'cli' });

const show = (k: SigningKeyInfo, json: boolean | undefined, line: string): void => { if (json) printJson(k); else printLines([line]); };

export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('SAML signing keys: next → active → retired');

  keys.command('list')
    .description('list signing keys')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => withContext(async (ctx) => {
      const list = await listKeys(ctx);
      if (o.json) { printJson(list); return; }
      printTable(list, [
        { header: 'ID', value: (k) => k.id }, { header: 'STATE', value: (k) => k.state }, { header: 'CREATED', value: (k) => formatTime(k.createdAt) },
        { header: 'ACTIVATED', value: (k) => formatTime(k.activatedAt) }, { header: 'CERT EXPIRES', value: (k) => k.notAfter },
        { header: 'SHA-256 FINGERPRINT', value: (k) => k.fingerprint256 },
      ], 'no signing keys (one is created when the server starts)');
    }));

  keys.command('rotate')
    .description('create the next key: published in the metadata now, used for signing after `keys activate`')
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }) => withContext(async (ctx) => {
      const k = await rotateKey(ctx, actor());
      show(k, o.json, `created next key ${k.id}: update the IdP metadata at every SP (AWS: the IAM SAML provider), then run gatehouse keys activate`);
    }));

  keys.command('activate')
    .argument('[id]', 'key to activate (default: the next key)')
    .description('sign with the next key from now on; the previous active key is retired')
    .option('--json', 'machine-readable output')
    .action(async (id: string | undefined, o: { json?: boolean }) => withContext(async (ctx) => {
      const k = await activateKey(ctx, id, actor());
      show(k, o.json, `key ${k.id} is now active`);
    }));

  keys.command('retire')
    .argument('<id>')
    .description('stop publishing a next key (the active key cannot be retired)')
    .option('--json', 'machine-readable output')
    .action(async (id: string, o: { json?: boolean }) => withContext(async (ctx) => {
      const k = await retireKey(ctx, id, actor());
      show(k, o.json, `key ${k.id} is retired`);
    }));
}
