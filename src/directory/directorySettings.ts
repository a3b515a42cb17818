/**
 * The directory-wide settings of the directory file, kept in the `settings` table as JSON arrays:
 * `directory.session_tags` (person attributes sent as PrincipalTag:<name>) and
 * `directory.transitive_tags` (tag keys sent as TransitiveTagKeys). Absent = empty.
 */
import { z } from 'zod';
import type { Store } from '../store/store.js';
import { parseJsonColumn } from '../store/json.js';

const SESSION_TAGS_KEY = 'directory.session_tags';
const TRANSITIVE_TAGS_KEY = 'directory.transitive_tags';

/** The directory's tag settings. */
export interface DirectorySettings {
  sessionTags: string[];
  transitiveTags: string[];
}

const tagList = z.array(z.string());

const parseList = (key: string, v: string | undefined): string[] => parseJsonColumn({ column: 'settings.value', row: key }, tagList, v, []);

/** The keys of the directory settings in the `settings` table, for reads that fetch them with other rows. */
export const directorySettingKeys = [SESSION_TAGS_KEY, TRANSITIVE_TAGS_KEY] as const;

/** The settings from stored values by key (as `SettingsRepository.getMany` returns them); empty lists when never set. */
export function parseDirectorySettings(m: ReadonlyMap<string, string>): DirectorySettings {
  return { sessionTags: parseList(SESSION_TAGS_KEY, m.get(SESSION_TAGS_KEY)), transitiveTags: parseList(TRANSITIVE_TAGS_KEY, m.get(TRANSITIVE_TAGS_KEY)) };
}

/** Reads both settings in one query (empty lists when never set). */
export async function readDirectorySettings(store: Store): Promise<DirectorySettings> {
  return parseDirectorySettings(await store.settings.getMany(directorySettingKeys));
}

/** Writes the settings given (an undefined field is left as it is). */
export async function writeDirectorySettings(store: Store, s: Partial<DirectorySettings>): Promise<void> {
  if (s.sessionTags !== undefined) await store.settings.set(SESSION_TAGS_KEY, JSON.stringify(s.sessionTags));
  if (s.transitiveTags !== undefined) await store.settings.set(TRANSITIVE_TAGS_KEY, JSON.stringify(s.transitiveTags));
}
