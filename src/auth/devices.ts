/**
 * MFA devices of a person: TOTP and WebAuthn enrollment, the device limit, names, removal, recovery codes.
 * No HTTP here: the routes call these with the person and the flow, and show what comes back.
 *
 * - TOTP: the seed is generated here, sealed with the secrets box (aad = device id), and the device stays
 *   unconfirmed until two consecutive codes confirm it; confirmation stores the later step as last_step, so
 *   neither code can be replayed at sign-in.
 * - WebAuthn: the challenge is bound to the flow and single-use (see flow/webauthnChallenge `bindChallenge`); origin and
 *   RP ID come from config; the device is stored confirmed once the attestation verifies.
 * - At most `auth.maxDevices` confirmed devices per person (`device_limit`).
 * - The last confirmed device cannot be removed (`conflict`): a person left with a password only would fall
 *   back into enrollment, which would let a stolen password plus a stolen session replace their device.
 *   Add the new device first, or ask an admin to reset devices.
 */
import { randomUUID } from 'node:crypto';
import { withTransaction, type AppContext } from '../context.js';
import type { User } from '../store/repositories/users.js';
import type { MfaDevice } from '../store/repositories/mfaDevices.js';
import { GatehouseError } from '../errors.js';
import { factorFacts, factorName, type DeviceFactor } from './factors.js';
import { generateTotpSecret, totpQrSvg, totpUri, verifyTotpEnrollment } from './totp.js';
import {
  registrationOptions, verifyRegistration, type ExpectedChallenge, type PublicKeyCredentialCreationOptionsJSON, type RegistrationResponseJSON,
} from './webauthn.js';
import { generateRecoveryCodes, hashRecoveryCode } from './recoveryCodes.js';

export const DEVICE_NAME_MAX = 64;
/**
 * What a caller writes in the same transaction as a device change, after it: the audit event that records the
 * change (`tx` is the context inside the transaction, `changed` what was changed). Throwing rolls both back.
 */
export type RecordChange<T> = (tx: AppContext, changed: T) => Promise<unknown>;

export const RECOVERY_CODE_COUNT = 10;
/** At or below this many unused recovery codes, pages urge the person to make new ones. */
export const RECOVERY_CODES_LOW = 3;

/** A device name as the owner typed it: trimmed, inner white space collapsed, 1–64 characters; `fallback` when empty. */
function cleanDeviceName(raw: unknown, fallback: string): string {
  const name = (typeof raw === 'string' ? raw : '').normalize('NFC').replace(/\s+/g, ' ').trim() || fallback;
  // eslint-disable-next-line no-control-regex
  if ([...name].length > DEVICE_NAME_MAX || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new GatehouseError('validation_failed', `Give the device a name of 1 to ${DEVICE_NAME_MAX} characters.`);
  }
  return name;
}

/** Throws `device_limit` when the person already has `auth.maxDevices` confirmed devices. */
export async function checkDeviceLimit(ctx: AppContext, userId: string): Promise<void> {
  const confirmed = await ctx.store.devices.listForUser(userId, { confirmedOnly: true });
  if (confirmed.length >= ctx.config.auth.maxDevices) {
    throw new GatehouseError('device_limit', `You already have ${confirmed.length} devices, the most allowed. Remove one before adding another.`);
  }
}

/**
 * What the TOTP enrollment page shows: the secret as text, as an `otpauth://` URI (a tap-to-add link on a phone)
 * and as a server-rendered QR code. `replaced` is true when this new seed replaced an earlier enrollment that was
 * never finished: whatever the person scanned then will never work, and the page tells them to delete it.
 */
export interface TotpEnrollment { deviceId: string; secret: string; uri: string; qrSvg: string; replaced: boolean }

/**
 * Starts (or resumes, when `deviceId` names the person's unconfirmed TOTP device) a TOTP enrollment: a new
 * 160-bit seed, sealed, on an unconfirmed device (earlier unconfirmed devices are dropped). The caller keeps
 * `deviceId` in the flow.
 */
export async function beginTotpEnrollment(ctx: AppContext, user: User, deviceId?: string): Promise<TotpEnrollment> {
  let device = deviceId ? await ctx.store.devices.findById(deviceId) : undefined;
  let replaced = false;
  if (!device || device.userId !== user.id || device.confirmed || device.kind !== factorName.totp || !device.secretEnc) {
    await checkDeviceLimit(ctx, user.id);
    replaced = (await ctx.store.devices.listForUser(user.id)).some((d) => !d.confirmed && d.kind === factorName.totp);
    await ctx.store.devices.deleteUnconfirmed(user.id);
    const id = randomUUID();
    const secret = generateTotpSecret();
    device = {
      id, userId: user.id, kind: factorName.totp, name: factorFacts.totp.label.name, secretEnc: ctx.secrets.seal(secret, id), lastStep: null,
      credentialId: null, publicKey: null, counter: null, transports: [], confirmed: false, createdAt: ctx.now().getTime(), flagged: false, lastUsedAt: null,
    };
    await ctx.store.devices.create(device);
  }
  const secret = ctx.secrets.openText(device.secretEnc!, device.id);
  const uri = totpUri({ issuer: ctx.config.auth.totpIssuer, account: user.username, secret });
  return { deviceId: device.id, secret, uri, qrSvg: await totpQrSvg(uri), replaced };
}

