// A TCP port for a server a test or the benchmark starts: the one place that asks the kernel for one.
import { createServer } from 'node:net';

/** A TCP port that was free a moment ago on 127.0.0.1 (the kernel's pick; the caller binds it soon after). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}
