/**
 * `gatehouse serve` as a child process, the way an operator runs it (`node bin/gatehouse.js serve …`, see gatehouseBin.ts),
 * with its output kept: JSON log lines (stdout is not a terminal) are parsed for the tests to read, e.g. which
 * worker pid answered a request id, or when a worker started listening.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { gatehouseArgs, projectRoot } from './gatehouseBin.js';
import { freePort } from './freePort.js';

export { freePort, projectRoot };


/** One pino line as logged: level, pid, msg and whatever else it carried. */
export type LogLine = Record<string, unknown> & { pid?: number; msg?: string; reqId?: string };

export interface ServeProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** What was written to stderr alone so far. */
  stderr(): string;
  /** The JSON log lines so far. */
  logs(): LogLine[];
  /** Resolves once `test` holds for the output (checked every 50 ms); rejects after `timeoutMs` or if the process exits. */
  waitFor<T>(test: () => T | undefined | false, what: string, timeoutMs?: number): Promise<T>;
  /** Sends `signal` and resolves with the exit code (null when killed by a signal). */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code once the process has exited. */
  exited: Promise<number | null>;
}

/** Starts `gatehouse serve` with `args` and `env` (added to this process's environment). */
export function startServe(args: string[], env: Record<string, string>): ServeProcess {
  const inherited = { ...process.env };
  delete inherited.NODE_CLUSTER_SCHED_POLICY; // the tests run Gatehouse's own choice
  const child = spawn(process.execPath, gatehouseArgs(['serve', ...args]), {
    cwd: projectRoot, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  let parsed: LogLine[] = [];
  let parsedUpTo = 0;
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); err += d.toString(); });
  const exited = new Promise<number | null>((resolve) => { child.once('exit', (code) => resolve(code)); });
  const logs = (): LogLine[] => {
    const end = out.lastIndexOf('\n') + 1;
    if (end > parsedUpTo) {
      const fresh: LogLine[] = [];
      for (const line of out.slice(parsedUpTo, end).split('\n')) {
        if (!line.startsWith('{')) continue;
        try { fresh.push(JSON.parse(line) as LogLine); } catch { /* a line that is not JSON */ }
      }
      parsed = parsed.concat(fresh);
      parsedUpTo = end;
    }
    return parsed;
  };
  let exitCode: number | null | undefined;
  void exited.then((c) => { exitCode = c; });
  const waitFor = <T>(test: () => T | undefined | false, what: string, timeoutMs = 30_000): Promise<T> => new Promise((resolve, reject) => {
    const started = Date.now();
    const timer = setInterval(() => {
      const v = test();
      if (v !== undefined && v !== false) { clearInterval(timer); resolve(v); return; }
      if (exitCode !== undefined) { clearInterval(timer); reject(new Error(`serve exited (${exitCode}) while waiting for ${what}:\n${out.slice(-4000)}`)); return; }
      if (Date.now() - started > timeoutMs) { clearInterval(timer); reject(new Error(`timed out waiting for ${what}:\n${out.slice(-4000)}`)); }
    }, 50);
  });
  const stop = (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  return { child, output: () => out, stderr: () => err, logs, waitFor, stop, exited };
}

/** The pids of the processes that worker slot `n` has had, in order, as the primary logged them listening. */
export function listeningWorkerPids(logs: LogLine[], n: number): number[] {
  return logs.filter((l) => l.role === 'primary' && l.worker === n && typeof l.workerPid === 'number' && String(l.msg).includes('is listening')).map((l) => l.workerPid as number);
}
