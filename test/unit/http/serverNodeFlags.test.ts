/**
 * The serving processes' Node flags are given in three places V8 reads at start (src/http/serverNodeFlags.ts):
 * cluster workers get them from the primary; `npm start` and the Docker image's command pass them to the process
 * they start. These must agree.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { serverNodeFlags, withServerNodeFlags } from '../../../src/http/serverNodeFlags.js';

const root = new URL('../../../', import.meta.url);

describe('serving processes\' Node flags', () => {
  it('npm start passes each flag to node before the script', () => {
    const start = (JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { scripts: { start: string } }).scripts.start;
    assert.equal(start, `node ${serverNodeFlags.join(' ')} bin/gatehouse.js serve`);
  });

  it('the Docker image\'s command passes each flag to node before the script', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync(new URL('Dockerfile', root), 'utf8').split('\n').filter((l) => l.startsWith('CMD [')).join('\n'));
    assert.ok(cmd, 'a CMD line');
    assert.deepEqual(JSON.parse(cmd[1]!), ['node', ...serverNodeFlags, 'bin/gatehouse.js', 'serve']);
  });

  it('a cluster worker gets them once, after the primary\'s own', () => {
    assert.deepEqual(withServerNodeFlags(['--enable-source-maps']), ['--enable-source-maps', ...serverNodeFlags]);
    assert.deepEqual(withServerNodeFlags([...serverNodeFlags]), [...serverNodeFlags]);
  });
});
