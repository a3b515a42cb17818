/**
 * The browser login's return address: an HTTP listener on 127.0.0.1 at a random port that accepts one
 * `GET /callback?code=…&state=…` carrying the expected state (RFC 8252 §7.3). Anything else is answered
 * and ignored, so a stray or forged request cannot end the login. The listener closes after the answer
 * or the timeout.
 */
import { createServer, type ServerResponse } from 'node:http';
import { GatehouseError } from '../../errors.js';

export interface LoopbackCallback {
  /** `http://127.0.0.1:<port>/callback`, the redirect_uri to send. */
  redirectUri: string;
  /** Resolves with the one-time code; rejects when the person cancels in the browser or on timeout. */
  code: Promise<string>;
  close(): void;
}

const page = (title: string, text: string): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
  '<style>body{font:16px system-ui,sans-serif;margin:15vh auto;max-width:32em;padding:0 1em}</style></head>' +
  `<body><h1>${title}</h1><p>${text}</p></body></html>`;

function answer(res: ServerResponse, status: number, title: string, text: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'referrer-policy': 'no-referrer',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'", 'x-content-type-options': 'nosniff',
  });
  res.end(page(title, text));
}

/** Starts the listener; `state` is the value the callback must carry, `timeoutMs` how long to wait. */
export async function startLoopbackCallback(o: { state: string; timeoutMs: number }): Promise<LoopbackCallback> {
  let settle!: { resolve: (code: string) => void; reject: (e: Error) => void };
  const code = new Promise<string>((resolve, reject) => { settle = { resolve, reject }; });
  code.catch(() => undefined); // observed by the caller; avoid an unhandled rejection if it never awaits
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'GET' || url.pathname !== '/callback') { answer(res, 404, 'Not found', 'Nothing here.'); return; }
    if (url.searchParams.get('state') !== o.state) {
      answer(res, 400, 'Sign-in not accepted', 'This answer does not belong to the sign-in the terminal is waiting for. Start again from the terminal.');
      return;
    }
    const error = url.searchParams.get('error');
    const got = url.searchParams.get('code');
    if (error) {
      answer(res, 200, 'Sign-in cancelled', 'Nothing was signed in. You can close this tab.');
      res.once('finish', () => settle.reject(new GatehouseError('forbidden', error === 'access_denied' ? 'the sign-in was cancelled in the browser' : `the browser sign-in failed (${error.slice(0, 80)})`)));
    } else if (got) {
      answer(res, 200, 'Signed in', 'You are signed in to the AWS CLI. You can close this tab and go back to the terminal.');
      res.once('finish', () => settle.resolve(got)); // close the listener only after the page went out
    } else {
      answer(res, 400, 'Sign-in not accepted', 'The answer carries no code. Start again from the terminal.');
    }
  });
  await new Promise<void>((resolve, reject) => { server.once('error', reject); server.listen(0, '127.0.0.1', resolve); });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const timer = setTimeout(() => settle.reject(new GatehouseError('flow_expired', `no answer from the browser in ${Math.round(o.timeoutMs / 60_000)} minutes: run the command again (or use --device)`)), o.timeoutMs);
  const close = (): void => { clearTimeout(timer); server.close(); server.closeAllConnections(); };
  code.then(close, close);
  return { redirectUri: `http://127.0.0.1:${port}/callback`, code, close };
}
