// The queries the routes need from auth instead of reading the store themselves (issue 8, "storage stays behind
// repositories"): who is locked and until when (/admin), and which devices can sign in (the MFA page, WebAuthn
// options, step-up and the TOTP strategy), on SQLite and PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { bothDatabases, openTestStore } from '../../helpers/databases.js';
import type { Store } from '../../../src/store/store.js';
import type { MfaDevice } from '../../../src/store/repositories/mfaDevices.js';
import { lockedPeople, lockoutKeys } from '../../../src/auth/lockout.js';
import { listUsableDevices } from '../../../src/auth/devices.js';

const now = 1_700_000_000_000;
const lockNow = { windowMs: 600_000, backoffAfter: 100, baseDelayMs: 0, lockAfter: 1, lockMs: 60_000 };

for (const kind of bothDatabases) describe(`lockedPeople and listUsableDevices (${kind})`, () => {
  let store: Store;
  let done: () => Promise<void>;
  before(async () => { ({ store, done } = await openTestStore(kind)); });
  after(async () => { await done(); });

  it('lockedPeople: people locked now, by username in any spelling, until when; addresses and expired locks are left out', async () => {
    await store.throttles.reserve(lockoutKeys('Alice', '').user, now, lockNow);
    await store.throttles.reserve(lockoutKeys('bob', '').user, now - 120_000, lockNow);
    await store.throttles.reserve(lockoutKeys('carol', '').user, now, { ...lockNow, lockAfter: 5 });
    await store.throttles.reserve(lockoutKeys('dave', '192.0.2.7').ip, now, lockNow);
    const locked = await lockedPeople({ store, now: () => new Date(now) });
    assert.equal(locked.lockedUntil('alice'), now + 60_000);
    assert.equal(locked.lockedUntil(' ALICE '), now + 60_000, 'the same person as the lockout counts them');
    assert.equal(locked.lockedUntil('bob'), undefined, 'a lock that ran out');
    assert.equal(locked.lockedUntil('carol'), undefined, 'failures without a lock');
    assert.equal(locked.lockedUntil('dave'), undefined);
    assert.equal(locked.lockedUntil('192.0.2.7'), undefined, 'an address lock is nobody');
  });

  it('listUsableDevices: confirmed, not flagged, holding its seed or key; of one factor when asked', async () => {
    await store.users.create({ id: 'u1', username: 'erin' }, now);
    const device = (id: string, kind: MfaDevice['kind'], extra: Partial<MfaDevice> = {}) => store.devices.create({
      id, userId: 'u1', kind, name: id, secretEnc: kind === 'totp' ? 'sealed' : null, lastStep: null, credentialId: kind === 'webauthn' ? `cred-${id}` : null,
      publicKey: kind === 'webauthn' ? 'pk' : null, counter: 0, transports: [], confirmed: true, createdAt: now, ...extra,
    });
    await device('phone', 'totp');
    await device('key', 'webauthn');
    await device('pending', 'totp', { confirmed: false });
    await device('blocked', 'webauthn');
    await store.devices.flag('blocked');
    await device('seedless', 'totp', { secretEnc: null });
    await device('keyless', 'webauthn', { publicKey: null });
    const ctx = { store };
    assert.deepEqual((await listUsableDevices(ctx, 'u1')).map((d) => d.id).sort(), ['key', 'phone']);
    assert.deepEqual((await listUsableDevices(ctx, 'u1', 'totp')).map((d) => d.id), ['phone']);
    assert.deepEqual((await listUsableDevices(ctx, 'u1', 'webauthn')).map((d) => d.id), ['key']);
    assert.deepEqual(await listUsableDevices(ctx, 'nobody'), []);
  });
});
