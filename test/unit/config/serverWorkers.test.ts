import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CommanderError } from 'commander';
import { loadConfig } from '../../../src/config/loadConfig.js';
import { buildProgram } from '../../../src/cli/main.js';

const load = (env: Record<string, string>) => loadConfig({ env, useDefaultFile: false });

describe('server.workers and the management listener', () => {
  it('defaults: auto workers; management on 127.0.0.1:9464', () => {
    const c = load({});
    assert.equal(c.server.workers, 'auto');
    assert.deepEqual(c.management, { host: '127.0.0.1', port: 9464 });
  });

  it('GATEHOUSE_WORKERS, GATEHOUSE_MANAGEMENT_HOST and GATEHOUSE_MANAGEMENT_PORT', () => {
    const c = load({ GATEHOUSE_WORKERS: '4', GATEHOUSE_MANAGEMENT_HOST: '0.0.0.0', GATEHOUSE_MANAGEMENT_PORT: '9100' });
    assert.equal(c.server.workers, 4);
    assert.deepEqual(c.management, { host: '0.0.0.0', port: 9100 });
    assert.equal(load({ GATEHOUSE_WORKERS: 'auto' }).server.workers, 'auto');
  });

  it('a worker count that is not auto or 1–256 stops start-up, naming the key and the variable', () => {
    for (const bad of ['0', 'many', '-2', '1000']) {
      assert.throws(() => load({ GATEHOUSE_WORKERS: bad }), (e: Error) => /server\.workers \(GATEHOUSE_WORKERS\)/.test(e.message), bad);
    }
  });

  it('serve --workers takes a whole number from 1 or auto, and refuses anything else before starting', async () => {
    for (const bad of ['0', '1.5', 'two', '']) {
      const program = (await buildProgram()).configureOutput({ writeErr: () => {}, writeOut: () => {} });
      await assert.rejects(program.parseAsync(['node', 'gatehouse', 'serve', '--workers', bad], { from: 'node' }),
        (e: unknown) => e instanceof CommanderError && /--workers/.test(e.message), bad);
    }
  });
});
