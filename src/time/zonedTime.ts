/**
 * A time typed by a person, read in their time zone: what an `<input type="datetime-local">` sends
 * (`2026-01-31T08:00`, seconds optional) or a date (`2026-01-31`, midnight) is a wall-clock time in `zone`; a time
 * with `Z` or an offset (`2026-01-31T08:00:00Z`, `…+02:00`) means exactly that instant. Without Temporal (Node 20),
 * the zone's offset comes from Intl.
 */

const dateOnly = /^(\d{4})-(\d{2})-(\d{2})$/;
const wallClock = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;
const absolute = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

const partsFormats = new Map<string, Intl.DateTimeFormat>();

/** How far `zone`'s wall clock is ahead of UTC at the instant `ms` (ms; negative west of Greenwich). */
function offsetAt(ms: number, zone: string): number {
  let f = partsFormats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    if (partsFormats.size > 100) partsFormats.clear();
    partsFormats.set(zone, f);
  }
  const p: Record<string, number> = {};
  for (const part of f.formatToParts(new Date(ms))) if (part.type !== 'literal') p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year!, p.month! - 1, p.day!, p.hour!, p.minute!, p.second!);
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The instant when `zone`'s wall clock shows `wall` (that clock time written as if it were UTC, in ms). */
function wallToInstant(wall: number, zone: string): number {
  const first = wall - offsetAt(wall, zone);
  const second = wall - offsetAt(first, zone);
  // In the hour a clock skips (daylight saving starts), no instant shows `wall`: take the later reading.
  return offsetAt(second, zone) === wall - second ? second : Math.max(first, second);
}

/** True when the numbers name a real calendar day and a real time of day. */
function isRealTime(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): boolean {
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, s));
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && t.getUTCHours() === h && t.getUTCMinutes() === mi && t.getUTCSeconds() === s;
}

/**
 * `text` → ms since the epoch, reading a time without a zone in `zone` (an IANA name); undefined when `text` is
 * none of the forms above or names a day that does not exist.
 */
export function parseZonedTime(text: string, zone: string): number | undefined {
  if (absolute.test(text)) {
    const ms = Date.parse(text);
    const [y, mo, d] = text.slice(0, 10).split('-').map(Number) as [number, number, number];
    return Number.isFinite(ms) && isRealTime(y, mo, d) ? ms : undefined;
  }
  const m = wallClock.exec(text) ?? dateOnly.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v))) as number[];
  if (!isRealTime(y!, mo!, d!, h, mi, s)) return undefined;
  return wallToInstant(Date.UTC(y!, mo! - 1, d!, h, mi, s), zone);
}
