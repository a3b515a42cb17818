// The clients of the flood test (inboundFlood.test.ts), run as a separate process so that they neither
// share nor measure the server's event loop. Reads {url, durationMs, clients, caps} as JSON on stdin;
// `clients` loops send the hostile AuthnRequests of hostileXml.ts round-robin, over both bindings, until
// `durationMs` has passed, while one more loop times GET /healthz. Prints the results as JSON on stdout.
import { atTheLimits, authnRequestAround, hostileShapes, postParam, redirectParam, type RequestCaps } from '../../fuzz/hostileXml.js';

interface Input { url: string; durationMs: number; clients: number; caps: RequestCaps }

/** What the flood saw: answers by status, transport errors, and /healthz latencies in ms and answers by status. */
export interface FloodResult { statuses: Record<string, number>; errors: string[]; healthzMs: number[]; healthzStatuses: Record<string, number>; sent: number }

const input = JSON.parse(await new Promise<string>((resolve) => {
  let s = '';
  process.stdin.on('data', (d: Buffer) => { s += d.toString(); });
  process.stdin.on('end', () => resolve(s));
})) as Input;

type Request = { method: 'GET' | 'POST'; path: string; body?: string };
const requests: Request[] = [];
for (const budget of [input.caps.maxBytes - 600, 215_000]) {
  for (const shape of Object.values(hostileShapes)) {
    const xml = authnRequestAround(shape(budget));
    const query = redirectParam(xml);
    if (query.length <= 12_000) requests.push({ method: 'GET', path: `/saml/sso?SAMLRequest=${query}` });
    requests.push({ method: 'POST', path: '/saml/sso', body: `SAMLRequest=${encodeURIComponent(postParam(xml))}` });
  }
}
const limits = atTheLimits(input.caps);
requests.push({ method: 'GET', path: `/saml/sso?SAMLRequest=${redirectParam(limits)}` }, { method: 'POST', path: '/saml/sso', body: `SAMLRequest=${encodeURIComponent(postParam(limits))}` });

const result: FloodResult = { statuses: {}, errors: [], healthzMs: [], healthzStatuses: {}, sent: 0 };
const end = Date.now() + input.durationMs;
let next = 0;

async function client(): Promise<void> {
  while (Date.now() < end) {
    const r = requests[next++ % requests.length]!;
    result.sent++;
    try {
      const res = await fetch(input.url + r.path, {
        method: r.method,
        ...(r.body === undefined ? {} : { body: r.body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
        signal: AbortSignal.timeout(60_000),
      });
      await res.arrayBuffer();
      result.statuses[res.status] = (result.statuses[res.status] ?? 0) + 1;
    } catch (e) {
      result.errors.push(`${r.method} ${r.path.slice(0, 60)}: ${String(e)}`);
    }
  }
}

async function probe(): Promise<void> {
  while (Date.now() < end) {
    const t0 = performance.now();
    const res = await fetch(`${input.url}/healthz`, { signal: AbortSignal.timeout(60_000) });
    await res.arrayBuffer();
    result.healthzMs.push(performance.now() - t0);
    result.healthzStatuses[res.status] = (result.healthzStatuses[res.status] ?? 0) + 1;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

await Promise.all([probe(), ...Array.from({ length: input.clients }, client)]);
process.stdout.write(JSON.stringify(result));
