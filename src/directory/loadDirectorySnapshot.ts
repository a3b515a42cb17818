/**
 * Reads the whole directory (settings, accounts, groups, mappings, users, memberships, TOTP devices) from
 * the store: the "current state" that planImport compares a file with and exportDirectory writes out.
 */
import { factorName } from '../auth/factors.js';
import type { Store } from '../store/store.js';
import type { SecretBox } from '../store/secretBox.js';
import { readDirectorySettings } from './directorySettings.js';
import type { DirectorySnapshot } from './importPlan.js';

export interface LoadSnapshotOptions {
  /** Opens the TOTP seeds of these users (lower-cased usernames), so a plan can compare them with the file. */
  secrets?: SecretBox;
  totpUsernames?: ReadonlySet<string>;
}

/** The directory as stored now. TOTP seeds are opened only for `opts.totpUsernames`, and only with `opts.secrets`. */
export async function loadDirectorySnapshot(store: Store, opts: LoadSnapshotOptions = {}): Promise<DirectorySnapshot> {
  const [settings, users, groups, memberships, accounts, mappings] = [
    await readDirectorySettings(store), await store.users.list(), await store.groups.list(), await store.groups.memberships(),
    await store.accounts.list(), await store.accounts.listMappings(),
  ];
  const totpDevices: DirectorySnapshot['totpDevices'] = [];
  const wanted = opts.totpUsernames ?? new Set<string>();
  for (const u of users) {
    if (!wanted.has(u.username.toLowerCase())) continue;
    for (const d of await store.devices.listForUser(u.id)) {
      if (d.kind !== factorName.totp) continue;
      const secret = opts.secrets && d.secretEnc ? opts.secrets.openText(d.secretEnc, d.id) : null;
      totpDevices.push({ id: d.id, userId: u.id, name: d.name, confirmed: d.confirmed, secret });
    }
  }
  return { settings, users, groups, memberships, accounts, mappings, totpDevices };
}
