import { closeSync, fsyncSync, mkdirSync, openSync, realpathSync, renameSync, unlinkSync, writeSync, chmodSync, statSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `data` to `path` atomically: a temporary file in the same folder (created with `mode`, never
 * readable by others in between), fsync, then rename over the target. Readers see the old file or the
 * new one, never a half-written one. A symlinked target is followed (the link stays a link). Missing
 * folders are created with mode 0700. `mode: 'keep'` keeps an existing file's mode (0600 for a new one).
 */
export function writeFileAtomic(path: string, data: string, mode: number | 'keep' = 0o600): void {
  let target = path;
  try { target = realpathSync(path); } catch { /* a new file */ }
  let fileMode = mode === 'keep' ? 0o600 : mode;
  if (mode === 'keep') {
    try { fileMode = statSync(target).mode & 0o777; } catch { /* a new file */ }
  }
  const dir = dirname(target);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  try {
    chmodSync(tmp, fileMode); // openSync's mode is masked by the umask; chmod is not
    renameSync(tmp, target);
  } catch (e) {
    try { unlinkSync(tmp); } catch { /* gone already */ }
    throw e;
  }
}
