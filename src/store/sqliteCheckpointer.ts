/**
 * WAL checkpoints for a SQLite file, off the request path. SQLite normally checkpoints inside the commit that
 * takes the write-ahead log past 1,000 pages: that commit copies the pages into the database file and fsyncs it,
 * synchronously, so the node's event loop (and every request on it) waits for the disk; on a busy disk an fsync
 * took up to 150 ms here. Instead, the request connection turns automatic checkpoints off and a worker thread
 * with a connection of its own runs a PASSIVE checkpoint (never waits for a lock, never blocks a writer or a
 * reader) every `intervalMs`. If the worker stops, the request connection checkpoints automatically again.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What the worker reports after each checkpoint: WAL frames in the log, and how many are in the database file now. */
export interface CheckpointResult { log: number; checkpointed: number; busy: boolean }

const workerCode = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const run = (id) => {
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ id, log: r.log, checkpointed: r.checkpointed, busy: r.busy === 1 });
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e) });
  }
};
const timer = setInterval(() => run(null), workerData.intervalMs);
parentPort.on('message', (m) => { if (m && m.now !== undefined) run(m.now); if (m === 'stop') { clearInterval(timer); db.close(); process.exit(0); } });
`;

/** A running checkpointer. */
export interface SqliteCheckpointer {
  /** Runs a checkpoint now and resolves with its result (for tests and shutdown). */
  checkpointNow(): Promise<CheckpointResult>;
  /** Stops the worker (closes its connection). */
  stop(): Promise<void>;
}

/**
 * Starts the checkpoint worker for the SQLite file at `path`. `onStopped` runs if the worker ends on its own
 * (an error): the caller then turns automatic checkpoints back on.
 */
export function startSqliteCheckpointer(path: string, opts: { intervalMs?: number; onStopped?: (err?: unknown) => void } = {}): SqliteCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(workerCode, { eval: true, workerData: { path, driver, intervalMs: opts.intervalMs ?? 1000 } });
  worker.unref();
  let stopping = false;
  let exited = false;
  // Each checkpointNow has an id that its own run answers with: a periodic run (id null) that was under way when it
  // asked must not answer it, since that run may have started before the caller's last commit.
  let lastId = 0;
  const waiting = new Map<number, { resolve: (r: CheckpointResult) => void; reject: (e: Error) => void }>();
  worker.on('message', (m: ({ log: number; checkpointed: number; busy: boolean } | { error: string }) & { id: number | null }) => {
    const w = m.id === null ? undefined : waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id!);
    if ('error' in m) w.reject(new Error(`SQLite checkpoint failed: ${m.error}`));
    else w.resolve({ log: m.log, checkpointed: m.checkpointed, busy: m.busy });
  });
  worker.once('error', (err) => { if (!stopping) opts.onStopped?.(err); });
  worker.once('exit', () => {
    exited = true;
    for (const w of waiting.values()) w.reject(new Error('the checkpoint worker has stopped'));
    waiting.clear();
    if (!stopping) opts.onStopped?.();
  });
  return {
    checkpointNow: () => new Promise((resolve, reject) => {
      if (exited) { reject(new Error('the checkpoint worker has stopped')); return; }
      const id = ++lastId;
      waiting.set(id, { resolve, reject });
      worker.postMessage({ now: id });
    }),
    stop: async () => {
      if (exited) return;
      stopping = true;
      worker.postMessage('stop');
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => { void worker.terminate().then(() => resolve()); }, 2000);
        worker.once('exit', () => { clearTimeout(t); resolve(); });
      });
    },
  };
}
