/**
 * Times on pages (src/http/formatTime.ts, views/partials/time.eta): local text in the reader's zone with daylight
 * saving time, the UTC title and ISO datetime, a zone that is not one showing UTC, and the one zone rule
 * (src/time/timeZone.ts) that config, the directory file and /account share.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatTime, readerTimeZone } from '../../../src/http/formatTime.js';
import { eta } from '../../../src/http/views.js';
import { isTimeZone, timeZoneChoices } from '../../../src/time/timeZone.js';
import { configSchema } from '../../../src/config/schema.js';

const winter = Date.UTC(2026, 11, 3, 13, 5, 9); // 2026-12-03 13:05:09 UTC
const summer = Date.UTC(2026, 6, 3, 23, 5, 9); // 2026-07-03 23:05:09 UTC

test('a time in the reader\'s zone, with the exact UTC time as title and ISO 8601 as datetime', () => {
  assert.deepEqual(formatTime(winter, 'Europe/Berlin'), { iso: '2026-12-03T13:05:09.000Z', utc: '2026-12-03 13:05:09 UTC', text: '3 Dec 2026, 14:05 CET' });
  assert.equal(formatTime(summer, 'Europe/Berlin').text, '4 Jul 2026, 01:05 CEST', 'summer time, and the date moves to the next day');
  assert.equal(formatTime(winter, 'UTC').text, '3 Dec 2026, 13:05 UTC');
  assert.equal(formatTime(winter, 'Asia/Kolkata').text, '3 Dec 2026, 18:35 GMT+5:30');
  assert.equal(formatTime(summer, 'America/New_York').text, '3 Jul 2026, 19:05 GMT-4');
  assert.equal(formatTime(winter, 'America/New_York').text, '3 Dec 2026, 08:05 GMT-5');
});

test('seconds on request (the audit log); the UTC title always has them', () => {
  assert.equal(formatTime(winter, 'Europe/Berlin', { seconds: true }).text, '3 Dec 2026, 14:05:09 CET');
  assert.equal(formatTime(winter, 'Europe/Berlin').utc, '2026-12-03 13:05:09 UTC');
});

test('a stored zone this runtime does not know shows UTC instead of failing the page', () => {
  assert.equal(formatTime(winter, 'Mars/Olympus_Mons').text, '3 Dec 2026, 13:05 UTC');
  assert.equal(formatTime(winter, '').text, '3 Dec 2026, 13:05 UTC');
});

test('the reader\'s zone is their own, else the configured default', () => {
  assert.equal(readerTimeZone({ timeZone: 'Asia/Tokyo' }, 'UTC'), 'Asia/Tokyo');
  assert.equal(readerTimeZone({ timeZone: null }, 'Europe/Paris'), 'Europe/Paris');
  assert.equal(readerTimeZone(null, 'Europe/Paris'), 'Europe/Paris');
});

test('views/partials/time.eta renders <time> with datetime, title and escaped text', () => {
  const html = eta.render('partials/time', formatTime(winter, 'Europe/Berlin'));
  assert.equal(html, '<time datetime="2026-12-03T13:05:09.000Z" title="2026-12-03 13:05:09 UTC">3 Dec 2026, 14:05 CET</time>');
  assert.equal(eta.render('partials/time', { iso: '"', utc: '<', text: '&' }), '<time datetime="&quot;" title="&lt;">&amp;</time>');
});

test('time zones: IANA names and aliases yes, offsets, abbreviations and junk no', () => {
  for (const z of ['UTC', 'Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Asia/Calcutta', 'Etc/GMT+5']) assert.equal(isTimeZone(z), true, z);
  for (const z of ['', '+02:00', 'Europe/Berlin ', 'Nowhere/City', '../etc/passwd', 'x'.repeat(65), 'Europe/Berlin\n']) assert.equal(isTimeZone(z), false, JSON.stringify(z));
  const choices = timeZoneChoices();
  assert.equal(choices[0], 'UTC');
  assert.ok(choices.length > 300 && choices.includes('Europe/Berlin') && new Set(choices).size === choices.length);
  assert.ok(choices.every(isTimeZone), 'every choice passes the rule');
});

test('config ui.timeZone: UTC by default, a zone accepted, anything else refused with the rule', () => {
  assert.equal(configSchema.parse({}).ui.timeZone, 'UTC');
  assert.equal(configSchema.parse({ ui: { timeZone: 'Europe/Berlin' } }).ui.timeZone, 'Europe/Berlin');
  const r = configSchema.safeParse({ ui: { timeZone: 'CEST' } });
  assert.equal(r.success, false);
  assert.match(r.error?.issues[0]?.message ?? '', /IANA time zone/);
});
