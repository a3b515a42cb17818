/**
 * Where the CLI keeps its Gatehouse session and cached AWS credentials: ~/.gatehouse/cli/<id>/ per
 * Gatehouse URL (folder 0700, files 0600, written atomically). `session.json` holds the bearer token;
 * `credentials/<key>.json` the credential_process cache. `gatehouse logout` removes the whole folder.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { TokenGrant } from './apiSchemas.js';
import { cliFactors } from './factors.js';
import { writeFileAtomic } from './writeFileAtomic.js';

/** A saved CLI session: the token grant and the Gatehouse it is for. */
export interface StoredSession extends TokenGrant {
  url: string;
}

/** The folder holding everything the CLI keeps. */
export function cliHome(): string {
  return join(homedir(), '.gatehouse', 'cli');
}

/** The folder of one Gatehouse (by its normalised URL). */
export function sessionDir(url: string): string {
  return join(cliHome(), createHash('sha256').update(url).digest('hex').slice(0, 16));
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return undefined; // missing or damaged: as if there were none
  }
}

function asSession(v: unknown): StoredSession | undefined {
  if (!v || typeof v !== 'object') return undefined;
  const s = v as Record<string, unknown>;
  const str = (k: string) => typeof s[k] === 'string';
  if (!str('url') || !str('accessToken') || !str('expiresAt') || !str('username') || !(cliFactors as readonly unknown[]).includes(s.factor)) return undefined;
  return { url: s.url as string, accessToken: s.accessToken as string, tokenType: 'Bearer', expiresAt: s.expiresAt as string, username: s.username as string, factor: s.factor as StoredSession['factor'] };
}

/** The saved session for `url` that is still valid at `now`, or undefined. */
export function loadSession(url: string, now: Date = new Date()): StoredSession | undefined {
  const s = asSession(readJson(join(sessionDir(url), 'session.json')));
  if (!s || s.url !== url || !(Date.parse(s.expiresAt) > now.getTime())) return undefined;
  return s;
}

/** Saves the session for `url`, replacing any older one. */
export function saveSession(url: string, grant: TokenGrant): StoredSession {
  const s: StoredSession = { url, accessToken: grant.accessToken, tokenType: 'Bearer', expiresAt: grant.expiresAt, username: grant.username, factor: grant.factor };
  writeFileAtomic(join(sessionDir(url), 'session.json'), JSON.stringify(s, null, 2) + '\n', 0o600);
  return s;
}

/** Forgets everything kept for `url`: the session and the cached AWS credentials. */
export function forgetGatehouse(url: string): void {
  rmSync(sessionDir(url), { recursive: true, force: true });
}

/** The URLs of every Gatehouse with a saved session (valid or not). */
export function savedGatehouseUrls(): string[] {
  let dirs: string[];
  try { dirs = readdirSync(cliHome()); } catch { return []; }
  return dirs.map((d) => asSession(readJson(join(cliHome(), d, 'session.json')))?.url).filter((u): u is string => u !== undefined);
}
