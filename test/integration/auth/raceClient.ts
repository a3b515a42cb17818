/**
 * A client for races against a listening Gatehouse (startTestApp({listen: true})): sign-in forms are fetched
 * one by one beforehand, each with its own flow cookie and CSRF value; then `burst` opens one TCP socket per
 * request, waits until every socket is connected, and writes all the requests at once.
 *
 *   const forms = await openForms(t.url, 200, (i) => `10.1.${i >> 8}.${i & 255}`);
 *   const res = await burst(t.url, forms.map((f) => formPost('/login/password', f, { username: 'ann', password: 'x' })));
 */
import net from 'node:net';
import assert from 'node:assert/strict';

/** A form as one client holds it: the flow cookie, the CSRF value, and the address it claims (X-Forwarded-For). */
export interface HeldForm { cookie: string; csrf: string; ip: string }

export interface RawRequest { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string }
export interface RawResponse { status: number; headers: Record<string, string>; body: string }

const csrfOf = (html: string): string => {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  assert.ok(m?.[1], 'no CSRF value in the page');
  return m[1];
};

/** Name=value pairs of a response's Set-Cookie headers, merged over `jar` (later values win, empty ones remove). */
function mergeCookies(jar: Map<string, string>, res: Response): void {
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(';')[0] ?? '';
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    if (value === '') jar.delete(name);
    else jar.set(name, value);
  }
}

const cookieHeader = (jar: Map<string, string>): string => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

async function call(base: string, jar: Map<string, string>, ip: string, method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<Response> {
  const res = await fetch(new URL(path, base), {
    method, redirect: 'manual',
    headers: {
      'x-forwarded-for': ip, cookie: cookieHeader(jar),
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  mergeCookies(jar, res);
  return res;
}

/** Opens /login once from `ip`: the password form of a new flow. */
export async function openLoginForm(base: string, ip: string): Promise<HeldForm> {
  const jar = new Map<string, string>();
  const page = await call(base, jar, ip, 'GET', '/login');
  assert.equal(page.status, 200);
  return { cookie: cookieHeader(jar), csrf: csrfOf(await page.text()), ip };
}

/** Passes the password step of a new flow from `ip` and opens the TOTP form: the flow now waits for a code. */
export async function openTotpForm(base: string, ip: string, username: string, password: string): Promise<HeldForm> {
  const jar = new Map<string, string>();
  const page = await call(base, jar, ip, 'GET', '/login');
  assert.equal(page.status, 200);
  const pw = await call(base, jar, ip, 'POST', '/login/password', { _csrf: csrfOf(await page.text()), username, password });
  assert.equal(pw.status, 303, `password step: ${pw.status}`);
  assert.equal(pw.headers.get('location'), '/login/mfa');
  const mfa = await call(base, jar, ip, 'GET', '/login/mfa?factor=totp');
  assert.equal(mfa.status, 200);
  return { cookie: cookieHeader(jar), csrf: csrfOf(await mfa.text()), ip };
}

/** Runs `make(i)` for i in [0, n) with at most `parallel` at a time; results in order. */
export async function prepare<T>(n: number, parallel: number, make: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array<T>(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(parallel, n) }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await make(i);
    }
  }));
  return out;
}

/** A form post of `fields` (plus the form's CSRF value) with the form's cookie and address. */
export function formPost(path: string, form: HeldForm, fields: Record<string, string>): RawRequest {
  return {
    method: 'POST', path, body: new URLSearchParams({ _csrf: form.csrf, ...fields }).toString(),
    headers: { cookie: form.cookie, 'x-forwarded-for': form.ip, 'content-type': 'application/x-www-form-urlencoded' },
  };
}

function serialize(host: string, r: RawRequest): Buffer {
  const body = Buffer.from(r.body ?? '', 'utf8');
  const head = [`${r.method} ${r.path} HTTP/1.1`, `host: ${host}`, 'connection: close', `content-length: ${body.length}`,
    ...Object.entries(r.headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  return Buffer.concat([Buffer.from(`${head}\r\n\r\n`, 'latin1'), body]);
}

function parse(raw: Buffer): RawResponse {
  const text = raw.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  assert.ok(end > 0, `no complete response: ${JSON.stringify(text.slice(0, 200))}`);
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body: text.slice(end + 4) };
}

/**
 * Opens one socket per request, waits until all are connected, then writes every request in one synchronous
 * loop (the server sees them all at once) and returns the responses in request order. Each request says
 * `connection: close`, so a response is complete when the server closes its socket.
 */
export async function burst(base: string, requests: RawRequest[], timeoutMs = 120_000): Promise<RawResponse[]> {
  const u = new URL(base);
  const sockets = await Promise.all(requests.map(() => new Promise<net.Socket>((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port: Number(u.port) }, () => resolve(s));
    s.once('error', reject);
  })));
  const responses = sockets.map((s) => new Promise<RawResponse>((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.setTimeout(timeoutMs, () => s.destroy(new Error('no response in time')));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.once('error', reject);
    s.once('end', () => { s.destroy(); resolve(parse(Buffer.concat(chunks))); });
  }));
  const wire = requests.map((r) => serialize(u.host, r));
  for (let i = 0; i < sockets.length; i++) sockets[i]!.write(wire[i]!);
  return Promise.all(responses);
}
