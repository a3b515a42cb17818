// Migration 007_people on SQLite and PostgreSQL: a temporary password and the recovery-codes prompt are stored and
// read back (also through the session's one-statement read); the prompt is taken exactly once however many take it
// at once; a person's sessions end except the one named.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bothDatabases, openTestStore } from '../../helpers/databases.js';
import type { Store } from '../../../src/store/store.js';

for (const kind of bothDatabases) {
  describe(`store: what a person still has to do (${kind})`, () => {
    let store: Store;
    let done: () => Promise<void>;
    const now = 1_700_000_000_000;
    const session = (idHash: string, userId: string) => store.sessions.create({
      idHash, userId, factors: ['password', 'totp'], authMethod: 'totp', deviceId: null, csrf: 'c', createdAt: now, lastSeenAt: now, expiresAt: now + 3600_000,
    });

    before(async () => { ({ store, done } = await openTestStore(kind)); });
    after(async () => { await done(); });

    it('a new person has neither; both are stored and read back, also with the session', async () => {
      const u = await store.users.create({ id: 'u1', username: 'ann', passwordHash: 'h1' }, now);
      assert.deepEqual([u.passwordTemporary, u.recoveryCodesPrompt], [false, false]);
      assert.deepEqual([(await store.users.findById('u1'))?.passwordTemporary, (await store.users.findById('u1'))?.recoveryCodesPrompt], [false, false]);
      await store.users.create({ id: 'u2', username: 'ben', passwordHash: 'h2', passwordTemporary: true }, now);
      assert.equal((await store.users.findByUsername('ben'))?.passwordTemporary, true);
      await store.users.update('u1', { passwordTemporary: true, recoveryCodesPrompt: true }, now + 1);
      await session('s1', 'u1');
      const found = await store.sessions.findWithUser('s1');
      assert.deepEqual([found?.user.passwordTemporary, found?.user.recoveryCodesPrompt], [true, true]);
      await store.users.update('u1', { passwordTemporary: false }, now + 2);
      const u1 = await store.users.findById('u1');
      assert.deepEqual([u1?.passwordTemporary, u1?.recoveryCodesPrompt, u1?.passwordHash], [false, true, 'h1'], 'each flag changes alone');
    });

    it('the recovery-codes prompt is taken once, by one of 50 concurrent takers', async () => {
      await store.users.create({ id: 'u3', username: 'cy' }, now);
      assert.equal(await store.users.takeRecoveryCodesPrompt('u3'), false, 'nothing to take');
      await store.users.update('u3', { recoveryCodesPrompt: true }, now);
      const taken = await Promise.all(Array.from({ length: 50 }, () => store.users.takeRecoveryCodesPrompt('u3')));
      assert.equal(taken.filter(Boolean).length, 1);
      assert.equal((await store.users.findById('u3'))?.recoveryCodesPrompt, false);
    });

    it('ends every session of a person, or every one but the session named, and says how many', async () => {
      await store.users.create({ id: 'u4', username: 'dee' }, now);
      for (const id of ['d1', 'd2', 'd3']) await session(id, 'u4');
      await session('e1', 'u2');
      assert.equal(await store.sessions.deleteForUser('u4', { except: 'd2' }), 2);
      assert.deepEqual([await store.sessions.find('d1'), (await store.sessions.find('d2'))?.userId, (await store.sessions.find('e1'))?.userId], [undefined, 'u4', 'u2']);
      assert.equal(await store.sessions.deleteForUser('u4'), 1);
      assert.equal(await store.sessions.find('d2'), undefined);
    });
  });
}
