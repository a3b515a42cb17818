import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RestartBackoff } from '../../../src/http/restartBackoff.js';
import { runsPrimary, workerCount } from '../../../src/http/runServer.js';

describe('RestartBackoff', () => {
  const policy = { stableMs: 10_000, baseMs: 1_000, maxMs: 30_000 };

  it('a worker that served a while is replaced at once, every time', () => {
    const b = new RestartBackoff(policy);
    for (let i = 0; i < 5; i += 1) assert.equal(b.died(60_000), 0);
  });

  it('a crash loop waits 0, 1, 2, 4 … s, capped at 30 s', () => {
    const b = new RestartBackoff(policy);
    const waits = Array.from({ length: 9 }, () => b.died(undefined));
    assert.deepEqual(waits, [0, 1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('quick deaths after listening briefly count as a loop too; one stable run starts the count again', () => {
    const b = new RestartBackoff(policy);
    assert.deepEqual([b.died(500), b.died(9_999), b.died(200)], [0, 1_000, 2_000]);
    assert.equal(b.died(10_000), 0, 'it served long enough: not part of the loop');
    assert.equal(b.died(100), 1_000);
  });
});

describe('workerCount', () => {
  it('auto is one per two CPUs this process may use, at least one; a number is taken as it is', () => {
    assert.equal(workerCount('auto', () => 16), 8);
    assert.equal(workerCount('auto', () => 3), 2, 'an odd count rounds up');
    assert.equal(workerCount('auto', () => 2), 1);
    assert.equal(workerCount('auto', () => 1), 1);
    assert.equal(workerCount('auto', () => 0), 1, 'never fewer than one');
    assert.equal(workerCount(3, () => 6), 3);
  });
  it('auto always runs a primary, which replaces a worker that dies; a number does from 2 on', () => {
    assert.equal(runsPrimary('auto'), true, 'even where auto is one worker (2 CPUs): under a primary');
    assert.equal(runsPrimary(1), false, '1 is one process');
    assert.equal(runsPrimary(2), true);
  });
});
