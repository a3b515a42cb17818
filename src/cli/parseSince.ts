import { GatehouseError } from '../errors.js';

const units: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const isoDate = /^\d{4}-\d{2}-\d{2}$/;
const isoDateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `YYYY-MM-DD` names a real day (Date.parse rolls 2026-02-30 over to March). */
function isCalendarDate(ymd: string): boolean {
  const [y, m, d] = ymd.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * A `--since` value → ms since the epoch: a duration back from `now` (`90s`, `15m`, `24h`, `7d`, `2w`), a date
 * (`2026-01-31`, midnight UTC) or a date and time with `Z` or an offset (`2026-01-31T08:00:00Z`). Anything else,
 * a time zone left out included, is `validation_failed`.
 */
export function parseSince(text: string, now: number): number {
  const d = /^(\d{1,6})([smhdw])$/.exec(text);
  if (d) return now - Number(d[1]) * units[d[2]!]!;
  if ((isoDate.test(text) || isoDateTime.test(text)) && isCalendarDate(text.slice(0, 10))) {
    const ms = Date.parse(isoDate.test(text) ? `${text}T00:00:00Z` : text);
    if (Number.isFinite(ms)) return ms;
  }
  throw new GatehouseError('validation_failed', `--since "${text}": expected a duration (30m, 24h, 7d) or an ISO 8601 time with a zone (2026-01-31, 2026-01-31T08:00:00Z)`);
}
