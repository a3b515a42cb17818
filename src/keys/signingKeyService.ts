/**
 * SAML signing keys with I/O: generation (RSA-3072 + self-signed certificate from src/saml/signingKey.ts),
 * storage (private key PKCS#8 PEM sealed with the secrets box, aad = key id) and rotation:
 *
 *   rotateKey → a `next` key, published in the IdP metadata (so SPs can add it) but not used to sign;
 *   activateKey → `next` becomes `active` (signs from now on), the old active becomes `retired`;
 *   retireKey → a `next` key is dropped from the metadata (cancels a rotation); the active key cannot be retired.
 *
 * Every change appends an audit event (`keys.created`, `keys.rotated`, `keys.activated`, `keys.retired`); given the
 * admin who made it (console, API, CLI), the event also names them (`by`, `via`) and the key `before` and `after`.
 */
import { X509Certificate, generateKeyPair, randomBytes, randomUUID, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { AppContext } from '../context.js';
import { GatehouseError } from '../errors.js';
import { createSigningKey, loadSigningKey, type SigningKey } from '../saml/signingKey.js';
import type { SigningKeyRecord } from '../store/repositories/signingKeys.js';
import { recordAudit } from '../audit/recordAudit.js';
import { changedBy, type ChangeActor } from '../admin/changeActor.js';

type KeyContext = Pick<AppContext, 'config' | 'store' | 'secrets' | 'now'>;

const generateKeyPairAsync = promisify(generateKeyPair);
/** Certificates are valid for 10 years: AWS does not check the expiry of IdP signing certificates, rotation is by key. */
const CERT_VALIDITY_MS = 10 * 365 * 24 * 3600 * 1000;
const BOOTSTRAP_LOCK = 'signing_keys.bootstrap';

/** What `gatehouse keys list` shows about a key (never the private key). */
export interface SigningKeyInfo {
  id: string;
  state: SigningKeyRecord['state'];
  createdAt: number;
  activatedAt: number | null;
  retiredAt: number | null;
  /** Certificate validity end, ISO 8601. */
  notAfter: string;
  /** SHA-256 fingerprint of the certificate (colon-separated hex), as IAM and browsers show it. */
  fingerprint256: string;
}

/** A key as its audit events record it before and after a change. */
function keyAuditView(k: Pick<SigningKeyInfo, 'id' | 'state' | 'fingerprint256'>): Record<string, string> {
  return { id: k.id, state: k.state, fingerprint256: k.fingerprint256 };
}

function info(r: SigningKeyRecord): SigningKeyInfo {
  const cert = new X509Certificate(r.certificatePem);
  return {
    id: r.id, state: r.state, createdAt: r.createdAt, activatedAt: r.activatedAt, retiredAt: r.retiredAt,
    notAfter: new Date(cert.validTo).toISOString(), fingerprint256: cert.fingerprint256,
  };
}

/** Generates a key and its certificate (slow: RSA-3072), returning the row to store. */
async function newKeyRecord(ctx: KeyContext, state: 'next' | 'active'): Promise<SigningKeyRecord> {
  const id = randomUUID();
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 3072 }) as { privateKey: KeyObject };
  const now = ctx.now().getTime();
  const key = createSigningKey({
    kid: id, privateKey, commonName: `Gatehouse SAML signing ${new URL(ctx.config.server.baseUrl).host}`,
    notBefore: new Date(now - 5 * 60 * 1000), notAfter: new Date(now + CERT_VALIDITY_MS), serial: randomBytes(16),
  });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    id, state, privateKeyEnc: ctx.secrets.seal(pem, id), certificatePem: key.certificatePem, createdAt: now,
    activatedAt: state === 'active' ? now : null, retiredAt: null,
  };
}

/**
 * Makes sure there is an active signing key: on a database without one, creates an RSA-3072 key with a
 * self-signed certificate in state `active`. Safe when several nodes start at once (one creates, the others
 * see it). Returns true when it created the key.
 */
export async function ensureActiveKey(ctx: KeyContext): Promise<boolean> {
  if (await ctx.store.signingKeys.findActive()) return false;
  const record = await newKeyRecord(ctx, 'active');
  return ctx.store.transaction(async (tx) => {
    // Serialise concurrent first starts: the upsert holds the row until commit; the check below then sees the winner's key.
    await tx.settings.set(BOOTSTRAP_LOCK, record.id);
    if (await tx.signingKeys.findActive()) return false;
    await tx.signingKeys.create(record);
    await recordAudit(tx, { at: record.createdAt, type: 'keys.created', outcome: 'success', detail: { keyId: record.id, state: 'active' } });
    return true;
  });
}

/** Every key, oldest first. */
export async function listKeys(ctx: Pick<AppContext, 'store'>): Promise<SigningKeyInfo[]> {
  return (await ctx.store.signingKeys.list()).map(info);
}

/**
 * Starts a rotation: creates a `next` key, which the metadata publishes alongside the active one. Add it to
 * every SP (for AWS: update the IAM SAML provider's metadata), then `activateKey`. Throws `conflict` when a
 * `next` key exists already.
 */
