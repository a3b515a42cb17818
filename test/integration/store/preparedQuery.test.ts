// PreparedQuery (issue 12, SSO CPU): a hot-path statement is built and compiled once, then run with new parameters.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bothDatabases, createTestDatabase, type TestDatabase } from '../../helpers/databases.js';
import { createDatabase, type Db } from '../../../src/store/createDatabase.js';
import { migrate } from '../../../src/store/migrate.js';
import { PreparedQuery } from '../../../src/store/preparedQuery.js';

for (const kind of bothDatabases) {
  describe(`PreparedQuery (${kind})`, () => {
    let db: TestDatabase;
    let d: Db;
    const statements: string[] = [];
    before(async () => {
      db = await createTestDatabase(kind);
      d = createDatabase(db.url, { onQuery: (e) => statements.push(e.sql) });
      await migrate(d);
      await d.db.insertInto('settings').values([{ key: 'a', value: '1' }, { key: 'b', value: '2' }]).execute();
    });
    after(async () => {
      await d?.db.destroy();
      await db?.drop();
    });

    it('runs the one compiled statement with each call’s parameters, fixed values kept', async () => {
      const find = new PreparedQuery((q, p: { key: string }) => q.selectFrom('settings').select('value').where('key', '=', p.key).where('value', '!=', 'fixed'));
      statements.length = 0;
      assert.deepEqual((await find.execute(d.db, { key: 'a' })).rows, [{ value: '1' }]);
      assert.deepEqual((await find.execute(d.db, { key: 'b' })).rows, [{ value: '2' }]);
      assert.deepEqual((await find.execute(d.db, { key: 'c' })).rows, []);
      assert.equal(new Set(statements).size, 1, 'one SQL text');
      const set = new PreparedQuery((q, p: { key: string; value: string }) => q.updateTable('settings').set({ value: p.value }).where('key', '=', p.key));
      await d.db.transaction().execute((trx) => set.execute(trx, { key: 'b', value: '3' }));
      assert.deepEqual((await find.execute(d.db, { key: 'b' })).rows, [{ value: '3' }]);
    });

    it('refuses a parameter that shapes the query instead of being sent', async () => {
      const shaped = new PreparedQuery((q, p: { all: boolean }) => (p.all ? q.selectFrom('settings').select('value') : q.selectFrom('settings').select('key')));
      await assert.rejects(shaped.execute(d.db, { all: true }), /all shaped the query/);
    });
  });
}
