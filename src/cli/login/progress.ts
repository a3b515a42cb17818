/** How the login commands talk to a person: short lines on stderr (stdout is for --print and credential_process). */

/** Writes a progress line for the person. */
export const say = (line: string): void => { process.stderr.write(line + '\n'); };

/** `HH:MM` in local time (with the date when it is not today). */
export function localTime(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const hm = `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
  return d.toDateString() === now.toDateString() ? hm : `${d.toISOString().slice(0, 10)} ${hm}`;
}
