/**
 * The HTTP client of Gatehouse's CLI API (/api/v1/cli/*, contract in docs/cli-api.md). It knows the
 * contract and nothing of the server's code. Every answer is validated (apiSchemas.ts); errors become
 * GatehouseErrors with the server's code and a message for a person; `--verbose` logs each exchange
 * without secrets (httpLog.ts).
 */
import type { z } from 'zod';
import { errorCodes, GatehouseError, type ErrorCode } from '../../errors.js';
import {
  apiErrorSchema, assertionSchema, deviceStartSchema, factorStepSchema, flowStartSchema, meSchema, passwordStepSchema,
  rolesSchema, tokenErrorSchema, tokenGrantSchema, type CliAssertion, type CliRole, type DeviceStart, type Me, type TokenGrant,
} from './apiSchemas.js';
import { redact, redactUrl, type VerboseLog } from './httpLog.js';

/** Answer of a device-code poll that is not a grant (RFC 8628 §3.5). */
export type DevicePoll = { grant: TokenGrant } | { pending: 'authorization_pending' | 'slow_down'; interval?: number | undefined };

const timeoutMs = 30_000;
const maxBodyChars = 4_000_000;

const knownCode = (code: string): code is ErrorCode => Object.hasOwn(errorCodes, code);

export class GatehouseApi {
  /** `baseUrl` is the Gatehouse URL without a trailing slash (settings.ts normalises it). */
  constructor(readonly baseUrl: string, private readonly log: VerboseLog = () => undefined) {}

