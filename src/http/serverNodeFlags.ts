/**
 * Node.js flags for the processes that serve requests. `--max-semi-space-size=8` caps V8's young generation at
 * 2 × 8 MB instead of letting it grow to 2 × 16 MB during start-up and stay there: measured on the bench (one worker,
 * SSO at concurrency 64), a serving process peaked at 130 MB instead of 158–162 MB, for CPU per request within the
 * run-to-run noise (about ±10 % on a 2-core machine). V8 reads it only at start, so it is given on the command line:
 * cluster workers get it from the primary (clusterPrimary.ts), `npm start` and the Docker image pass it to the one
 * process they start, and test/unit/http/serverNodeFlags.test.ts checks that those three agree.
 */
export const serverNodeFlags: readonly string[] = ['--max-semi-space-size=8'];

/** `execArgv` with the serving flags added, each once. */
export function withServerNodeFlags(execArgv: readonly string[]): string[] {
  return [...execArgv, ...serverNodeFlags.filter((f) => !execArgv.includes(f))];
}
