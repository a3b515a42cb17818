import { performance } from 'node:perf_hooks';
import { signingTrace } from '../saml/signXml.js';

/**
 * Times every XML signature made in this process (the trace around `signCanonicalXml`) and reports each
 * duration in seconds to `report`. Returns the function that stops it.
 */
export function observeSigning(report: (seconds: number) => void): () => void {
  const started = new WeakMap<object, number>();
  const subscribers = {
    start: (ctx: object) => { started.set(ctx, performance.now()); },
    end: (ctx: object) => {
      const t0 = started.get(ctx);
      if (t0 !== undefined) report((performance.now() - t0) / 1000);
    },
    asyncStart: () => {}, asyncEnd: () => {}, error: () => {},
  };
  signingTrace.subscribe(subscribers);
  return () => { signingTrace.unsubscribe(subscribers); };
}
