// Purging expired rows a batch at a time (issue 12, "a periodic purge" stalling the node): every expired session,
// flow, single-use key and CLI token, code and device code goes, nothing live does, and no statement deletes more
// than one batch.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bothDatabases, createTestDatabase, type TestDatabase } from '../../helpers/databases.js';
import { openStore, type Store } from '../../../src/store/store.js';

for (const kind of bothDatabases) {
  describe(`purging expired rows (${kind})`, () => {
    let db: TestDatabase;
    let store: Store;
    let deletes = 0;
    before(async () => {
      db = await createTestDatabase(kind);
      store = await openStore(db.url, { onQuery: (e) => { if (/^delete from/i.test(e.sql.trim())) deletes++; } });
    });
    after(async () => {
      await store?.close();
      await db?.drop();
    });

    it('1,200 expired sessions and 1,100 expired keys go in batches of 500; live ones stay', async () => {
      const now = 1_800_000_000_000;
      await store.users.create({ id: 'u1', username: 'purge-me' }, now);
      await store.transaction(async (tx) => {
        for (let i = 0; i < 1300; i++) {
          await tx.sessions.create({ idHash: `s${i}`, userId: 'u1', factors: ['password'], authMethod: null, deviceId: null, csrf: 'c', createdAt: now, lastSeenAt: now, expiresAt: i < 1200 ? now - 1 : now + 60_000 });
        }
        for (let i = 0; i < 1150; i++) await tx.singleUse.consume(`purge:${i}`, i < 1100 ? now - 1 : now + 60_000, now - 10);
      });
      deletes = 0;
      assert.equal(await store.sessions.purgeExpired(now), 1200);
      assert.equal(await store.singleUse.purgeExpired(now), 1100);
      assert.ok(deletes >= 3 + 1 + 3, `expected batches of at most 500 rows, saw ${deletes} DELETE statements`);
      assert.ok(await store.sessions.find('s1250'), 'a live session stays');
      assert.equal(await store.sessions.find('s10'), undefined);
      assert.equal(await store.singleUse.consume('purge:1120', now + 60_000, now), false, 'a live key stays used');
      assert.equal(await store.singleUse.consume('purge:5', now + 60_000, now), true, 'an expired key was purged');
      assert.equal(await store.sessions.purgeExpired(now), 0);
    });

    it('CLI tokens, codes and device codes: 700 expired of each go in batches of 500; live ones stay', async () => {
      const now = 1_800_000_000_000;
      await store.users.create({ id: 'u2', username: 'cli-purge' }, now);
      await store.transaction(async (tx) => {
        for (let i = 0; i < 720; i++) {
          const expiresAt = i < 700 ? now - 1 : now + 60_000;
          await tx.cliTokens.create({ tokenHash: `t${i}`, userId: 'u2', factor: 'totp', deviceId: null, via: 'terminal', clientName: 'laptop', authenticatedAt: now, createdAt: now, lastUsedAt: now, expiresAt });
          await tx.cliCodes.create({ codeHash: `c${i}`, userId: 'u2', factor: 'totp', deviceId: null, clientName: 'laptop', codeChallenge: 'x'.repeat(43), redirectUri: 'http://127.0.0.1:1/callback', authenticatedAt: now, sessionExpiresAt: now, createdAt: now, expiresAt });
          await tx.deviceCodes.create({ deviceCodeHash: `d${i}`, userCode: `U${String(i).padStart(7, '0')}`, clientName: 'vm', intervalMs: 5000, createdAt: now, expiresAt });
        }
      });
      deletes = 0;
      assert.equal(await store.cliTokens.purgeExpired(now), 700);
      assert.equal(await store.cliCodes.purgeExpired(now), 700);
      assert.equal(await store.deviceCodes.purgeExpired(now), 700);
      assert.equal(deletes, 3 * 2, `two DELETE statements of at most 500 rows per table, saw ${deletes}`);
      assert.ok(await store.cliTokens.find('t710'), 'a live token stays');
      assert.equal(await store.cliTokens.find('t10'), undefined);
      assert.equal((await store.cliCodes.consume('c715', now)).outcome, 'consumed', 'a live code stays');
      assert.equal((await store.cliCodes.consume('c5', now)).outcome, 'unknown', 'an expired code was purged');
    });
  });
}
