// Preloaded by fastStart.test.ts (node --import): logs the URL of every module the process imports to
// the file named by GATEHOUSE_IMPORT_LOG, through a module resolve hook.
import { register } from 'node:module';

register('data:text/javascript,' + encodeURIComponent(`
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  if (process.env.GATEHOUSE_IMPORT_LOG) appendFileSync(process.env.GATEHOUSE_IMPORT_LOG, r.url + '\\n');
  return r;
}
`));
