/**
 * What `gatehouse credential-process` does. The cache hit, the common case (the AWS SDK runs it for every
 * new process), loads only the small modules it needs; the sign-in and STS modules load on a miss.
 */
import { credentialProcessJson, loadCachedCredentials, saveCachedCredentials, type CacheKey } from './credentialCache.js';
import { logFor } from './options.js';
import { resolveSettings, type CommonFlags, type Settings } from './settings.js';

/** The cache entry a credential-process call with these settings reads and writes. */
export function credentialProcessCacheKey(s: Settings, env: NodeJS.ProcessEnv = process.env): CacheKey {
  return {
    url: s.url, roleArn: `${s.account ?? ''}|${s.role ?? ''}`, durationSeconds: s.duration ?? 0,
    region: s.flagRegion ?? s.profileRegion ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '',
    endpoint: env.AWS_ENDPOINT_URL_STS || env.AWS_ENDPOINT_URL || undefined,
  };
}

/** Runs `gatehouse credential-process`: prints the credentials JSON on stdout, nothing else. */
export async function runCredentialProcess(o: CommonFlags): Promise<void> {
  const s = resolveSettings(o);
  const log = logFor(o);
  const key = credentialProcessCacheKey(s);
  const cached = loadCachedCredentials(key);
  if (cached) {
    log(`serving cached credentials (until ${cached.expiration.toISOString()})`);
    process.stdout.write(JSON.stringify(credentialProcessJson(cached)) + '\n');
    return;
  }
  const [{ CliSession }, { chooseRoles, credentialsFor }, { GatehouseApi }] = await Promise.all([
    import('./cliSession.js'), import('./fetchCredentials.js'), import('./gatehouseApi.js'),
  ]);
  // Never a prompt on stdin (the AWS SDK owns it) and never the picker: a browser sign-in when the session is gone.
  const session = new CliSession(new GatehouseApi(s.url, log), { method: 'browser' }, true, log);
  const roles = await chooseRoles(session, s, { interactive: false });
  const [got] = await credentialsFor(session, roles, s, log);
  saveCachedCredentials(key, got!.credentials);
  process.stdout.write(JSON.stringify(credentialProcessJson(got!.credentials)) + '\n');
}
