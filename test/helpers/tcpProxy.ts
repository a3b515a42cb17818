/**
 * A TCP proxy on 127.0.0.1 between a node and its database, which a test can break and mend without touching
 * the database itself (other tests share it):
 *
 *   const proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
 *   const url = proxy.rewrite('postgres://postgres@127.0.0.1:5432/db');   // the node connects here
 *   proxy.stall();    // the database stops answering: bytes are held, new connections are accepted and left waiting
 *   proxy.refuse();   // the database is down: every connection is reset, new ones are refused
 *   proxy.restore();  // back to normal: held bytes and connections go through
 *   await proxy.close();
 */
import { createServer, connect, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  rewrite(url: string): string;
  /** Stops forwarding in both directions (like a network partition); connections stay open. */
  stall(): void;
  /** Resets every connection and refuses new ones (like a database that stopped). */
  refuse(): void;
  /** Forwards again; held data and held connections go through. */
  restore(): void;
  /** Connections currently open through the proxy. */
  readonly open: number;
  close(): Promise<void>;
}

type Mode = 'forward' | 'stall' | 'refuse';

interface Pair { client: Socket; upstream: Socket | undefined; toUpstream: Buffer[]; toClient: Buffer[] }

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: Mode = 'forward';
  const pairs = new Set<Pair>();

  const end = (p: Pair): void => {
    pairs.delete(p);
    p.client.destroy();
    p.upstream?.destroy();
  };
  const flush = (p: Pair): void => {
    if (p.upstream && !p.upstream.connecting) for (const b of p.toUpstream.splice(0)) p.upstream.write(b);
    for (const b of p.toClient.splice(0)) p.client.write(b);
  };
  const dial = (p: Pair): void => {
    const up = connect(target.port, target.host);
    p.upstream = up;
    up.on('connect', () => { if (mode === 'forward') flush(p); });
    up.on('data', (b) => { if (mode === 'forward') p.client.write(b); else p.toClient.push(b); });
    up.on('error', () => end(p));
    up.on('close', () => end(p));
  };

  const server = createServer((client) => {
    if (mode === 'refuse') { client.resetAndDestroy(); return; }
    const p: Pair = { client, upstream: undefined, toUpstream: [], toClient: [] };
    pairs.add(p);
    client.on('data', (b) => {
      if (mode === 'forward' && p.upstream && !p.upstream.connecting) p.upstream.write(b);
      else p.toUpstream.push(b);
    });
    client.on('error', () => end(p));
    client.on('close', () => end(p));
    if (mode === 'forward') dial(p);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;

  return {
    port,
    rewrite: (url) => {
      const u = new URL(url);
      u.hostname = '127.0.0.1';
      u.port = String(port);
      return u.toString();
    },
    stall: () => { mode = 'stall'; },
    refuse: () => {
      mode = 'refuse';
      for (const p of [...pairs]) {
        pairs.delete(p);
        p.client.resetAndDestroy();
        p.upstream?.destroy();
      }
    },
    restore: () => {
      mode = 'forward';
      for (const p of pairs) {
        if (!p.upstream) dial(p);
        else flush(p);
      }
    },
    get open() { return pairs.size; },
    close: async () => {
      for (const p of [...pairs]) end(p);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
