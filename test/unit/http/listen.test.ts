// A listener that cannot listen says, in one line, what the operator must change (src/http/listen.ts), with a real
// fastify and real sockets: a port in use, an address that is not this machine's.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import Fastify from 'fastify';
import { isGatehouseError } from '../../../src/errors.js';
import { listenOn } from '../../../src/http/listen.js';

const taken = createServer();
after(() => new Promise<void>((resolve) => taken.close(() => resolve())));

async function refusal(listener: 'server' | 'management', host: string, port: number): Promise<{ code: string; message: string }> {
  const app = Fastify();
  try {
    await listenOn(app, listener, host, port);
  } catch (e) {
    assert.ok(isGatehouseError(e), `a GatehouseError, not ${String(e)}`);
    return { code: e.code, message: e.message };
  } finally {
    await app.close();
  }
  assert.fail(`listened on ${host}:${port}`);
}

describe('listenOn', () => {
  it('a port in use names the port and the key of its listener', async () => {
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    assert.deepEqual(await refusal('server', '127.0.0.1', port),
      { code: 'listen_failed', message: `port ${port} is in use by another program; stop it or set server.port (GATEHOUSE_PORT)` });
    assert.deepEqual(await refusal('management', '127.0.0.1', port),
      { code: 'listen_failed', message: `management port ${port} is in use by another program; stop it or set management.port (GATEHOUSE_MANAGEMENT_PORT)` });
  });

  it('an address that is not this machine\'s names the host key', async () => {
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine.
    assert.deepEqual(await refusal('server', '192.0.2.1', 0),
      { code: 'listen_failed', message: '192.0.2.1 is not an address of this machine; set server.host (GATEHOUSE_HOST) to one of its addresses, or 0.0.0.0 for all' });
  });

  it('a free port listens', async () => {
    const app = Fastify();
    await listenOn(app, 'server', '127.0.0.1', 0);
    assert.ok(app.server.listening);
    await app.close();
  });
});
