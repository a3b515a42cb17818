/**
 * Why a cluster worker could not start, told to the primary over the cluster's IPC channel, so that the primary
 * reports it once, as one line, however many workers failed the same way, and does not start the worker again
 * when the fault is one that an operator must fix (a port in use).
 */
import { errorCodes, GatehouseError, isGatehouseError, type ErrorCode } from '../errors.js';

const messageType = 'gatehouse:start-failed';

/** What a worker sends: the code of a known error (a GatehouseError) and its message. */
interface StartFailure { type: typeof messageType; code?: ErrorCode; message: string }

/** In a worker: tells the primary why it could not start, then exits 1. Prints nothing itself. */
export function reportStartFailure(e: unknown): void {
  const failure: StartFailure = {
    type: messageType,
    ...(isGatehouseError(e) ? { code: e.code } : {}),
    message: e instanceof Error ? e.message : String(e),
  };
  if (process.env.GATEHOUSE_DEBUG === '1' && e instanceof Error && e.stack) process.stderr.write(e.stack + '\n');
  if (!process.connected || !process.send) process.exit(1);
  process.send(failure, () => process.exit(1));
}

/**
 * In the primary: the error a worker's message stands for, or undefined when the message is something else. A
 * known error keeps its code and message; any other becomes a plain Error naming the worker.
 */
export function startFailureOf(m: unknown, worker: number): Error | undefined {
  if (typeof m !== 'object' || m === null || (m as StartFailure).type !== messageType) return undefined;
  const { code, message } = m as StartFailure;
  if (code !== undefined && code in errorCodes) return new GatehouseError(code, String(message));
  return new Error(`worker ${worker} could not start: ${String(message)}`);
}
