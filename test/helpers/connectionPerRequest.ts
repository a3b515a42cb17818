/**
 * A minimal browser for tests against a server in another process: keeps cookies, and opens a new TCP
 * connection for every request (no keep-alive). node:cluster hands each connection to the next worker, so the
 * steps of one sign-in land on different workers; and when a worker dies, only the requests it was answering
 * fail (as a connection error), never a request sent later on a stale kept-alive connection.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';

/** What came back: status, headers, body, and the request id the server gave it (x-request-id). */
export interface Answer { status: number; headers: IncomingHttpHeaders; text: string; requestId: string }

/** One request as the test saw it: an answer, or the connection error that ended it. */
export interface Exchange {
  method: string;
  path: string;
  startedAt: number;
  endedAt: number;
  status?: number;
  requestId?: string;
  /** `ECONNRESET`, `socket hang up`, … */
  error?: string;
}

export class ConnectionPerRequestBrowser {
  readonly cookies = new Map<string, string>();

  /** `log` collects every exchange, shared by many browsers. */
  constructor(private readonly base: string, private readonly log: Exchange[] = [], private readonly timeoutMs = 20_000) {}

  /** Sends one request (a form body when `form` is given); rejects with the connection error, if any. */
  request(method: 'GET' | 'POST', path: string, form?: Record<string, string>, o: { partialBody?: (sendRest: () => void) => void } = {}): Promise<Answer> {
    const body = form ? new URLSearchParams(form).toString() : undefined;
    const headers: Record<string, string | number> = { connection: 'close' };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = Buffer.byteLength(body);
    }
    const exchange: Exchange = { method, path, startedAt: Date.now(), endedAt: 0 };
    this.log.push(exchange);
    return new Promise<Answer>((resolve, reject) => {
      const req = httpRequest(new URL(path, this.base), { method, headers, agent: false, timeout: this.timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => { exchange.error = e.message; exchange.endedAt = Date.now(); reject(e); });
        res.on('end', () => {
          exchange.endedAt = Date.now();
          exchange.status = res.statusCode ?? 0;
          exchange.requestId = String(res.headers['x-request-id'] ?? '');
          this.keepCookies(res.headers['set-cookie'] ?? []);
          resolve({ status: exchange.status, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), requestId: exchange.requestId });
        });
      });
      req.on('timeout', () => req.destroy(new Error(`no answer within ${this.timeoutMs} ms`)));
      req.on('error', (e: NodeJS.ErrnoException) => { exchange.error = e.code ?? e.message; exchange.endedAt = Date.now(); reject(e); });
      if (body === undefined) req.end();
      else if (o.partialBody) {
        // The first half now; the caller sends the rest when it chooses (a request held in flight).
        const half = Math.floor(body.length / 2);
        req.write(body.slice(0, half));
        o.partialBody(() => req.end(body.slice(half)));
      } else req.end(body);
    });
  }

  private keepCookies(lines: string[]): void {
    for (const line of lines) {
      const [pair = ''] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}
