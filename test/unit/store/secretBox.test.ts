// Secrets at rest (SECURITY.md "Database leak"): AES-256-GCM, bound to their row by AAD, useless without the key,
// and PostgreSQL refuses to run without an explicit shared key.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { SecretBox, loadSecretKey } from '../../../src/store/secretBox.js';
import { isGatehouseError } from '../../../src/errors.js';

describe('SecretBox', () => {
  const box = new SecretBox(randomBytes(32));

  test('seals to ciphertext that does not contain the secret, and opens with the same AAD', () => {
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'device:1');
    assert.ok(!sealed.includes('JBSWY3DPEHPK3PXP'));
    assert.notEqual(box.seal('JBSWY3DPEHPK3PXP', 'device:1'), sealed, 'a fresh IV every time');
    assert.equal(box.openText(sealed, 'device:1'), 'JBSWY3DPEHPK3PXP');
  });

  test('a sealed value copied to another row (other AAD) does not open', () => {
    const sealed = box.seal('seed', 'device:1');
    assert.throws(() => box.open(sealed, 'device:2'), (e) => isGatehouseError(e, 'internal'));
  });

  test('another key, or a changed byte, does not open', () => {
    const sealed = box.seal('seed', 'row');
    assert.throws(() => new SecretBox(randomBytes(32)).open(sealed, 'row'), (e) => isGatehouseError(e, 'internal'));
    const parts = sealed.split('.');
    const ct = Buffer.from(parts[3]!, 'base64url');
    ct[0] = ct[0]! ^ 1;
    parts[3] = ct.toString('base64url');
    assert.throws(() => box.open(parts.join('.'), 'row'), (e) => isGatehouseError(e, 'internal'));
  });

  test('keys that are not 32 bytes are refused', () => {
    assert.throws(() => new SecretBox(randomBytes(16)), (e) => isGatehouseError(e, 'config_invalid'));
    assert.throws(() => loadSecretKey({ key: randomBytes(31).toString('base64') }), (e) => isGatehouseError(e, 'config_invalid'));
  });
});

describe('loadSecretKey', () => {
  test('PostgreSQL (no SQLite path) without an explicit key is refused, naming GATEHOUSE_SECRET_KEY', () => {
    assert.throws(() => loadSecretKey({}), (e) => isGatehouseError(e, 'config_invalid') && /GATEHOUSE_SECRET_KEY/.test(e.message) && /PostgreSQL/.test(e.message));
  });

  test('SQLite without a key: a 0600 key file beside the database, created once and reused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-key-'));
    try {
      const first = loadSecretKey({ sqlitePath: join(dir, 'g.db') });
      assert.equal(first.generated, true);
      assert.equal(first.path, join(dir, 'secret.key'));
      assert.equal(statSync(first.path).mode & 0o777, 0o600);
      const again = loadSecretKey({ sqlitePath: join(dir, 'g.db') });
      assert.equal(again.generated, false);
      assert.deepEqual(again.key, first.key);
      assert.equal(readFileSync(first.path, 'utf8').trim(), first.key.toString('base64'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
