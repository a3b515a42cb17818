/**
 * A person's MFA devices as admins change them (console, admin API): rename, remove (listed by `listDevices`). The rules are
 * the owner's (`renameDevice`, `removeDevice` in src/auth/devices.ts), except the message when the device is the
 * person's last: an admin then resets their MFA instead, which also removes the recovery codes and ends sessions.
 */
import type { AppContext } from '../context.js';
import { GatehouseError, isGatehouseError } from '../errors.js';
import { recordAudit } from '../audit/recordAudit.js';
import { listDevices, removeDevice, renameDevice, type DeviceRename, type DeviceView } from '../auth/devices.js';
import type { MfaDevice } from '../store/repositories/mfaDevices.js';
import type { User } from '../store/repositories/users.js';
import { changedBy, type ChangeActor } from './changeActor.js';

/** One of the person's (confirmed) devices, as `listDevices` shows them, or `not_found` naming both. */
export async function findPersonDevice(ctx: AppContext, user: User, deviceId: string): Promise<DeviceView> {
  const d = (await listDevices(ctx, user.id)).find((x) => x.id === deviceId);
  if (!d) throw new GatehouseError('not_found', `${user.username} has no device with id ${deviceId}.`);
  return d;
}

/** The audit fields that name a device. */
const deviceFields = (d: Pick<MfaDevice, 'id' | 'kind' | 'name'>) => ({ factor: d.kind, deviceId: d.id, deviceName: d.name });

/**
 * Renames one of the person's confirmed devices and records `device.renamed` (the names before and after). A bad
 * name is `validation_failed` naming the field `name`; the same name changes and records nothing.
 */
export async function renamePersonDevice(ctx: AppContext, user: User, deviceId: string, name: string, actor: ChangeActor): Promise<DeviceRename> {
  await findPersonDevice(ctx, user, deviceId);
  try {
    return await renameDevice(ctx, user, deviceId, name, (tx, r) => recordAudit(tx, {
      type: 'device.renamed', outcome: 'success', userId: user.id, username: user.username, ...deviceFields({ ...r.device, name: r.after }),
      detail: { ...changedBy(actor), before: r.before, after: r.after },
    }, { req: actor.req }));
  } catch (e) {
    if (isGatehouseError(e, 'validation_failed') && !e.publicDetail) {
      throw new GatehouseError('validation_failed', `name: ${e.message}`, { publicDetail: [{ field: 'name', message: e.message }] });
    }
    throw e;
  }
}

/**
 * Removes one of the person's devices and records `device.removed` (the device `before`). The last confirmed
 * device is refused (`conflict`): reset the person's MFA instead.
 */
export async function removePersonDevice(ctx: AppContext, user: User, deviceId: string, actor: ChangeActor): Promise<MfaDevice> {
  await findPersonDevice(ctx, user, deviceId);
  try {
    return await removeDevice(ctx, user, deviceId, (tx, d) => recordAudit(tx, {
      type: 'device.removed', outcome: 'success', userId: user.id, username: user.username, ...deviceFields(d),
      detail: { ...changedBy(actor), before: { id: d.id, kind: d.kind, name: d.name } },
    }, { req: actor.req }));
  } catch (e) {
    if (isGatehouseError(e, 'conflict')) {
      throw new GatehouseError('conflict', `This is ${user.username}'s only device. To take it away, reset their MFA: that also removes their recovery codes and ends their sessions, and their next sign-in sets up a new device.`);
    }
    throw e;
  }
}
