/**
 * The frame of every admin console page: the person's header, the console's section menu (views/admin/_nav.eta)
 * with the current section marked, and the session's CSRF value for the page's forms.
 */
import type { FastifyReply } from 'fastify';
import type { AppContext } from '../context.js';
import type { AdminActor } from './adminAuth.js';
import { pageUser } from './guards.js';
import { fieldErrorsOf, formError, sendPage } from './signIn.js';
import type { PageModel } from './views.js';

/** The console's sections, in menu order: path and label. */
export const adminSections = [
  { id: 'overview', path: '/admin', label: 'Overview' },
  { id: 'people', path: '/admin/people', label: 'People' },
  { id: 'groups', path: '/admin/groups', label: 'Groups' },
  { id: 'accounts', path: '/admin/accounts', label: 'AWS accounts' },
  { id: 'sps', path: '/admin/service-providers', label: 'Service providers' },
  { id: 'keys', path: '/admin/keys', label: 'Signing keys' },
  { id: 'audit', path: '/admin/audit', label: 'Audit log' },
  { id: 'tokens', path: '/admin/tokens', label: 'API tokens' },
  { id: 'api', path: '/api/v1/reference', label: 'API reference' },
] as const;

export type AdminSection = (typeof adminSections)[number]['id'];

/** Sends `views/<view>.eta` (e.g. `admin/people`) inside the console frame. */
export async function sendAdminPage(ctx: AppContext, reply: FastifyReply, actor: AdminActor, view: string, section: AdminSection, model: Omit<PageModel, 'csrf' | 'user'> & { title: string }, status = 200): Promise<FastifyReply> {
  return sendPage(reply, view, {
    ...model, csrf: actor.session?.csrf, user: await pageUser(ctx, actor.session ?? null),
    adminNav: adminSections.map((s) => ({ path: s.path, label: s.label, current: s.id === section })),
  }, status);
}

/**
 * A console form's change was refused: when the form can show why (`formError`: bad fields, a conflict), sends its
 * page again with the error announced, each refused field marked (`fieldErrors`) and the error's status; anything
 * else is thrown on to the error handler. Use in the form's `catch`.
 */
export async function sendAdminFormError(ctx: AppContext, reply: FastifyReply, actor: AdminActor, view: string, section: AdminSection, model: Omit<PageModel, 'csrf' | 'user'> & { title: string }, e: unknown): Promise<FastifyReply> {
  const shown = formError(e);
  if (!shown) throw e;
  return sendAdminPage(ctx, reply, actor, view, section, { ...model, error: shown.message, fieldErrors: fieldErrorsOf(shown) }, shown.status);
}
