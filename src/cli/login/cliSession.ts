/**
 * The Gatehouse session a command works with: the saved one when it is still valid (and reuse is
 * allowed), else a new sign-in by the chosen method; a browser step-up when a role needs a security key;
 * one fresh sign-in when the server says the saved session has ended (revoked, person disabled).
 */
import { hostname } from 'node:os';
import { GatehouseError, isGatehouseError } from '../../errors.js';
import type { TokenGrant } from './apiSchemas.js';
import { factorNames } from './factors.js';
import { localTime, say } from './progress.js';
import { browserLogin } from './browserLogin.js';
import { deviceLogin } from './deviceLogin.js';
import type { GatehouseApi } from './gatehouseApi.js';
import type { VerboseLog } from './httpLog.js';
import type { LoginMethod } from './settings.js';
import { loadSession, saveSession, type StoredSession } from './sessionStore.js';
import { terminalLogin, type TerminalLoginInput } from './terminalLogin.js';

/** How to sign in when a sign-in is needed. */
export interface SignInChoice extends Omit<TerminalLoginInput, 'clientName'> {
  method: LoginMethod;
}

/** This computer's name as the approval pages and the audit log show it (the API takes 1–64 plain characters). */
export function clientName(): string {
  return hostname().replace(/[^\w .'()@+-]+/g, '-').slice(0, 64) || 'this computer';
}

export class CliSession {
  private session: StoredSession | undefined;
  private fresh = false;

  /** `reuse`: start from the saved session when it is still valid. */
  constructor(readonly api: GatehouseApi, private readonly choice: SignInChoice, reuse: boolean, log: VerboseLog = () => undefined) {
    this.session = reuse ? loadSession(api.baseUrl) : undefined;
    if (this.session) log(`using the saved session of ${this.session.username} (${this.session.factor}, until ${this.session.expiresAt})`);
  }

  /** True once this command has signed in (rather than reusing the saved session). */
  get signedInNow(): boolean {
    return this.fresh;
  }

  /** The session, signing in first when there is none. */
  async get(): Promise<StoredSession> {
    return this.session ?? this.signIn();
  }

  private keep(grant: TokenGrant): StoredSession {
    this.session = saveSession(this.api.baseUrl, grant);
    this.fresh = true;
    say(`Signed in as ${grant.username} (${factorNames[grant.factor]}) until ${localTime(grant.expiresAt)}.`);
    return this.session;
  }

  /** A new sign-in by the chosen method. */
  async signIn(): Promise<StoredSession> {
    const c = this.choice;
    const grant = c.method === 'terminal' ? await terminalLogin(this.api, { clientName: clientName(), username: c.username, passwordStdin: c.passwordStdin, totp: c.totp })
      : c.method === 'device' ? await deviceLogin(this.api, { clientName: clientName(), say, showQr: process.stderr.isTTY === true })
        : await browserLogin(this.api, { clientName: clientName(), say });
    return this.keep(grant);
  }

  /** A browser sign-in with a security key, for a role that needs one. */
  async stepUp(why: string): Promise<StoredSession> {
    const grant = await browserLogin(this.api, { clientName: clientName(), factor: 'webauthn', say, reason: `${why}: confirm with it in the browser.` });
    if (grant.factor !== 'webauthn') throw new GatehouseError('mfa_required', `${why}, but the browser sign-in did not use one`);
    return this.keep(grant);
  }

  /** Runs `fn` with the token; when the saved session has ended, signs in once more and runs it again. */
  async call<T>(fn: (token: string) => Promise<T>): Promise<T> {
    const s = await this.get();
    try {
      return await fn(s.accessToken);
    } catch (e) {
      if (!isGatehouseError(e, 'session_required') || this.fresh) throw e;
      say('Your Gatehouse session has ended; signing in again.');
      return fn((await this.signIn()).accessToken);
    }
  }
}
