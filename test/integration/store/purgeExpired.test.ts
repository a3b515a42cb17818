// Purging expired rows a batch at a time (issue 12, "a periodic purge" stalling the node): every expired session,
// flow and single-use key goes, nothing live does, and no statement deletes more than one batch.
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
  });
}
