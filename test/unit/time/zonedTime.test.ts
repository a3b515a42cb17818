// parseZonedTime: a typed time read in the reader's zone (audit filters): wall-clock times, dates, explicit offsets,
// daylight saving time on both sides of a change, and refusal of what is not a real time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseZonedTime } from '../../../src/time/zonedTime.js';

const utc = (s: string) => Date.parse(s);

test('wall-clock times and dates are read in the zone', () => {
  assert.equal(parseZonedTime('2026-01-15T08:00', 'America/New_York'), utc('2026-01-15T13:00:00Z'));
  assert.equal(parseZonedTime('2026-07-15T08:00', 'America/New_York'), utc('2026-07-15T12:00:00Z'), 'EDT in summer');
  assert.equal(parseZonedTime('2026-07-15T08:00:30', 'Europe/Berlin'), utc('2026-07-15T06:00:30Z'));
  assert.equal(parseZonedTime('2026-01-15', 'Asia/Kolkata'), utc('2026-01-14T18:30:00Z'), 'midnight there');
  assert.equal(parseZonedTime('2026-01-15T08:00', 'UTC'), utc('2026-01-15T08:00:00Z'));
});

test('an explicit zone or offset wins', () => {
  assert.equal(parseZonedTime('2026-01-15T08:00:00Z', 'America/New_York'), utc('2026-01-15T08:00:00Z'));
  assert.equal(parseZonedTime('2026-01-15T08:00:00.250+02:00', 'UTC'), utc('2026-01-15T06:00:00.250Z'));
});

test('around daylight saving time changes (Europe/Berlin, 2026-03-29 and 2026-10-25)', () => {
  assert.equal(parseZonedTime('2026-03-29T01:59', 'Europe/Berlin'), utc('2026-03-29T00:59:00Z'));
  assert.equal(parseZonedTime('2026-03-29T03:00', 'Europe/Berlin'), utc('2026-03-29T01:00:00Z'));
  // 02:30 does not exist that night: the later reading (03:30 CEST) is taken.
  assert.equal(parseZonedTime('2026-03-29T02:30', 'Europe/Berlin'), utc('2026-03-29T01:30:00Z'));
  // 02:30 exists twice in October: either reading is an instant that shows 02:30 in Berlin.
  const autumn = parseZonedTime('2026-10-25T02:30', 'Europe/Berlin')!;
  assert.ok([utc('2026-10-25T00:30:00Z'), utc('2026-10-25T01:30:00Z')].includes(autumn));
  assert.equal(parseZonedTime('2026-10-25T04:00', 'Europe/Berlin'), utc('2026-10-25T03:00:00Z'));
});

test('what is not a real time is refused', () => {
  for (const bad of ['yesterday', '2026-02-30', '2026-02-30T08:00', '2026-01-15T24:00', '2026-01-15T08:60', '2026-13-01', '15/01/2026', '2026-01-15 08:00', '']) {
    assert.equal(parseZonedTime(bad, 'UTC'), undefined, bad);
  }
});
