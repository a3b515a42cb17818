/**
 * Prepares a database for the HTTP benchmarks, from the bench process, before any node starts: migrations, the
 * signing key, a small directory, `sessions` signed-in sessions of alice (made in the store: the SSO rows
 * measure SSO, not sign-in) and `signInUsers` people bench-0000… with the bench password and TOTP secret. They
 * share one argon2id hash made once with the configured parameters (the sign-in still verifies it in full);
 * each has a TOTP device of their own, so every sign-in uses a fresh time step.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../src/config/loadConfig.js';
import { createContext } from '../src/context.js';
import { parseDirectoryFile } from '../src/directory/directoryFile.js';
import { importDirectory } from '../src/directory/applyImport.js';
import { ensureActiveKey } from '../src/keys/signingKeyService.js';
import { hashToken, newToken } from '../src/auth/tokens.js';
import { hashPassword } from '../src/auth/password.js';

export const BENCH_PASSWORD = 'bench password, not for production';
export const BENCH_TOTP_SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP';
export const BENCH_ROLE = '111122223333/ReadOnly';

/** A signed-in session as a browser holds it: the cookie to send and the CSRF value of its forms. */
export interface BenchSession { cookie: string; csrf: string }

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
    password: "${BENCH_PASSWORD}"
    attributes: {CostCenter: CC-1234}
    groups: [platform]
`;

/** Fills the database at `url` (sqlite:… or postgres://…) and returns the sessions and usernames made. */
export async function prepareDatabase(o: { url: string; secretKey: string; sessions: number; signInUsers: number }): Promise<{ sessions: BenchSession[]; signInUsers: string[] }> {
  const config = loadConfig({ env: {}, overrides: { server: { logLevel: 'silent' }, database: { url: o.url }, secrets: { key: o.secretKey } } });
  const ctx = await createContext(config);
  try {
    await ensureActiveKey(ctx);
    await importDirectory(ctx, parseDirectoryFile(directory, 'bench.yaml'), { mode: 'import' });
    const alice = (await ctx.store.users.findByUsername('alice'))!;
    const now = Date.now();
    const sessions: BenchSession[] = [];
    for (let i = 0; i < o.sessions; i++) {
      const sid = newToken();
      const csrf = newToken(24);
      await ctx.store.sessions.create({ idHash: hashToken(sid), userId: alice.id, factors: ['password', 'totp'], authMethod: 'totp', deviceId: null, csrf, createdAt: now, lastSeenAt: now, expiresAt: now + 12 * 3600_000 });
      sessions.push({ cookie: `${config.session.cookieName}=${sid}`, csrf });
    }
    const passwordHash = await hashPassword(BENCH_PASSWORD, config.auth.argon2);
    const signInUsers: string[] = [];
    for (let i = 0; i < o.signInUsers; i++) {
      const username = `bench-${String(i).padStart(4, '0')}`;
      const user = await ctx.store.users.create({ id: randomUUID(), username, passwordHash }, now);
      const id = randomUUID();
      await ctx.store.devices.create({
        id, userId: user.id, kind: 'totp', name: 'phone', secretEnc: ctx.secrets.seal(BENCH_TOTP_SECRET, id), lastStep: null,
        credentialId: null, publicKey: null, counter: null, transports: [], confirmed: true, createdAt: now,
      });
      signInUsers.push(username);
    }
    return { sessions, signInUsers };
  } finally {
    await ctx.store.close();
  }
}
