/** The password policy for plaintext passwords in a directory file (`gatehouse import` and `apply`). */
import { isGatehouseError } from '../errors.js';
import { checkPasswordPolicy } from '../auth/password.js';
import { directoryInvalid, type DirectoryFileError, type ParsedDirectory } from './directoryFile.js';

/**
 * Checks each plaintext `password` of `parsed` with the same policy as `gatehouse user set-password`
 * (src/auth/password.ts: `auth.passwordMinLength`, the blocklist, not the username or email). Throws
 * `directory_invalid` naming every refused one as `file:line` (nothing is imported). Returns one warning per
 * plaintext password (the caller shows them, e.g. on stderr); a file with only `password_hash` gives none.
 */
export function checkFilePasswords(parsed: ParsedDirectory, minLength: number): DirectoryFileError[] {
  const errors: DirectoryFileError[] = [];
  const warnings: DirectoryFileError[] = [];
  parsed.data.users.forEach((u, i) => {
    if (u.password === undefined) return;
    const line = parsed.lineOf(['users', i, 'password']);
    try {
      checkPasswordPolicy(u.password, { minLength, username: u.username, email: u.email ?? null });
    } catch (e) {
      if (!isGatehouseError(e, 'password_rejected')) throw e;
      errors.push({ file: parsed.fileName, line, message: `user "${u.username}": password refused: ${e.message}` });
      return;
    }
    warnings.push({
      file: parsed.fileName, line,
      message: `warning: user "${u.username}" has a plaintext password in this file; prefer password_hash (gatehouse export writes hashes) and keep the file private`,
    });
  });
  if (errors.length > 0) throw directoryInvalid(errors);
  return warnings;
}
