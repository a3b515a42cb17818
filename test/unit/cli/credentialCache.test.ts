// The credential_process cache and the saved session on disk (HOME is a temporary folder): modes, refresh
// before expiry, and logout removing both.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadCachedCredentials, refreshBeforeMs, saveCachedCredentials, type CacheKey } from '../../../src/cli/login/credentialCache.js';
import { forgetGatehouse, loadSession, saveSession, savedGatehouseUrls, sessionDir } from '../../../src/cli/login/sessionStore.js';

let home: string;
const savedHome = process.env.HOME;
before(() => { home = mkdtempSync(join(tmpdir(), 'gatehouse-cache-')); process.env.HOME = home; });
after(() => { process.env.HOME = savedHome; rmSync(home, { recursive: true, force: true }); });

const url = 'https://idp.example.com';
const key: CacheKey = { url, roleArn: '|prod/ReadOnly', durationSeconds: 0, region: '', endpoint: undefined };
const now = new Date('2026-06-01T12:00:00Z');

test('cached credentials are served until a few minutes before they expire, from a 0600 file', () => {
  const creds = (minutes: number) => ({ accessKeyId: 'ASIA1', secretAccessKey: 's', sessionToken: 't', expiration: new Date(now.getTime() + minutes * 60_000) });
  saveCachedCredentials(key, creds(60));
  assert.equal(loadCachedCredentials(key, now)?.accessKeyId, 'ASIA1');
  assert.equal(loadCachedCredentials({ ...key, region: 'eu-west-1' }, now), undefined, 'another region is another entry');
  const [file] = readdirSync(join(sessionDir(url), 'credentials'));
  assert.equal(statSync(join(sessionDir(url), 'credentials', file!)).mode & 0o777, 0o600);
  assert.equal(statSync(join(home, '.gatehouse')).mode & 0o777, 0o700);
  const minutesLeft = refreshBeforeMs / 60_000;
  saveCachedCredentials(key, creds(minutesLeft + 1));
  assert.ok(loadCachedCredentials(key, now), 'more than the refresh margin left: served');
  saveCachedCredentials(key, creds(minutesLeft - 1));
  assert.equal(loadCachedCredentials(key, now), undefined, 'within the margin: fetched anew');
  writeFileSync(join(sessionDir(url), 'credentials', file!), '{"not": "credentials"');
  assert.equal(loadCachedCredentials(key, now), undefined, 'a damaged entry is as if absent');
});

test('the saved session: valid until expiresAt; logout forgets it with the cache', () => {
  saveSession(url, { accessToken: 'gatehouse_cli_x', tokenType: 'Bearer', expiresAt: new Date(now.getTime() + 3600_000).toISOString(), username: 'alice', factor: 'webauthn' });
  assert.equal(loadSession(url, now)?.factor, 'webauthn');
  assert.equal(loadSession(url, new Date(now.getTime() + 3600_000)), undefined, 'expired');
  assert.equal(loadSession('https://other.example.com', now), undefined);
  assert.deepEqual(savedGatehouseUrls(), [url]);
  assert.equal(statSync(join(sessionDir(url), 'session.json')).mode & 0o777, 0o600);
  forgetGatehouse(url);
  assert.equal(loadSession(url, now), undefined);
  assert.deepEqual(savedGatehouseUrls(), []);
});
