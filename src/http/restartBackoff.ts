/** When a dead worker is started again. */
export interface RestartPolicy {
  /** A worker that served this long (ms) before dying was healthy: its death is not part of a crash loop. */
  stableMs: number;
  /** The wait after the second quick death in a row; each further one doubles it. */
  baseMs: number;
  /** The longest wait. */
  maxMs: number;
}

export const defaultRestartPolicy: RestartPolicy = { stableMs: 10_000, baseMs: 1_000, maxMs: 30_000 };

/**
 * The restart back-off of one worker slot, so that a crash loop does not spin: a worker that dies after
 * serving a while is replaced at once; one that dies soon after starting (or before it ever listened) again
 * and again waits 1 s, 2 s, 4 s … up to 30 s. Keeps only the count of quick deaths in a row.
 */
export class RestartBackoff {
  #quickDeaths = 0;

  constructor(private readonly policy: RestartPolicy = defaultRestartPolicy) {}

  /**
   * A worker of this slot died, having listened for `servedMs` (undefined when it never listened). Returns how
   * long to wait before starting the next one.
   */
  died(servedMs: number | undefined): number {
    if (servedMs !== undefined && servedMs >= this.policy.stableMs) this.#quickDeaths = 0;
    this.#quickDeaths += 1;
    if (this.#quickDeaths === 1) return 0;
    return Math.min(this.policy.maxMs, this.policy.baseMs * 2 ** (this.#quickDeaths - 2));
  }
}
