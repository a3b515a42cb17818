/**
 * A TCP proxy in front of a server (PostgreSQL) that can stop passing data and start again: while paused, its
 * connections stay open and new ones are accepted, but nothing gets through in either direction — a database
 * host that stopped answering. On resume, what was held goes through in order.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface PausableProxy {
  port: number;
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

interface Pipe { from: Socket; to: Socket; held: Buffer[] }

export async function startPausableProxy(host: string, port: number): Promise<PausableProxy> {
  let paused = false;
  const pipes = new Set<Pipe>();
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(port, host);
    for (const [from, to] of [[client, upstream], [upstream, client]] as const) {
      const pipe: Pipe = { from, to, held: [] };
      pipes.add(pipe);
      from.on('data', (d: Buffer) => { if (paused) pipe.held.push(d); else to.write(d); });
      from.on('close', () => { pipes.delete(pipe); to.destroy(); });
      from.on('error', () => { to.destroy(); });
      sockets.add(from);
      from.on('close', () => sockets.delete(from));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const a = server.address();
  return {
    port: typeof a === 'object' && a ? a.port : 0,
    pause: () => { paused = true; },
    resume: () => {
      paused = false;
      for (const p of pipes) for (const d of p.held.splice(0)) p.to.write(d);
    },
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