/**
 * Confirms the unconfirmed TOTP device with two consecutive codes; stores the later step as last_step (both
 * codes are then used up) and the owner's name. Throws `factor_rejected` for wrong codes, `flow_invalid` when
 * the device is not this person's pending one, `device_limit` when the limit was reached meanwhile.
 */
export async function confirmTotpEnrollment(ctx: AppContext, user: User, input: { deviceId: string; code1: string; code2: string; name: unknown }, record?: RecordChange<MfaDevice>): Promise<MfaDevice> {
  const device = await ctx.store.devices.findById(input.deviceId);
  if (!device || device.userId !== user.id || device.kind !== factorName.totp || device.confirmed || !device.secretEnc) {
    throw new GatehouseError('flow_invalid', 'This enrollment is no longer pending. Start again.');
  }
  const name = cleanDeviceName(input.name, factorFacts.totp.label.name);
  const { step } = verifyTotpEnrollment({ secret: ctx.secrets.openText(device.secretEnc, device.id), code1: input.code1, code2: input.code2, now: ctx.now().getTime() });
  const confirmed: MfaDevice = { ...device, name, confirmed: true, lastStep: step };
  return withTransaction(ctx, async (tx) => {
    await checkDeviceLimit(tx, user.id);
    await tx.store.devices.rename(device.id, name);
    await tx.store.devices.confirm(device.id, { lastStep: step });
    await record?.(tx, confirmed);
    return confirmed;
  });
}

/** Options for registering a security key or passkey; the person's keys are excluded. The caller binds the challenge. */
export async function beginWebauthnEnrollment(ctx: AppContext, user: User): Promise<PublicKeyCredentialCreationOptionsJSON> {
  await checkDeviceLimit(ctx, user.id);
  const keys = (await ctx.store.devices.listForUser(user.id)).filter((d) => d.kind === factorName.webauthn && d.credentialId);
  const { auth } = ctx.config;
  return registrationOptions({
    rpId: auth.rpId, rpName: auth.rpName, user: { id: user.id, username: user.username, displayName: user.displayName },
    excludeCredentialIds: keys.map((k) => ({ id: k.credentialId!, transports: k.transports })), attestation: auth.attestation === 'none' ? 'none' : 'direct',
  });
}

/**
 * Verifies the browser's registration answer (exact origin and RP ID from config, the flow's single-use
 * challenge) and stores the credential as a confirmed device with the owner's name. The challenge is used up
 * by the verification, before the device is stored (in a transaction with `record`), so it stays used either way.
 */
export async function finishWebauthnEnrollment(ctx: AppContext, user: User, input: { response: RegistrationResponseJSON; expectedChallenge: ExpectedChallenge; name: unknown }, record?: RecordChange<MfaDevice>): Promise<MfaDevice> {
  const name = cleanDeviceName(input.name, 'Security key');
  await checkDeviceLimit(ctx, user.id);
  const cred = await verifyRegistration({ response: input.response, expectedChallenge: input.expectedChallenge, expectedOrigin: ctx.config.auth.origin, expectedRpId: ctx.config.auth.rpId });
  const device: MfaDevice = {
    id: randomUUID(), userId: user.id, kind: factorName.webauthn, name, secretEnc: null, lastStep: null, credentialId: cred.credentialId,
    publicKey: cred.publicKey, counter: cred.counter, transports: cred.transports, confirmed: true, createdAt: ctx.now().getTime(), flagged: false, lastUsedAt: null,
  };
  return withTransaction(ctx, async (tx) => {
    if (await tx.store.devices.findByCredentialId(cred.credentialId)) {
      throw new GatehouseError('webauthn_failed', 'This security key is registered already.', { detail: { reason: 'duplicate' } });
    }
    await checkDeviceLimit(tx, user.id);
    await tx.store.devices.create(device);
    await record?.(tx, device);
    return device;
  });
}

/**
 * Removes one of the person's devices (and runs `record` in the same transaction). The caller has
 * re-authenticated the person. Refuses (`conflict`) to remove the last confirmed device; returns the removed device.
 */