export async function rotateKey(ctx: KeyContext, actor?: ChangeActor): Promise<SigningKeyInfo> {
  const existing = (await ctx.store.signingKeys.list()).find((k) => k.state === 'next');
  if (existing) throw new GatehouseError('conflict', `key ${existing.id} is already waiting as the next key: activate it (gatehouse keys activate) or retire it first`);
  const record = await newKeyRecord(ctx, 'next');
  const created = info(record);
  await ctx.store.transaction(async (tx) => {
    // A second rotation started meanwhile (another admin, another node) made its key first: keep one next key.
    const raced = (await tx.signingKeys.list()).find((k) => k.state === 'next');
    if (raced) throw new GatehouseError('conflict', `key ${raced.id} is already waiting as the next key: activate it (gatehouse keys activate) or retire it first`);
    await tx.signingKeys.create(record);
    await recordAudit(tx, { at: record.createdAt, type: 'keys.rotated', outcome: 'success', detail: { keyId: record.id, state: 'next', ...(actor ? changedBy(actor) : {}), after: keyAuditView(created) } }, { req: actor?.req });
  });
  return created;
}

/**
 * Makes key `id` (default: the one `next` key) the active signing key; the previous active key becomes
 * `retired`. A retired key may be activated again (to roll back). Throws `not_found` / `conflict`.
 */
export async function activateKey(ctx: KeyContext, id?: string, actor?: ChangeActor): Promise<SigningKeyInfo> {
  const keys = await ctx.store.signingKeys.list();
  let target: SigningKeyRecord | undefined;
  if (id === undefined) {
    target = keys.find((k) => k.state === 'next');
    if (!target) throw new GatehouseError('not_found', 'there is no next key to activate: run gatehouse keys rotate first');
  } else {
    target = keys.find((k) => k.id === id);
    if (!target) throw new GatehouseError('not_found', `no signing key with id ${id}`);
    if (target.state === 'active') throw new GatehouseError('conflict', `key ${id} is already the active key`);
  }
  const now = ctx.now().getTime();
  const previous = keys.find((k) => k.state === 'active');
  const targetId = target.id;
  const before = info(target);
  await ctx.store.transaction(async (tx) => {
    await tx.signingKeys.activate(targetId, now);
    await recordAudit(tx, {
      at: now, type: 'keys.activated', outcome: 'success',
      detail: { keyId: targetId, previous: previous?.id ?? null, ...(actor ? changedBy(actor) : {}), before: keyAuditView(before), after: keyAuditView({ ...before, state: 'active' }) },
    }, { req: actor?.req });
  });
  const after = (await ctx.store.signingKeys.list()).find((k) => k.id === targetId);
  return info(after!);
}

/** Retires key `id` (a `next` key, or one already retired). The active key cannot be retired: activate another one first. */
export async function retireKey(ctx: KeyContext, id: string, actor?: ChangeActor): Promise<SigningKeyInfo> {
  const key = (await ctx.store.signingKeys.list()).find((k) => k.id === id);
  if (!key) throw new GatehouseError('not_found', `no signing key with id ${id}`);
  if (key.state === 'active') throw new GatehouseError('conflict', `key ${id} is the active key: rotate and activate another key before retiring it`);
  if (key.state === 'retired') return info(key);
  const now = ctx.now().getTime();
  const before = info(key);
  await ctx.store.transaction(async (tx) => {
    if (!(await tx.signingKeys.retire(id, now))) throw new GatehouseError('conflict', `key ${id} became the active key meanwhile: rotate and activate another key before retiring it`);
    await recordAudit(tx, { at: now, type: 'keys.retired', outcome: 'success', detail: { keyId: id, ...(actor ? changedBy(actor) : {}), before: keyAuditView(before), after: keyAuditView({ ...before, state: 'retired' }) } }, { req: actor?.req });
  });
  return info({ ...key, state: 'retired', retiredAt: now });
}

function open(ctx: Pick<AppContext, 'secrets'>, r: SigningKeyRecord): SigningKey {
  return loadSigningKey(r.id, ctx.secrets.openText(r.privateKeyEnc, r.id), r.certificatePem);
}

/**
 * The keys the SAML code needs: `active` signs, `published` (active first, then next) goes into the IdP
 * metadata. Throws `signing_key_missing` when there is no active key (ensureActiveKey runs at start).
 */
export async function loadSigningKeys(ctx: Pick<AppContext, 'store' | 'secrets'>): Promise<{ active: SigningKey; published: SigningKey[] }> {
  const keys = await ctx.store.signingKeys.list();
  const activeRecord = keys.filter((k) => k.state === 'active').sort((a, b) => (b.activatedAt ?? 0) - (a.activatedAt ?? 0))[0];
  if (!activeRecord) throw new GatehouseError('signing_key_missing', 'there is no active SAML signing key: start the server once or run gatehouse keys rotate and keys activate');
  const active = open(ctx, activeRecord);
  return { active, published: [active, ...keys.filter((k) => k.state === 'next').map((k) => open(ctx, k))] };
}
