/**
 * The limit of a sign-in: argon2id verifications per second with the configured parameters, `concurrency`
 * at once in one process (as a node runs them: on libuv's thread pool), through the same verifyPassword the
 * password step calls. Also the CPU time of one verification (all threads of this process), in ms.
 */
import { hashPassword, verifyPassword, type PasswordHashParams } from '../src/auth/password.js';

export async function argon2Rate(params: PasswordHashParams, concurrency: number, seconds: number): Promise<{ perSecond: number; cpuMs: number }> {
  const hash = await hashPassword('bench password, not for production', params);
  await verifyPassword(hash, 'bench password, not for production'); // warm-up
  let n = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < until) {
      if (!(await verifyPassword(hash, 'bench password, not for production'))) throw new Error('argon2 bench: verify failed');
      n++;
    }
  }));
  const elapsed = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  return { perSecond: (n * 1000) / elapsed, cpuMs: (cpu.user + cpu.system) / 1000 / n };
}
