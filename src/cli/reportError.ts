/**
 * How the CLI reports an error: `gatehouse: <message>` lines on stderr, or with `--json` one JSON line on stderr,
 * `{"error":{"code":"…","message":"…"}}` (the shape of the API's errors). A GatehouseError is a known error: its
 * message says what to do. Anything else is unexpected: its message, plus (in text) a line asking for a report.
 * A stack trace only with GATEHOUSE_DEBUG=1.
 */
import { CommanderError } from 'commander';
import { isGatehouseError, type ErrorCode } from '../errors.js';

/** True when `args` (process.argv) ask for `--json`: anywhere before a `--` that ends the options. */
export function wantsJson(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

const debug = (): boolean => process.env.GATEHOUSE_DEBUG === '1';

/** The code and message of any error; commander's usage errors are `bad_request`. */
function describe(e: unknown): { code: ErrorCode; message: string; known: boolean } {
  if (isGatehouseError(e)) return { code: e.code, message: e.message, known: true };
  if (e instanceof CommanderError) return { code: 'bad_request', message: e.message.replace(/^error: /, ''), known: true };
  const err = e instanceof Error ? e : new Error(String(e));
  return { code: 'internal', message: err.message || err.name, known: false };
}

/**
 * Writes `e` to stderr (one JSON line with `json`, else `gatehouse: …` lines) and returns the exit code. A commander
 * error in text mode has been written by commander already.
 */
export function reportError(e: unknown, o: { json: boolean; stderr?: (line: string) => void }): number {
  const stderr = o.stderr ?? ((l: string) => { process.stderr.write(l + '\n'); });
  if (e instanceof CommanderError && (!o.json || e.exitCode === 0)) return e.exitCode;
  const { code, message, known } = describe(e);
  if (o.json) {
    stderr(JSON.stringify({ error: { code, message } }));
  } else {
    for (const line of message.split('\n')) stderr(`gatehouse: ${line}`);
    if (!known && !debug()) stderr('gatehouse: this is unexpected; run again with GATEHOUSE_DEBUG=1 for details and report it if it persists');
  }
  if (debug() && e instanceof Error && e.stack) stderr(e.stack);
  return e instanceof CommanderError ? e.exitCode : 1;
}
