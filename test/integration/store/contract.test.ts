// One contract suite that every repository passes on SQLite and on PostgreSQL (STYLE.md §5).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bothDatabases, createTestDatabase, openTestStore } from '../../helpers/databases.js';
import { openStore } from '../../../src/store/store.js';
import type { Store } from '../../../src/store/store.js';
import type { FlowRecord } from '../../../src/store/repositories/sessions.js';

for (const kind of bothDatabases) {
  describe(`store contract (${kind})`, () => {
    let store: Store;
    let url: string;
    let done: () => Promise<void>;
    const now = 1_700_000_000_000;

    before(async () => { ({ store, url, done } = await openTestStore(kind)); });
    after(async () => { await done(); });

    it('users: create, find case-insensitively by username or email, update, unique usernames', async () => {
      await store.users.create({ id: 'u1', username: 'Alice', email: 'Alice@Example.com', displayName: 'Alice', attributes: { CostCenter: 'CC-1' } }, now);
      assert.equal((await store.users.findByUsername('alice'))?.id, 'u1');
      assert.equal((await store.users.findByLogin('ALICE@example.com'))?.id, 'u1');
      assert.deepEqual((await store.users.findById('u1'))?.attributes, { CostCenter: 'CC-1' });
      await assert.rejects(store.users.create({ id: 'u2', username: 'alice' }, now));
      await store.users.update('u1', { status: 'disabled', passwordHash: 'h' }, now + 1);
      const u = await store.users.findById('u1');
      assert.equal(u?.status, 'disabled');
      assert.equal(u?.passwordHash, 'h');
      assert.equal(u?.updatedAt, now + 1);
      assert.equal(await store.users.count(), 1);
    });

    it('users: a time zone is stored, kept by other updates, cleared with null, and read with a session', async () => {
      await store.users.create({ id: 'u-tz', username: 'tz-person', timeZone: 'America/Sao_Paulo' }, now);
      assert.equal((await store.users.findById('u-tz'))?.timeZone, 'America/Sao_Paulo');
      await store.users.update('u-tz', { displayName: 'TZ' }, now);
      assert.equal((await store.users.findByUsername('tz-person'))?.timeZone, 'America/Sao_Paulo', 'an update without it keeps it');
      await store.users.update('u-tz', { timeZone: 'Asia/Kathmandu' }, now);
      await store.sessions.create({ idHash: 'tz-session', userId: 'u-tz', factors: ['password', 'totp'], authMethod: 'totp', deviceId: null, csrf: 'c', createdAt: now, lastSeenAt: now, expiresAt: now + 60_000 });
      assert.equal((await store.sessions.findWithUser('tz-session'))?.user.timeZone, 'Asia/Kathmandu');
      await store.users.update('u-tz', { timeZone: null }, now);
      assert.equal((await store.users.findById('u-tz'))?.timeZone, null);
      assert.equal((await store.users.list()).find((x) => x.id === 'u-tz')?.timeZone, null);
      await store.sessions.delete('tz-session');
      await store.users.delete('u-tz');
    });

    it('groups and memberships: add twice changes nothing, groupsOf lists by name', async () => {
      await store.groups.create({ id: 'g1', name: 'platform-admins', tags: { Team: 'platform' } }, now);
      await store.groups.create({ id: 'g2', name: 'auditors' }, now);
      await store.groups.addMember('g1', 'u1');
      await store.groups.addMember('g1', 'u1');
      await store.groups.addMember('g2', 'u1');
      assert.deepEqual((await store.groups.groupsOf('u1')).map((g) => g.name), ['auditors', 'platform-admins']);
      assert.deepEqual((await store.groups.findByName('platform-admins'))?.tags, { Team: 'platform' });
      await store.groups.removeMember('g2', 'u1');
      assert.equal((await store.groups.memberships()).length, 1);
    });

    it('accounts and role mappings: upsert, find by id or alias, mappings for a user', async () => {
      await store.accounts.upsert({ id: '111122223333', alias: 'prod', partition: 'aws', providerName: 'Gatehouse', region: null });
      await store.accounts.upsert({ id: '111122223333', alias: 'production', partition: 'aws', providerName: 'Gatehouse', region: null });
      assert.equal((await store.accounts.find('production'))?.id, '111122223333');
      assert.equal((await store.accounts.find('111122223333'))?.alias, 'production');
      await store.accounts.addMapping({ id: 'm1', groupId: 'g1', accountId: '111122223333', roleName: 'Admin', sessionDuration: 3600, requireFactor: 'webauthn', sourceIps: ['10.0.0.0/8'] });
      await assert.rejects(store.accounts.addMapping({ id: 'm2', groupId: 'g1', accountId: '111122223333', roleName: 'Admin', sessionDuration: null, requireFactor: null, sourceIps: [] }));
      const ms = await store.accounts.mappingsForUser('u1');
      assert.equal(ms.length, 1);
      assert.deepEqual(ms[0], { id: 'm1', groupId: 'g1', accountId: '111122223333', roleName: 'Admin', sessionDuration: 3600, requireFactor: 'webauthn', sourceIps: ['10.0.0.0/8'] });
    });

    it('mfa devices: TOTP step compare-and-set is single-use, also under concurrent submits', async () => {
      await store.devices.create({ id: 'd1', userId: 'u1', kind: 'totp', name: 'phone', secretEnc: 'x', lastStep: null, credentialId: null, publicKey: null, counter: null, transports: [], confirmed: true, createdAt: now });
      assert.equal(await store.devices.consumeTotpStep('d1', 100, now), true);
      assert.equal(await store.devices.consumeTotpStep('d1', 100, now), false);
      assert.equal(await store.devices.consumeTotpStep('d1', 99, now), false);
      const results = await Promise.all([101, 101, 101, 101].map((s) => store.devices.consumeTotpStep('d1', s, now)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal((await store.devices.findById('d1'))?.lastStep, 101);
    });

    it('mfa devices: WebAuthn credential lookup, counter advance, flag, recovery codes single-use', async () => {
      await store.devices.create({ id: 'd2', userId: 'u1', kind: 'webauthn', name: 'yubikey', secretEnc: null, lastStep: null, credentialId: 'cred-1', publicKey: 'pk', counter: 5, transports: ['usb'], confirmed: true, createdAt: now });
      assert.equal((await store.devices.findByCredentialId('cred-1'))?.id, 'd2');
      assert.equal(await store.devices.advanceCounter('d2', 5, 6, now), true);
      assert.equal(await store.devices.advanceCounter('d2', 5, 7, now), false);
      await store.devices.flag('d2');
      assert.equal((await store.devices.findById('d2'))?.flagged, true);
      assert.deepEqual((await store.devices.listForUser('u1')).map((d) => d.name), ['phone', 'yubikey']);
      await store.devices.replaceRecoveryCodes('u1', [{ id: 'r1', hash: 'h1' }, { id: 'r2', hash: 'h2' }], now);
      assert.equal(await store.devices.consumeRecoveryCode('u1', 'h1', now), true);
      assert.equal(await store.devices.consumeRecoveryCode('u1', 'h1', now), false);
      assert.equal(await store.devices.remainingRecoveryCodes('u1'), 1);
    });

    it('sessions: create, rotate (old id stops working), delete; flows advance only once', async () => {
      await store.sessions.create({ idHash: 's1', userId: 'u1', factors: ['password'], authMethod: null, deviceId: null, csrf: 'c', createdAt: now, lastSeenAt: now, expiresAt: now + 1000 });
      assert.equal(await store.sessions.rotate('s1', 's2', { factors: ['password', 'totp'], authMethod: 'totp' }, now), true);
      assert.equal(await store.sessions.find('s1'), undefined);
      assert.deepEqual((await store.sessions.find('s2'))?.factors, ['password', 'totp']);
      await store.sessions.delete('s2');
      assert.equal(await store.sessions.find('s2'), undefined);

      await store.sessions.createFlow({ id: 'f1', state: 'password', userId: null, factorsDone: [], pending: { kind: 'portal' }, csrf: 'c', data: {}, createdAt: now, expiresAt: now + 1000 });
      const next: Omit<FlowRecord, 'createdAt'> = { id: 'f2', state: 'mfa', userId: 'u1', factorsDone: ['password'], pending: { kind: 'portal' }, csrf: 'c2', data: {}, expiresAt: now + 1000 };
      const both = await Promise.all([store.sessions.advanceFlow('f1', 'password', next), store.sessions.advanceFlow('f1', 'password', { ...next, id: 'f3' })]);
      assert.equal(both.filter(Boolean).length, 1);
      assert.equal(await store.sessions.purgeExpired(now + 2000), 1);
    });

    it('single-use: consume is true once, false after, even concurrently; expired keys are purged', async () => {
      assert.equal(await store.singleUse.consume('k1', now + 1000, now), true);
      assert.equal(await store.singleUse.consume('k1', now + 1000, now), false);
      const r = await Promise.all(Array.from({ length: 8 }, () => store.singleUse.consume('k2', now + 1000, now)));
      assert.equal(r.filter(Boolean).length, 1);
      assert.equal(await store.singleUse.consume('k1', now + 5000, now + 2000), true);
    });

    it('single-use SAML keys: a request ID once per SP, its answer once, each apart from the other', async () => {
      const until = now + 60_000;
      assert.equal(await store.singleUse.consumeAuthnRequestId('https://sp.a', '_r1', until, now), true);
      assert.equal(await store.singleUse.consumeAuthnRequestId('https://sp.a', '_r1', until, now), false);
      assert.equal(await store.singleUse.consumeAuthnRequestId('https://sp.b', '_r1', until, now), true, 'another SP may send the same ID');
      assert.equal(await store.singleUse.consumeSamlAnswer('https://sp.a', '_r1', until, now), true, 'consuming the request ID does not answer it');
      assert.equal(await store.singleUse.consumeSamlAnswer('https://sp.a', '_r1', until, now), false);
      const r = await Promise.all(Array.from({ length: 8 }, () => store.singleUse.consumeSamlAnswer('https://sp.a', '_r2', until, now)));
      assert.equal(r.filter(Boolean).length, 1);
      assert.equal(await store.singleUse.consumeAuthnRequestId('https://sp.a', '_r2', until, now), true, 'answering does not consume the request ID');
    });

    it('audit: append-only, newest first, filter by user and type', async () => {
      await store.audit.append({ at: now, type: 'login.password', outcome: 'success', userId: 'u1', username: 'Alice', ip: '127.0.0.1' });
      await store.audit.append({ at: now + 1, type: 'login.mfa', outcome: 'failure', userId: 'u1', factor: 'totp', deviceId: 'd1', deviceName: 'phone', reason: 'wrong code', detail: { step: 1 } });
      const all = await store.audit.list({ userId: 'u1' });
      assert.deepEqual(all.map((e) => e.type), ['login.mfa', 'login.password']);
      assert.equal(all[0]?.deviceName, 'phone');
      assert.deepEqual(all[0]?.detail, { step: 1 });
      assert.equal((await store.audit.list({ type: 'login.password' })).length, 1);
    });

    it('audit: a hash chain — consecutive seq, each event links to the one before, the head follows; concurrent appends and rolled-back ones keep it whole', async () => {
      const head = await store.audit.head();
      assert.ok(head);
      const link = await store.audit.append({ at: now + 2, type: 'logout', outcome: 'success', username: 'Alice' });
      assert.equal(link.seq, head.seq + 1);
      assert.match(link.hash, /^[0-9a-f]{64}$/);
      assert.deepEqual(await store.audit.head(), link);
      const [last] = await store.audit.list({ limit: 1 });
      assert.deepEqual([last?.seq, last?.prevHash, last?.hash], [link.seq, head.hash, link.hash]);

      const links = await Promise.all(Array.from({ length: 20 }, (_, i) => store.audit.append({ at: now + 3, type: 'login.mfa', outcome: 'success', username: `c${i}` })));
      assert.deepEqual(links.map((l) => l.seq).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => link.seq + 1 + i));
      await assert.rejects(store.transaction(async (tx) => {
        await tx.audit.append({ at: now + 4, type: 'logout', outcome: 'success', username: 'rolled back' });
        throw new Error('abort');
      }), /abort/);
      const rows = await store.audit.rowsAfter(0, 1000);
      assert.deepEqual(rows.map((r) => r.seq), Array.from({ length: rows.length }, (_, i) => i + 1), 'seq 1, 2, 3, … without gaps');
      rows.forEach((r, i) => assert.equal(r.prev_hash, i === 0 ? '0'.repeat(64) : rows[i - 1]!.hash, `seq ${r.seq} links to seq ${r.seq - 1}`));
      assert.equal(rows.at(-1)?.hash, (await store.audit.head())?.hash);
      assert.equal(rows.some((r) => r.username === 'rolled back'), false);
      assert.equal(await store.audit.firstSeqSince(now + 3), link.seq + 1);
      assert.equal(await store.audit.firstSeqSince(now + 5), undefined);
    });

    it('service providers: upsert by entityID; enable and disable', async () => {
      const sp = { id: 'sp1', entityId: 'https://sp.example.com', name: 'SP', kind: 'generic' as const, metadataXml: '<x/>', acs: [{ url: 'https://sp.example.com/acs', index: 0, binding: 'urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST', isDefault: true }], wantRequestsSigned: true, signingCerts: ['MII'], nameIdFormat: null, createdAt: now };
      await store.serviceProviders.upsert(sp);
      await store.serviceProviders.upsert({ ...sp, id: 'ignored', name: 'SP renamed' });
      const got = await store.serviceProviders.findByEntityId('https://sp.example.com');
      assert.equal(got?.id, 'sp1');
      assert.equal(got?.name, 'SP renamed');
      assert.equal(got?.wantRequestsSigned, true);
      assert.equal(got?.enabled, true);
      assert.equal(await store.serviceProviders.setEnabled('sp1', false), true);
      await store.serviceProviders.upsert({ ...sp, name: 'SP new metadata' });
      const disabled = await store.serviceProviders.findById('sp1');
      assert.deepEqual([disabled?.enabled, disabled?.name], [false, 'SP new metadata'], 'new metadata leaves a disabled SP disabled');
      assert.equal(await store.serviceProviders.setEnabled('sp1', true), true);
      assert.equal((await store.serviceProviders.findById('sp1'))?.enabled, true);
      assert.equal(await store.serviceProviders.setEnabled('nope', false), false);
    });

    it('signing keys: next → active retires the previous active key; a retired key can come back; retire', async () => {
      await store.signingKeys.create({ id: 'k1', state: 'active', privateKeyEnc: 'e', certificatePem: 'p', createdAt: now, activatedAt: now, retiredAt: null });
      await store.signingKeys.create({ id: 'k2', state: 'next', privateKeyEnc: 'e', certificatePem: 'p', createdAt: now + 1, activatedAt: null, retiredAt: null });
      await store.transaction((tx) => tx.signingKeys.activate('k2', now + 2));
      assert.equal((await store.signingKeys.findActive())?.id, 'k2');
      assert.deepEqual((await store.signingKeys.list()).map((k) => k.state), ['retired', 'active']);
      await store.transaction((tx) => tx.signingKeys.activate('k1', now + 3));
      const k1 = (await store.signingKeys.list()).find((k) => k.id === 'k1');
      assert.equal(k1?.state, 'active');
      assert.equal(k1?.retiredAt, null);
      await store.signingKeys.retire('k2', now + 4);
      assert.deepEqual((await store.signingKeys.list()).map((k) => k.state), ['active', 'retired']);
    });

    describe('throttles', () => {
      const limits = { windowMs: 10_000, backoffAfter: 100, baseDelayMs: 0, lockAfter: 3, lockMs: 60_000 };

      it('reserve counts before the check, locks at the limit, then refuses; a stale count restarts; clear', async () => {
        const a = await store.throttles.reserve('user:alice', now, limits);
        const b = await store.throttles.reserve('user:alice', now, limits);
        assert.deepEqual([a?.failures, a?.lockedUntil, b?.failures, b?.lockedUntil], [1, null, 2, null]);
        const c = await store.throttles.reserve('user:alice', now + 1, limits);
        assert.equal(c?.failures, 3);
        assert.equal(c?.lockedUntil, now + 1 + 60_000, 'the reservation that reaches the limit locks, and says so');
        assert.equal(await store.throttles.reserve('user:alice', now + 2, limits), undefined, 'locked: refused, nothing counted');
        assert.equal((await store.throttles.get('user:alice'))?.failures, 3);
        assert.deepEqual(await store.throttles.status('user:alice', now + 2, limits), { key: 'user:alice', lockedUntil: now + 1 + 60_000, waitUntil: now + 1 });
        assert.equal((await store.throttles.listLocked(now + 2)).length, 1);
        assert.equal(await store.throttles.clear('user:alice'), true);
        assert.equal(await store.throttles.clear('user:alice'), false);
        assert.equal(await store.throttles.get('user:alice'), undefined);
        assert.equal(await store.throttles.status('user:alice', now, limits), undefined);
        await store.throttles.reserve('ip:1', now, limits);
        const later = await store.throttles.reserve('ip:1', now + 20_000, limits);
        assert.equal(later?.failures, 1);
        assert.equal(later?.firstFailureAt, now + 20_000);
      });

      it('back-off: from backoffAfter on, the next reservation must wait base · 2^(n − backoffAfter) after the latest', async () => {
        const l = { ...limits, backoffAfter: 2, baseDelayMs: 1000, lockAfter: 10 };
        assert.ok(await store.throttles.reserve('user:bo', now, l));
        assert.ok(await store.throttles.reserve('user:bo', now, l));
        assert.equal(await store.throttles.reserve('user:bo', now + 999, l), undefined);
        assert.equal((await store.throttles.status('user:bo', now + 999, l))?.waitUntil, now + 1000);
        assert.equal((await store.throttles.reserve('user:bo', now + 1000, l))?.failures, 3);
        assert.equal(await store.throttles.reserve('user:bo', now + 2999, l), undefined);
        assert.equal((await store.throttles.reserve('user:bo', now + 3000, l))?.failures, 4);
        assert.equal((await store.throttles.status('user:bo', now + 3000, l))?.waitUntil, now + 3000 + 4000);
        assert.equal((await store.throttles.status('user:bo', now + 3000 + l.windowMs + 1, l))?.waitUntil, null, 'a stale count waits for nothing');
      });

      it('a reservation whose clock reads earlier than the latest attempt is granted while no back-off is due (concurrent attempts)', async () => {
        assert.ok(await store.throttles.reserve('ip:clock', now + 5, limits));
        const earlier = await store.throttles.reserve('ip:clock', now, limits);
        assert.equal(earlier?.failures, 2, 'counted, not refused as if in back-off');
        const l = { ...limits, backoffAfter: 2, baseDelayMs: 1000, lockAfter: 10 };
        assert.equal(await store.throttles.reserve('ip:clock', now + 4, l), undefined, 'in back-off: still refused');
      });

      it('200 concurrent reservations on two stores (two nodes): exactly lockAfter granted, exactly one locks', async () => {
        const other = await openStore(url);
        try {
          const l = { ...limits, lockAfter: 10 };
          const got = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? other : store).throttles.reserve('user:race', now, l)));
          const granted = got.filter((t) => t !== undefined);
          assert.equal(granted.length, 10);
          assert.deepEqual(granted.map((t) => t.failures).sort((x, y) => x - y), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
          assert.equal(granted.filter((t) => t.lockedUntil !== null).length, 1);
        } finally {
          await other.close();
        }
      });

      it('giveBack returns only its own reservation and a lock it set; it assumes no row', async () => {
        const held = [];
        for (let i = 0; i < 3; i++) held.push((await store.throttles.reserve('user:gb', now, limits))!);
        assert.equal(held[2]!.lockedUntil, now + 60_000);
        await store.throttles.giveBack(held[2]!);
        const after = await store.throttles.get('user:gb');
        assert.deepEqual([after?.failures, after?.lockedUntil], [2, null], 'the lock this attempt set is lifted, other failures stay');
        await store.throttles.giveBack(held[1]!);
        await store.throttles.giveBack(held[0]!);
        assert.equal(await store.throttles.get('user:gb'), undefined, 'a count back at zero is removed');
        await store.throttles.giveBack(held[0]!);
        assert.equal(await store.throttles.get('user:gb'), undefined, 'no row: nothing happens, nothing throws');
        const fresh = await store.throttles.reserve('user:gb', now + 5, limits);
        await store.throttles.giveBack(held[0]!);
        assert.equal((await store.throttles.get('user:gb'))?.failures, 1, 'a reservation of a cleared count does not erase a new one');
        assert.ok(fresh);
      });

      it('giveBack of several keys at once: each as if alone (a lone reservation and its lock go, a shared count keeps the others)', async () => {
        const l = { ...limits, lockAfter: 10 };
        const person = (await store.throttles.reserve('user:both', now, { ...l, lockAfter: 1 }))!;
        assert.equal(person.lockedUntil, now + 60_000, 'a lone reservation that locked its key');
        await store.throttles.reserve('ip:both', now, l);
        const address = (await store.throttles.reserve('ip:both', now + 1, l))!;
        const other = (await store.throttles.reserve('user:joined', now, l))!;
        await store.throttles.reserve('user:joined', now + 2, l);
        await store.throttles.giveBack(person, address, other);
        assert.equal(await store.throttles.get('user:both'), undefined, 'the lone reservation and the lock it set are gone');
        assert.deepEqual(await store.throttles.get('ip:both'), { key: 'ip:both', failures: 1, firstFailureAt: now, lastFailureAt: now, lockedUntil: null });
        assert.deepEqual(await store.throttles.get('user:joined'), { key: 'user:joined', failures: 1, firstFailureAt: now, lastFailureAt: now + 2, lockedUntil: null },
          'alone when reserved, joined since: only its own attempt is handed back');
      });

      it('giveBack lifts the back-off its own reservation started, not one started by a later reservation', async () => {
        const l = { ...limits, backoffAfter: 2, baseDelayMs: 1000, lockAfter: 10 };
        await store.throttles.reserve('user:gbo', now, l);
        await store.throttles.reserve('user:gbo', now, l);
        const third = (await store.throttles.reserve('user:gbo', now + 1000, l))!;
        await store.throttles.giveBack(third);
        assert.equal((await store.throttles.status('user:gbo', now + 1000, l))?.waitUntil, now + 1000, 'as before the attempt: open at now + 1000');
        const fourth = (await store.throttles.reserve('user:gbo', now + 1000, l))!;
        assert.equal(fourth.failures, 3);
        const sooner = (await store.throttles.get('user:gbo'))!;
        await store.throttles.giveBack({ ...sooner, lastFailureAt: now + 1 });
        const after = (await store.throttles.get('user:gbo'))!;
        assert.deepEqual([after.failures, after.lastFailureAt], [2, now + 1000], 'another attempt came later: its back-off stays');
      });

      it('giveBack restores the time of the attempt before it: a verified attempt keeps no old failure from expiring', async () => {
        const l = { ...limits, lockAfter: 10 };
        await store.throttles.reserve('ip:office', now, l);
        for (let i = 1; i <= 3; i++) {
          const verified = (await store.throttles.reserve('ip:office', now + i * (l.windowMs / 4), l))!;
          assert.equal(verified.failures, 2, `verified attempt ${i} counts while it is checked`);
          await store.throttles.giveBack(verified);
          assert.equal((await store.throttles.get('ip:office'))?.lastFailureAt, now, 'the failure keeps its own time');
        }
        assert.equal((await store.throttles.reserve('ip:office', now + l.windowMs + 1, l))?.failures, 1, 'the old failure expired on time');
      });

      it('reservations racing clears and give-backs never throw', async () => {
        const l = { ...limits, lockAfter: 1000 };
        await Promise.all(Array.from({ length: 200 }, async (_, i) => {
          if (i % 3 === 0) return store.throttles.clear('user:churn');
          const t = await store.throttles.reserve('user:churn', now, l);
          if (t && i % 3 === 1) await store.throttles.giveBack(t);
        }));
      });
    });

    it('enrollment tokens: valid once, not after expiry', async () => {
      await store.enrollmentTokens.create({ tokenHash: 't1', userId: 'u1', purpose: 'first-admin', createdAt: now, expiresAt: now + 1000 });
      assert.ok(await store.enrollmentTokens.findValid('t1', now));
      assert.equal(await store.enrollmentTokens.consume('t1', now + 2000), false);
      assert.equal(await store.enrollmentTokens.consume('t1', now), true);
      assert.equal(await store.enrollmentTokens.consume('t1', now), false);
    });

    it('CLI tokens: find by hash, revoke once, revoke all of a person, purge after expiry', async () => {
      const base = { userId: 'u1', factor: 'totp' as const, deviceId: 'd1', via: 'terminal' as const, clientName: 'laptop', authenticatedAt: now, createdAt: now, lastUsedAt: now, expiresAt: now + 1000 };
      await store.cliTokens.create({ ...base, tokenHash: 'ct1' });
      await store.cliTokens.create({ ...base, tokenHash: 'ct2', via: 'browser', factor: 'webauthn', deviceId: null });
      assert.deepEqual(await store.cliTokens.find('ct1'), { ...base, tokenHash: 'ct1', revokedAt: null });
      await store.cliTokens.touch('ct1', now + 5);
      assert.equal((await store.cliTokens.find('ct1'))?.lastUsedAt, now + 5);
      const both = await Promise.all([store.cliTokens.revoke('ct1', now + 6), store.cliTokens.revoke('ct1', now + 6)]);
      assert.deepEqual(both.sort(), [false, true], 'revoked once');
      assert.equal((await store.cliTokens.find('ct1'))?.revokedAt, now + 6, 'a revoked token stays findable (refusals name the person)');
      assert.equal(await store.cliTokens.revokeForUser('u1', now + 7), 1, 'only the live one');
      assert.equal((await store.cliTokens.find('ct2'))?.revokedAt, now + 7);
      assert.equal(await store.cliTokens.purgeExpired(now + 2000), 2);
      assert.equal(await store.cliTokens.find('ct1'), undefined);
    });

    it('CLI codes: 200 concurrent consumes on two stores (two nodes) → exactly one consumed; then used, expired, unknown', async () => {
      const code = { userId: 'u1', factor: 'totp' as const, deviceId: null, clientName: 'laptop', codeChallenge: 'c'.repeat(43), redirectUri: 'http://127.0.0.1:4321/callback', authenticatedAt: now, sessionExpiresAt: now + 9000, createdAt: now, expiresAt: now + 1000 };
      await store.cliCodes.create({ ...code, codeHash: 'cc1' });
      const other = await openStore(url);
      try {
        const got = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? other : store).cliCodes.consume('cc1', now + 1)));
        assert.equal(got.filter((g) => g.outcome === 'consumed').length, 1);
        assert.equal(got.filter((g) => g.outcome === 'used').length, 199);
      } finally {
        await other.close();
      }
      const consumed = await store.cliCodes.consume('cc1', now + 2);
      assert.equal(consumed.outcome, 'used');
      assert.deepEqual(consumed.outcome === 'used' ? consumed.code : undefined, { ...code, codeHash: 'cc1', usedAt: now + 1 });
      await store.cliCodes.create({ ...code, codeHash: 'cc2' });
      assert.equal((await store.cliCodes.consume('cc2', now + 1000)).outcome, 'expired', 'expires_at is exclusive');
      assert.equal((await store.cliCodes.consume('nope', now)).outcome, 'unknown');
      assert.equal(await store.cliCodes.purgeExpired(now + 1001), 2);
    });

    it('CLI codes: one that gave a token outlives its own expiry until the token ends, so a replay can still revoke it', async () => {
      const code = { userId: 'u1', factor: 'totp' as const, deviceId: null, clientName: 'laptop', codeChallenge: 'c'.repeat(43), redirectUri: 'http://127.0.0.1:4321/callback', authenticatedAt: now, sessionExpiresAt: now + 9000, createdAt: now, expiresAt: now + 1000 };
      await store.cliCodes.create({ ...code, codeHash: 'pk1' });
      await store.cliCodes.create({ ...code, codeHash: 'pk2' });
      assert.equal((await store.cliCodes.consume('pk1', now + 1)).outcome, 'consumed');
      assert.equal(await store.cliCodes.bindToken('pk1', 'tokp'), true);
      assert.equal(await store.cliCodes.purgeExpired(now + 1001), 1, 'only the code that gave no token goes at its expiry');
      assert.equal((await store.cliCodes.consume('pk1', now + 5000)).outcome, 'used');
      assert.equal(await store.cliCodes.markReplayed('pk1', now + 5000), 'tokp', 'a replay after the code expired still names its token');
      assert.equal(await store.cliCodes.purgeExpired(now + 9000), 0, 'kept up to the token\'s last moment');
      assert.equal(await store.cliCodes.purgeExpired(now + 9001), 1);
      assert.equal((await store.cliCodes.consume('pk1', now + 9001)).outcome, 'unknown');
    });

    it('CLI codes: a replay names the token the code gave; racing on two stores, a token is either bound and named, or never bound', async () => {
      const code = { userId: 'u1', factor: 'totp' as const, deviceId: null, clientName: 'laptop', codeChallenge: 'c'.repeat(43), redirectUri: 'http://127.0.0.1:4321/callback', authenticatedAt: now, sessionExpiresAt: now + 9000, createdAt: now, expiresAt: now + 1000 };
      await store.cliCodes.create({ ...code, codeHash: 'rp1' });
      assert.equal(await store.cliCodes.bindToken('rp1', 'tok1'), true);
      assert.equal(await store.cliCodes.markReplayed('rp1', now + 1), 'tok1');
      assert.equal(await store.cliCodes.bindToken('rp1', 'tok2'), false, 'no token is bound after a replay');
      assert.equal(await store.cliCodes.markReplayed('rp1', now + 2), 'tok1', 'later replays name the same token');
      assert.equal(await store.cliCodes.markReplayed('nope', now), null);
      // Two nodes on PostgreSQL. On SQLite two nodes are two processes, ordered by the file's write lock; two
      // connections in one process would block its event loop, so the race there is between transactions of one store.
      const other = kind === 'postgres' ? await openStore(url) : store;
      try {
        const outcomes = await Promise.all(Array.from({ length: 40 }, async (_, i) => {
          const hash = `race-${i}`;
          await store.cliCodes.create({ ...code, codeHash: hash });
          const [bound, named] = await Promise.all([
            (i % 2 ? store : other).transaction((tx) => tx.cliCodes.bindToken(hash, `t-${i}`)),
            (i % 2 ? other : store).transaction((tx) => tx.cliCodes.markReplayed(hash, now + 1)),
          ]);
          assert.equal(named, bound ? `t-${i}` : null, `race ${i}: bound ${bound}, the replay named ${named}`);
          return bound;
        }));
        assert.equal(outcomes.length, 40);
      } finally {
        if (other !== store) await other.close();
      }
    });

    it('device codes: unique user code; decided once (approve or deny); polls at the interval, slow_down adds 5 s; redeemed once', async () => {
      const dc = { userCode: 'BCDFGHJK', clientName: 'vm-1', intervalMs: 5000, createdAt: now, expiresAt: now + 600_000 };
      assert.equal(await store.deviceCodes.create({ ...dc, deviceCodeHash: 'dc1' }), true);
      assert.equal(await store.deviceCodes.create({ ...dc, deviceCodeHash: 'dc2' }), false, 'user code taken');
      assert.equal(await store.deviceCodes.redeem('dc1', now), false, 'not approved yet');

      const p1 = await store.deviceCodes.poll('dc1', now);
      assert.equal(p1.outcome, 'ready');
      const p2 = await store.deviceCodes.poll('dc1', now + 4999);
      assert.deepEqual([p2.outcome, p2.outcome === 'slow_down' && p2.code.intervalMs], ['slow_down', 10_000]);
      assert.equal((await store.deviceCodes.poll('dc1', now + 4999 + 9999)).outcome, 'slow_down', 'the longer interval counts from the latest poll');
      assert.equal((await store.deviceCodes.poll('dc1', now + 4999 + 9999 + 15_000)).outcome, 'ready');
      assert.deepEqual(await store.deviceCodes.poll('nope', now), { outcome: 'unknown' });

      const approval = { userId: 'u1', factor: 'totp' as const, deviceId: 'd1', authenticatedAt: now - 10, sessionExpiresAt: now + 9000 };
      // A second person who approves the same code at the same moment (a real row: user_id is a foreign key).
      await store.users.create({ id: 'u-device-rival', username: 'device-rival' }, now);
      const decided = await Promise.all([
        store.deviceCodes.decide('BCDFGHJK', now + 1, { status: 'approved', approval }),
        store.deviceCodes.decide('BCDFGHJK', now + 1, { status: 'approved', approval: { ...approval, userId: 'u-device-rival' } }),
        store.deviceCodes.decide('BCDFGHJK', now + 1, { status: 'denied', userId: 'u1' }),
      ]);
      assert.equal(decided.filter(Boolean).length, 1, 'decided once');
      const row = await store.deviceCodes.findByUserCode('BCDFGHJK');
      assert.ok(row && row.decidedAt === now + 1 && row.userId !== null);
      const other = await openStore(url);
      try {
        await store.deviceCodes.create({ ...dc, userCode: 'LMNPQRST', deviceCodeHash: 'dc3' });
        await store.deviceCodes.decide('LMNPQRST', now + 1, { status: 'approved', approval });
        const redeemed = await Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 ? other : store).deviceCodes.redeem('dc3', now + 2)));
        assert.equal(redeemed.filter(Boolean).length, 1, 'redeemed once');
      } finally {
        await other.close();
      }
      assert.equal((await store.deviceCodes.findByUserCode('LMNPQRST'))?.status, 'redeemed');

      await store.deviceCodes.create({ ...dc, userCode: 'VWXZBCDF', deviceCodeHash: 'dc4' });
      assert.equal(await store.deviceCodes.decide('VWXZBCDF', now + 600_000, { status: 'approved', approval }), undefined, 'expired: not approvable');
      assert.equal(await store.deviceCodes.purgeExpired(now + 600_001), 3);
    });

    it('migrate: applies every migration to a new database, and nothing to a migrated one', async () => {
      assert.deepEqual(await store.migrate(), []);
      const tdb = await createTestDatabase(kind);
      const fresh = await openStore(tdb.url, { migrate: false });
      try {
        const applied = await fresh.migrate();
        assert.deepEqual(applied, ['001_initial', '003_audit_chain', '004_cli', '005_throttle_previous_failure', '006_admin', '007_people', '008_time_zone', '009_sp_enabled', '010_cli_code_replay']);
        assert.deepEqual(await fresh.migrate(), []);
        await fresh.ping();
      } finally {
        await fresh.close();
        await tdb.drop();
      }
    });

    it('settings and transactions: a failed transaction changes nothing', async () => {
      await store.settings.set('a', '1');
      await store.settings.set('a', '2');
      assert.equal(await store.settings.get('a'), '2');
      await assert.rejects(store.transaction(async (tx) => {
        await tx.settings.set('a', '3');
        throw new Error('boom');
      }));
      assert.equal(await store.settings.get('a'), '2');
      await store.ping();
    });

    it('settings: insertIfAbsent sets a key once; of 200 concurrent calls on two stores (two nodes) exactly one wins', async () => {
      const other = await openStore(url);
      let winner: string;
      try {
        const won = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? other : store).settings.insertIfAbsent('once', `v${i}`)));
        assert.equal(won.filter(Boolean).length, 1);
        winner = `v${won.indexOf(true)}`;
        assert.equal(await store.settings.get('once'), winner);
      } finally {
        await other.close();
      }
      assert.equal(await store.settings.insertIfAbsent('once', 'later'), false);
      assert.equal(await store.settings.get('once'), winner, 'a later call changes nothing');
    });
  });
}