export async function removeDevice(ctx: AppContext, user: User, deviceId: string, record?: RecordChange<MfaDevice>): Promise<MfaDevice> {
  return withTransaction(ctx, async (tx) => {
    const devices = await tx.store.devices.listForUser(user.id);
    const device = devices.find((d) => d.id === deviceId);
    if (!device) throw new GatehouseError('not_found', 'No such device.');
    if (device.confirmed && devices.filter((d) => d.confirmed).length <= 1) {
      throw new GatehouseError('conflict', 'This is your only device: add another one before removing it, or ask an administrator.');
    }
    await tx.store.devices.delete(device.id);
    await record?.(tx, device);
    return device;
  });
}

/** A device's name before and after a rename. */
export interface DeviceRename { device: MfaDevice; before: string; after: string }

/**
 * Renames one of the person's confirmed devices (the name cleaned as at enrollment: 1–64 characters, no control
 * characters) and runs `record` in the same transaction. A name that does not change is not a change: nothing is
 * written or recorded. The rename is a compare-and-set on the name read, so `before` is the name it really replaced
 * even when renames race. Throws `not_found` for a device that is not the person's, `validation_failed` for a bad name.
 */
export async function renameDevice(ctx: AppContext, user: User, deviceId: string, rawName: unknown, record?: RecordChange<DeviceRename>): Promise<DeviceRename> {
  const after = cleanDeviceName(rawName, '');
  if (after === '') throw new GatehouseError('validation_failed', `Give the device a name of 1 to ${DEVICE_NAME_MAX} characters.`);
  return withTransaction(ctx, async (tx) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const device = (await tx.store.devices.listForUser(user.id, { confirmedOnly: true })).find((d) => d.id === deviceId);
      if (!device) throw new GatehouseError('not_found', 'No such device on your account.');
      const change = { device, before: device.name, after };
      if (after === device.name) return change;
      if (await tx.store.devices.renameFrom(device.id, device.name, after)) {
        await record?.(tx, change);
        return change;
      }
    }
    throw new GatehouseError('conflict', 'The device was renamed at the same time somewhere else. Try again.');
  });
}

/**
 * A new set of recovery codes (10), replacing any earlier set (and `record` in the same transaction); a pending
 * prompt to save codes (`users.recovery_codes_prompt`) is answered by them. Only hashes are stored; the caller
 * shows the returned codes once and never logs them.
 */
export async function issueRecoveryCodes(ctx: AppContext, userId: string, record?: RecordChange<readonly string[]>): Promise<string[]> {
  const codes = generateRecoveryCodes(RECOVERY_CODE_COUNT);
  await withTransaction(ctx, async (tx) => {
    await tx.store.devices.replaceRecoveryCodes(userId, codes.map((c) => ({ id: randomUUID(), hash: hashRecoveryCode(c) })), tx.now().getTime());
    await tx.store.users.takeRecoveryCodesPrompt(userId);
    await record?.(tx, codes);
  });
  return codes;
}

/** What a confirmed device of each factor must hold to be checked at sign-in (a factor left out is a compile error). */
const holdsProof: { readonly [K in DeviceFactor]: (d: MfaDevice) => boolean } = {
  totp: (d) => d.secretEnc !== null,
  webauthn: (d) => d.credentialId !== null && d.publicKey !== null,
};

/** True when `d` can prove its factor at sign-in: confirmed, not blocked (flagged), and holding its seed or key. */
export function isUsableDevice(d: MfaDevice): boolean {
  return d.confirmed && !d.flagged && holdsProof[d.kind](d);
}

/**
 * The person's devices that can be used to sign in (`isUsableDevice`), oldest first; only those of factor
 * `kind` when given. What the MFA page offers, what a step-up needs and what the strategies check against.
 */
export async function listUsableDevices<K extends DeviceFactor>(ctx: Pick<AppContext, 'store'>, userId: string, kind?: K): Promise<(MfaDevice & { kind: K })[]> {
  const devices = await ctx.store.devices.listForUser(userId, { confirmedOnly: true });
  return devices.filter((d): d is MfaDevice & { kind: K } => isUsableDevice(d) && (kind === undefined || d.kind === kind));
}

/** A device as /account and the MFA page list it (no secrets). */
export interface DeviceView { id: string; kind: DeviceFactor; kindLabel: string; name: string; createdAt: number; lastUsedAt: number | null; flagged: boolean }

/** The person's confirmed devices, oldest first. */
export async function listDevices(ctx: AppContext, userId: string): Promise<DeviceView[]> {
  const devices = await ctx.store.devices.listForUser(userId, { confirmedOnly: true });
  return devices.map((d) => ({
    id: d.id, kind: d.kind, kindLabel: factorFacts[d.kind].label.name, name: d.name,
    createdAt: d.createdAt, lastUsedAt: d.lastUsedAt, flagged: d.flagged,
  }));
}
