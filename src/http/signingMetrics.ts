import { performance } from 'node:perf_hooks';
import { signingTrace, type SigningTraceContext } from '../saml/signXml.js';

/**
 * Times every XML signature made in this process (the trace around `signCanonicalXml`, and around the signature
 * on the thread pool of `signCanonicalXmlAsync`, which ends at asyncEnd) and reports each duration in seconds to
 * `report`. Returns the function that stops it.
 */
export function observeSigning(report: (seconds: number) => void): () => void {
  const started = new WeakMap<object, number>();
  const done = (ctx: object): void => {
    const t0 = started.get(ctx);
    if (t0 !== undefined) report((performance.now() - t0) / 1000);
  };
  const subscribers = {
    start: (ctx: object) => { started.set(ctx, performance.now()); },
    end: (ctx: object) => { if (!(ctx as SigningTraceContext).async) done(ctx); },
    asyncStart: () => {},
    asyncEnd: (ctx: object) => { if ((ctx as SigningTraceContext).async) done(ctx); },
    error: () => {},
  };
  signingTrace.subscribe(subscribers);
  return () => { signingTrace.unsubscribe(subscribers); };
}
