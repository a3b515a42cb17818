/**
 * What the HTML error page offers besides the message (issue 11, "no dead ends"): the top menu for a signed-in
 * person, the next steps that fit the error (start again at /login with the original return path when the flow is
 * known, continue a sign-in that is still open, the portal, the account page), and a note for a person who was
 * setting up an authenticator app when it went wrong.
 */
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../context.js';
import type { ErrorCode } from '../errors.js';
import { glanceAtFlow, type FlowGlance } from '../auth/flow/storedFlow.js';
import { loginUrl } from '../auth/flow/returnTo.js';
import { flowCookieName, isFullSession, pageUser } from './guards.js';
import type { PageModel } from './views.js';

/** One link under the message; the first is the main one. */
export interface NextStep { href: string; label: string }

/** The error page's fields besides title, message and code. */
export interface ErrorPageExtras { user: PageModel['user']; csrf?: string; steps: NextStep[]; note: string | null }

/** Errors after which the sign-in (or the step in it) has to start again. */
const restartCodes: readonly ErrorCode[] = ['flow_expired', 'flow_invalid', 'csrf_invalid', 'session_required', 'mfa_required', 'enrollment_required'];

/** Where a sign-in that is still open continues, by the flow's state. */
const continueAt: Partial<Record<FlowGlance['state'], NextStep>> = {
  mfa: { href: '/login/mfa', label: 'Continue signing in' },
  'enroll-mfa': { href: '/login/enroll', label: 'Continue setting up' },
  'recovery-codes': { href: '/login/recovery-codes', label: 'Continue setting up' },
};

/** Said when an authenticator-app enrollment must start again: the seed already scanned will never work. */
export const DELETE_SCANNED_ENTRY = 'If you already scanned a QR code, delete that entry from your authenticator app: '
  + 'starting again gives you a new one, and the old entry will never work.';

/**
 * The next steps after an error of `code`, first the main one: for an error that ends a sign-in, continue it when it
 * is still open and the error says to finish it, else start again (back to the flow's return path afterwards); then
 * the portal, unless the sign-in goes on (the portal would refuse again), and for a signed-in person the account page.
 */
export function nextSteps(o: { code: ErrorCode; signedIn: boolean; flow?: FlowGlance }): NextStep[] {
  const steps: NextStep[] = [];
  const open = o.flow && !o.flow.expired ? continueAt[o.flow.state] : undefined;
  const goesOn = open !== undefined && (o.code === 'mfa_required' || o.code === 'enrollment_required');
  if (goesOn) steps.push(open);
  if (restartCodes.includes(o.code)) {
    const back = o.flow?.returnTo ?? '/';
    steps.push({ href: back === '/' ? '/login' : loginUrl(back), label: o.code === 'session_required' ? 'Sign in' : 'Start again' });
  }
  // The portal is where a person who must finish signing in is refused: while the sign-in can go on, it is no way out.
  if (!goesOn) steps.push({ href: '/', label: 'Back to the portal' });
  if (o.signedIn) steps.push({ href: '/account', label: 'Your account' });
  return steps.filter((s, i) => steps.findIndex((t) => t.href === s.href) === i);
}

/**
 * The error page's extras for `req`: who is signed in (for the menu), the flow the browser holds (expired or not),
 * the next steps and the note. Never fails: without the store (it may be why the request failed), no menu and no flow.
 */
export async function errorPageExtras(ctx: AppContext, req: FastifyRequest, code: ErrorCode): Promise<ErrorPageExtras> {
  const session = req.session && isFullSession(req.session) ? req.session : null;
  const user = session ? await pageUser(ctx, session).catch(() => null) : null;
  const flow = await glanceAtFlow(ctx, req.cookies?.[flowCookieName(ctx)]).catch(() => undefined);
  const enrollingTotp = flow?.enrollingTotp === true || (req.url.split('?')[0] ?? '') === '/login/enroll/totp';
  return {
    user, ...(user && session ? { csrf: session.csrf } : {}),
    steps: nextSteps({ code, signedIn: user !== null, flow }),
    note: enrollingTotp && restartCodes.includes(code) ? DELETE_SCANNED_ENTRY : null,
  };
}
