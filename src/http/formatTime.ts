/**
 * How every page shows a time: in the reader's time zone (their own, else `ui.timeZone`), with the exact UTC time
 * as the element's title and machine-readable ISO 8601 in `datetime`. Pages render the result with
 * `views/partials/time.eta`: `<time datetime="ISO" title="YYYY-MM-DD HH:MM:SS UTC">local text</time>`.
 */
import { isTimeZone } from '../time/timeZone.js';

/** What `views/partials/time.eta` shows. */
export interface TimeView {
  /** ISO 8601 in UTC, for `datetime`. */
  iso: string;
  /** `YYYY-MM-DD HH:MM:SS UTC`, for `title`. */
  utc: string;
  /** The time in the reader's zone, e.g. `3 Dec 2026, 14:05 CET`. */
  text: string;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function formatFor(timeZone: string, seconds: boolean): Intl.DateTimeFormat {
  const key = `${timeZone}\u0000${seconds}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
      ...(seconds ? { second: '2-digit' } : {}), timeZoneName: 'short',
    });
    if (formats.size > 1000) formats.clear();
    formats.set(key, f);
  }
  return f;
}

/**
 * A time (ms since the epoch) for a page, in `timeZone` (an IANA name; anything else shows UTC). `seconds` adds
 * seconds to the local text (the audit log); the UTC title always has them.
 */
export function formatTime(ms: number, timeZone: string, opts: { seconds?: boolean } = {}): TimeView {
  const d = new Date(ms);
  const iso = d.toISOString();
  const seconds = opts.seconds === true;
  const f = formats.get(`${timeZone}\u0000${seconds}`) ?? formatFor(isTimeZone(timeZone) ? timeZone : 'UTC', seconds);
  return { iso, utc: `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`, text: f.format(d) };
}

/** The zone a person's pages use: their own choice, else the configured default (`ui.timeZone`). */
export function readerTimeZone(user: { timeZone: string | null } | null | undefined, configured: string): string {
  return user?.timeZone ?? configured;
}
