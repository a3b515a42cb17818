/**
 * IANA time zones: the one rule for what a person's or the configured time zone may be, and the choices a page
 * offers. A zone is a name such as `Europe/Berlin` or `UTC` that this Node's ICU data knows (aliases such as
 * `Asia/Calcutta` included, so a zone renamed between Node versions keeps working); UTC offsets such as `+02:00`
 * are refused (Node 20 does not take them, and they ignore daylight saving time).
 */

const zoneName = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;

/** True when `zone` is an IANA time zone name this runtime can format times in. */
export function isTimeZone(zone: string): boolean {
  if (zone.length > 64 || !zoneName.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The error message for a value that is not a time zone (config, directory file and /account say the same). */
export const timeZoneRule = 'must be an IANA time zone such as Europe/Berlin, America/New_York or UTC';

let choices: readonly string[] | undefined;

/** Every time zone a person may choose, `UTC` first, then the runtime's canonical zones in alphabetical order. */
export function timeZoneChoices(): readonly string[] {
  choices ??= Object.freeze(['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')]);
  return choices;
}
