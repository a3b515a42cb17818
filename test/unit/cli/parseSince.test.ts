import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSince } from '../../../src/cli/parseSince.js';
import { isGatehouseError } from '../../../src/errors.js';

const now = Date.parse('2026-03-10T12:00:00.000Z');

test('durations count back from now', () => {
  assert.equal(parseSince('90s', now), now - 90_000);
  assert.equal(parseSince('15m', now), now - 15 * 60_000);
  assert.equal(parseSince('24h', now), now - 86_400_000);
  assert.equal(parseSince('7d', now), now - 7 * 86_400_000);
  assert.equal(parseSince('2w', now), now - 14 * 86_400_000);
});

test('ISO 8601 dates are midnight UTC; times need Z or an offset', () => {
  assert.equal(parseSince('2026-01-31', now), Date.UTC(2026, 0, 31));
  assert.equal(parseSince('2026-01-31T08:00:00Z', now), Date.UTC(2026, 0, 31, 8));
  assert.equal(parseSince('2026-01-31T08:00:00.250+02:00', now), Date.UTC(2026, 0, 31, 6, 0, 0, 250));
  assert.equal(parseSince('2026-01-31T08:00Z', now), Date.UTC(2026, 0, 31, 8));
});

test('anything else is validation_failed', () => {
  for (const bad of ['', 'yesterday', '7', '7 d', '-1d', '1y', '2026-01-31T08:00:00', '2026-13-45', '2026-02-30T00:00:00Z', '1700000000000']) {
    assert.throws(() => parseSince(bad, now), (e) => isGatehouseError(e, 'validation_failed'), bad);
  }
});
