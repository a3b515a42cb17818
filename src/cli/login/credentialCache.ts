/**
 * The credential_process cache: AWS credentials per (Gatehouse, role, duration, STS endpoint) in
 * ~/.gatehouse/cli/<id>/credentials/<key>.json, mode 0600, written atomically. An entry is served until
 * `refreshBeforeMs` before it expires; after that a new one is fetched.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AwsCredentials } from './awsFiles.js';
import { sessionDir } from './sessionStore.js';
import { writeFileAtomic } from './writeFileAtomic.js';

/** Credentials are refreshed this long before they expire (the AWS SDKs refresh 5 minutes early too). */
export const refreshBeforeMs = 10 * 60_000;

/** What a cache entry is for. */
export interface CacheKey {
  url: string;
  roleArn: string;
  durationSeconds: number;
  region: string;
  endpoint: string | undefined;
}

function pathOf(k: CacheKey): string {
  const id = createHash('sha256').update(JSON.stringify([k.roleArn, k.durationSeconds, k.region, k.endpoint ?? ''])).digest('hex').slice(0, 24);
  return join(sessionDir(k.url), 'credentials', `${id}.json`);
}

/** Cached credentials that stay valid for more than `refreshBeforeMs` after `now`, or undefined. */
export function loadCachedCredentials(k: CacheKey, now: Date = new Date()): AwsCredentials | undefined {
  let v: Record<string, unknown>;
  try { v = JSON.parse(readFileSync(pathOf(k), 'utf8')) as Record<string, unknown>; } catch { return undefined; }
  const { AccessKeyId: a, SecretAccessKey: s, SessionToken: t, Expiration: e } = v;
  if (typeof a !== 'string' || typeof s !== 'string' || typeof t !== 'string' || typeof e !== 'string') return undefined;
  const expiration = new Date(e);
  if (!(expiration.getTime() - refreshBeforeMs > now.getTime())) return undefined;
  return { accessKeyId: a, secretAccessKey: s, sessionToken: t, expiration };
}

/** Saves credentials for `k`. */
export function saveCachedCredentials(k: CacheKey, c: AwsCredentials): void {
  writeFileAtomic(pathOf(k), JSON.stringify(credentialProcessJson(c)) + '\n', 0o600);
}

/** The JSON document credential_process prints (Version 1, with Expiration). */
export function credentialProcessJson(c: AwsCredentials): { Version: 1; AccessKeyId: string; SecretAccessKey: string; SessionToken: string; Expiration: string } {
  return { Version: 1, AccessKeyId: c.accessKeyId, SecretAccessKey: c.secretAccessKey, SessionToken: c.sessionToken, Expiration: c.expiration.toISOString() };
}
