/**
 * The server half of the HTTP SSO benchmark, run as its own process so the load generator does not share
 * its core: a Gatehouse app on a temporary SQLite file with the example directory, a signed-in session
 * (created directly in the store: the bench measures SSO, not sign-in), listening on 127.0.0.1.
 * Prints one JSON line {url, cookie, csrf, keyBits} and serves until killed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../src/config/loadConfig.js';
import { createContext } from '../src/context.js';
import { buildApp } from '../src/http/buildApp.js';
import { parseDirectoryFile } from '../src/directory/directoryFile.js';
import { importDirectory } from '../src/directory/applyImport.js';
import { ensureActiveKey, loadSigningKeys } from '../src/keys/signingKeyService.js';
import { hashToken, newToken } from '../src/auth/tokens.js';

const directory = `
session_tags: [CostCenter, Team]
transitive_tags: [CostCenter]
accounts:
  - {id: "111122223333", alias: prod, provider: Gatehouse}
groups:
  - name: platform
    tags: {Team: platform}
    roles:
      - {account: prod, role: ReadOnly, session_duration: 3600}
users:
  - username: alice
    email: alice@example.com
    password: "bench password not for login"
    attributes: {CostCenter: CC-1234}
    groups: [platform]
`;

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-bench-'));
const config = loadConfig({ env: {}, overrides: {
  server: { host: '127.0.0.1', port: 0, baseUrl: 'http://localhost:8080', logLevel: 'silent' },
  database: { url: `sqlite:${join(dir, 'bench.db')}` }, secrets: { key: randomBytes(32).toString('base64') },
} });
const ctx = await createContext(config);
await ensureActiveKey(ctx);
await importDirectory(ctx, parseDirectoryFile(directory, 'bench.yaml'), { mode: 'import' });
const user = (await ctx.store.users.findByUsername('alice'))!;
const sid = newToken();
const csrf = newToken(24);
const now = Date.now();
await ctx.store.sessions.create({ idHash: hashToken(sid), userId: user.id, factors: ['password', 'totp'], authMethod: 'totp', deviceId: null, csrf, createdAt: now, lastSeenAt: now, expiresAt: now + 12 * 3600_000 });
const app = await buildApp(ctx, { logger: false });
await app.listen({ host: '127.0.0.1', port: 0 });
const addr = app.server.address();
const port = typeof addr === 'object' && addr ? addr.port : 0;
const { active } = await loadSigningKeys(ctx);
process.stdout.write(JSON.stringify({ url: `http://127.0.0.1:${port}`, cookie: `${config.session.cookieName}=${sid}`, csrf, keyBits: active.privateKey.asymmetricKeyDetails?.modulusLength }) + '\n');
const stop = (): void => { void app.close().then(() => ctx.store.close()).finally(() => process.exit(0)); };
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
