import { userInfo } from 'node:os';
import { GatehouseError } from '../errors.js';

/** Why a file or folder could not be created or written, by node's errno code or SQLite's result code. */
const reasons: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOENT: 'a folder on the way does not exist',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder',
  SQLITE_CANTOPEN: 'SQLite cannot open or create it',
  SQLITE_READONLY: 'SQLite may only read it',
  SQLITE_READONLY_DIRECTORY: 'SQLite cannot create files in its folder',
};

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'this process');
  }
}

/**
 * The file_not_writable error for `e` when it says that `path` (`what`, e.g. "the SQLite database") cannot be
 * created or written; undefined for any other error. One line: the path, why, and `fix` (the setting to change).
 */
export function notWritable(e: unknown, what: string, path: string, fix: string): GatehouseError | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  // SQLite's extended codes (SQLITE_CANTOPEN_ISDIR, SQLITE_READONLY_DBMOVED, …) read as their primary code.
  const primary = /^SQLITE_(CANTOPEN|READONLY)/.exec(code)?.[0];
  const reason = reasons[code] ?? (primary ? reasons[primary] : undefined);
  if (!reason) return undefined;
  return new GatehouseError('file_not_writable', `cannot write ${what} ${path} (${code}: ${reason}); make it and its folder writable by user ${osUser()}, or ${fix}`, { cause: e });
}