  private async request(method: 'GET' | 'POST', path: string, o: { body?: unknown; token?: string } = {}): Promise<{ status: number; body: unknown; retryAfter: string | null }> {
    const url = this.baseUrl + path;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (o.body !== undefined) headers['content-type'] = 'application/json';
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    this.log(`> ${method} ${redactUrl(url)}${o.token ? ' (Authorization: Bearer [hidden])' : ''}`);
    if (o.body !== undefined) this.log(`> ${JSON.stringify(redact(o.body))}`);
    const started = Date.now();
    let res: Response;
    try {
      res = await fetch(url, { method, headers, body: o.body === undefined ? undefined : JSON.stringify(o.body), redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (e as Error).message;
      throw new GatehouseError('internal', `cannot reach Gatehouse at ${this.baseUrl} (${why}): check the URL and your network`, { cause: e });
    }
    const text = await res.text();
    this.log(`< ${res.status} ${res.statusText} (${Date.now() - started} ms)`);
    if (text.length > maxBodyChars) throw new GatehouseError('payload_too_large', `Gatehouse sent an answer of ${text.length} characters; is ${this.baseUrl} really Gatehouse?`);
    let body: unknown = undefined;
    if (text !== '') {
      try { body = JSON.parse(text); } catch {
        throw new GatehouseError('internal', `${method} ${path}: Gatehouse answered ${res.status} with something that is not JSON; is ${this.baseUrl} really Gatehouse?`);
      }
      this.log(`< ${JSON.stringify(redact(body))}`);
    }
    return { status: res.status, body, retryAfter: res.headers.get('retry-after') };
  }

  private parse<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
    const r = schema.safeParse(body);
    if (!r.success) throw new GatehouseError('internal', `unexpected answer from Gatehouse to ${what} (${r.error.issues[0]?.message ?? 'invalid'}); is the server a different version?`);
    return r.data;
  }

  /** Throws the GatehouseError for a non-2xx answer of the JSON API. */
  private fail(res: { status: number; body: unknown; retryAfter: string | null }, what: string): never {
    const parsed = apiErrorSchema.safeParse(res.body);
    if (!parsed.success) throw new GatehouseError('internal', `${what}: Gatehouse answered ${res.status}`);
    const { code, message, requestId, detail } = parsed.data.error;
    const ref = requestId ? ` (request ${requestId})` : '';
    const c: ErrorCode = knownCode(code) ? code : 'internal';
    // Gatehouse's messages are written for people; a few get what the CLI user should do next.
    switch (code) {
      case 'too_many_attempts': throw new GatehouseError(c, `${message ?? 'too many attempts'}${res.retryAfter ? ` (try again in ${res.retryAfter} s)` : ''}`);
      case 'flow_expired': throw new GatehouseError(c, 'the sign-in took too long: run the command again');
      case 'session_required': throw new GatehouseError(c, 'your Gatehouse session has ended: run gatehouse login');
      default: throw new GatehouseError(c, `${message ?? code}${c === 'internal' ? ref : ''}`, { detail, status: res.status });
    }
  }

  private async call<S extends z.ZodType>(schema: S, method: 'GET' | 'POST', path: string, o: { body?: unknown; token?: string }, what: string): Promise<z.output<S>> {
    const res = await this.request(method, path, o);
    if (res.status < 200 || res.status >= 300) this.fail(res, what);
    return this.parse(schema, res.body, what);
  }

  /** Starts a terminal login; returns the flow token for the password step. */
  startFlow(clientName: string) {
    return this.call(flowStartSchema, 'POST', '/api/v1/cli/flows', { body: { clientName } }, 'starting the sign-in');
  }

  /** Answers the password step; `state` says whether a second factor (`mfa`) or enrolment is next. */
  submitPassword(flowToken: string, username: string, password: string) {
    return this.call(passwordStepSchema, 'POST', '/api/v1/cli/flows/password', { body: { flowToken, username, password } }, 'the password');
  }

  /** Answers the second factor with a TOTP or recovery code; returns the CLI session. */
  async submitFactor(kind: 'totp' | 'recovery', flowToken: string, code: string): Promise<z.infer<typeof factorStepSchema>> {
    return this.call(factorStepSchema, 'POST', `/api/v1/cli/flows/${kind}`, { body: { flowToken, code } }, 'the code');
  }

  /** Redeems a browser sign-in's one-time code with the PKCE verifier. */
  async redeemCode(o: { code: string; codeVerifier: string; redirectUri: string }): Promise<TokenGrant> {
    const res = await this.request('POST', '/api/v1/cli/token', { body: { grant_type: 'authorization_code', code: o.code, code_verifier: o.codeVerifier, redirect_uri: o.redirectUri } });
    if (res.status === 200) return this.parse(tokenGrantSchema, res.body, 'the sign-in code');
    const err = tokenErrorSchema.safeParse(res.body);
    if (err.success && err.data.error === 'invalid_grant') throw new GatehouseError('bad_request', 'Gatehouse refused the sign-in code (expired or used already): run the command again');
    return this.fail(res, 'the sign-in code');
  }

  /** Starts a device login (RFC 8628). */
  startDevice(clientName: string): Promise<DeviceStart> {
    return this.call(deviceStartSchema, 'POST', '/api/v1/cli/device', { body: { clientName } }, 'starting the device sign-in');
  }

  /** Polls a device login once: the grant, or pending / slow_down; throws when denied or expired. */
  async pollDevice(deviceCode: string): Promise<DevicePoll> {
    const res = await this.request('POST', '/api/v1/cli/token', { body: { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', device_code: deviceCode } });
    if (res.status === 200) return { grant: this.parse(tokenGrantSchema, res.body, 'the device sign-in') };
    const err = tokenErrorSchema.safeParse(res.body);
    if (!err.success) return this.fail(res, 'the device sign-in');
    switch (err.data.error) {
      case 'authorization_pending':
      case 'slow_down': return { pending: err.data.error, interval: err.data.interval };
      case 'expired_token': throw new GatehouseError('flow_expired', 'the code expired before it was approved: run gatehouse login --device again');
      case 'access_denied': throw new GatehouseError('forbidden', 'the sign-in was denied in the browser');
      default: throw new GatehouseError('bad_request', `Gatehouse refused the device sign-in (${err.data.error})`);
    }
  }

  /** Who the session belongs to, its factor and expiry. */
  me(token: string): Promise<Me> {
    return this.call(meSchema, 'GET', '/api/v1/cli/me', { token }, 'whoami');
  }

  /** The person's AWS roles, with whether this session may use each now. */
  async roles(token: string): Promise<CliRole[]> {
    return (await this.call(rolesSchema, 'GET', '/api/v1/cli/roles', { token }, 'listing your roles')).roles;
  }

  /** One signed SAML Response for the given roles (keys, ARNs or alias/RoleName; all in one partition). */
  assertion(token: string, roles: readonly string[]): Promise<CliAssertion> {
    return this.call(assertionSchema, 'POST', '/api/v1/cli/assertions', { token, body: { roles } }, 'the SAML assertion');
  }

  /** Revokes the session; an already ended session is not an error. */
  async logout(token: string): Promise<void> {
    const res = await this.request('POST', '/api/v1/cli/logout', { token });
    if (res.status === 204 || res.status === 200 || res.status === 401) return;
    this.fail(res, 'logout');
  }
}
