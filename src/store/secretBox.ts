import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GatehouseError } from '../errors.js';
import { notWritable } from './notWritable.js';

/**
 * Encrypts secrets at rest (TOTP seeds, signing private keys) with AES-256-GCM.
 * Sealed format: `v1.<iv>.<tag>.<ciphertext>` (base64url parts); `aad` binds a secret to its row
 * (e.g. the device id), so a sealed value copied to another row does not open.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new GatehouseError('config_invalid', 'secrets.key (GATEHOUSE_SECRET_KEY): must be base64 of exactly 32 bytes');
    this.#key = key;
  }

  seal(plain: string | Buffer, aad = ''): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.#key, iv);
    c.setAAD(Buffer.from(aad));
    const ct = Buffer.concat([c.update(plain), c.final()]);
    return ['v1', iv.toString('base64url'), c.getAuthTag().toString('base64url'), ct.toString('base64url')].join('.');
  }

  open(sealed: string, aad = ''): Buffer {
    const [v, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw new GatehouseError('internal', 'sealed secret has an unknown format');
    try {
      const d = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(iv, 'base64url'));
      d.setAAD(Buffer.from(aad));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]);
    } catch (e) {
      throw new GatehouseError('internal', 'a secret at rest cannot be decrypted: is GATEHOUSE_SECRET_KEY the key it was sealed with?', { cause: e });
    }
  }

  openText(sealed: string, aad = ''): string {
    return this.open(sealed, aad).toString('utf8');
  }
}

/**
 * Returns the secrets key: `secrets.key` (base64) when set; otherwise, for SQLite only, a key file beside the
 * database, created on first use with mode 0600. PostgreSQL (several nodes) needs an explicit shared key.
 */
export function loadSecretKey(opts: { key?: string | undefined; keyFile?: string | undefined; sqlitePath?: string | undefined }): { key: Buffer; generated: boolean; path?: string } {
  if (opts.key) {
    const key = Buffer.from(opts.key, 'base64');
    if (key.length !== 32) throw new GatehouseError('config_invalid', 'secrets.key (GATEHOUSE_SECRET_KEY): must be base64 of exactly 32 bytes (try: openssl rand -base64 32)');
    return { key, generated: false };
  }
  const path = opts.keyFile ?? (opts.sqlitePath && opts.sqlitePath !== ':memory:' ? join(dirname(opts.sqlitePath), 'secret.key') : undefined);
  if (!path) {
    throw new GatehouseError('config_invalid', 'secrets.key (GATEHOUSE_SECRET_KEY) is required with PostgreSQL: every node must share it (openssl rand -base64 32)');
  }
  const fix = 'set secrets.key (GATEHOUSE_SECRET_KEY) or secrets.keyFile (GATEHOUSE_SECRET_KEY_FILE)';
  if (existsSync(path)) {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new GatehouseError('config_invalid', `cannot read the secrets key file ${path} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); let this user read it, or ${fix}`, { cause: e });
    }
    const key = Buffer.from(text.trim(), 'base64');
    if (key.length !== 32) throw new GatehouseError('config_invalid', `secret key file ${path} does not hold base64 of 32 bytes`);
    return { key, generated: false, path };
  }
  const key = randomBytes(32);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, key.toString('base64') + '\n', { mode: 0o600 });
  } catch (e) {
    throw notWritable(e, 'the secrets key file', path, fix) ?? e;
  }
  return { key, generated: true, path };
}
