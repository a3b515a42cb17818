import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { bothDatabases, createTestDatabase, type TestDatabase } from '../../helpers/databases.js';
import { loadConfig } from '../../../src/config/loadConfig.js';
import { createContext, type AppContext } from '../../../src/context.js';
import { activateKey, ensureActiveKey, listKeys, loadSigningKeys, retireKey, rotateKey } from '../../../src/keys/signingKeyService.js';
import { isGatehouseError } from '../../../src/errors.js';

for (const kind of bothDatabases) {
  describe(`signing key service (${kind})`, () => {
    let tdb: TestDatabase;
    let ctx: AppContext;
    let clock = 1_700_000_000_000;

    before(async () => {
      tdb = await createTestDatabase(kind);
      const config = loadConfig({ env: {}, overrides: { database: { url: tdb.url }, secrets: { key: randomBytes(32).toString('base64') } } });
      ctx = await createContext(config, { now: () => new Date(clock) });
    });
    after(async () => { await ctx.store.close(); await tdb.drop(); });

    it('no key: loadSigningKeys says signing_key_missing', async () => {
      await assert.rejects(loadSigningKeys(ctx), (e) => isGatehouseError(e, 'signing_key_missing'));
    });

    it('ensureActiveKey creates exactly one active key, also when called concurrently', async () => {
      const created = await Promise.all([ensureActiveKey(ctx), ensureActiveKey(ctx), ensureActiveKey(ctx)]);
      assert.equal(created.filter(Boolean).length, 1);
      assert.equal(await ensureActiveKey(ctx), false);
      const keys = await listKeys(ctx);
      assert.deepEqual(keys.map((k) => k.state), ['active']);
      const row = (await ctx.store.signingKeys.list())[0]!;
      assert.match(row.privateKeyEnc, /^v1\./);
      assert.doesNotMatch(row.privateKeyEnc, /PRIVATE KEY/);
      const { active, published } = await loadSigningKeys(ctx);
      assert.equal(active.kid, keys[0]!.id);
      assert.equal(active.privateKey.asymmetricKeyDetails?.modulusLength, 3072);
      assert.deepEqual(published.map((k) => k.kid), [active.kid]);
      assert.match(keys[0]!.fingerprint256, /^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    });

    it('rotate publishes a next key; activate switches; the old one is retired', async () => {
      const first = (await listKeys(ctx))[0]!;
      clock += 1000;
      const next = await rotateKey(ctx);
      assert.equal(next.state, 'next');
      await assert.rejects(rotateKey(ctx), (e) => isGatehouseError(e, 'conflict'));
      let keys = await loadSigningKeys(ctx);
      assert.equal(keys.active.kid, first.id);
      assert.deepEqual(keys.published.map((k) => k.kid), [first.id, next.id]);
      clock += 1000;
      const activated = await activateKey(ctx);
      assert.equal(activated.id, next.id);
      assert.equal(activated.activatedAt, clock);
      keys = await loadSigningKeys(ctx);
      assert.equal(keys.active.kid, next.id);
      assert.deepEqual(keys.published.map((k) => k.kid), [next.id]);
      assert.deepEqual((await listKeys(ctx)).map((k) => [k.id, k.state]), [[first.id, 'retired'], [next.id, 'active']]);
      await assert.rejects(activateKey(ctx), (e) => isGatehouseError(e, 'not_found'));
      await assert.rejects(retireKey(ctx, next.id), (e) => isGatehouseError(e, 'conflict'));
      const types = (await ctx.store.audit.list()).map((e) => e.type);
      assert.deepEqual(types.slice(0, 3), ['keys.activated', 'keys.rotated', 'keys.created']);
    });

    it('retire cancels a rotation; a retired key can be activated again (roll back)', async () => {
      const cancelled = await rotateKey(ctx);
      assert.equal((await retireKey(ctx, cancelled.id)).state, 'retired');
      assert.equal((await loadSigningKeys(ctx)).published.length, 1);
      const first = (await listKeys(ctx))[0]!;
      await activateKey(ctx, first.id);
      assert.equal((await loadSigningKeys(ctx)).active.kid, first.id);
      await assert.rejects(activateKey(ctx, 'nope'), (e) => isGatehouseError(e, 'not_found'));
    });
  });
}
