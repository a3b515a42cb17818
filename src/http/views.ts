import { Eta } from 'eta';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const viewsDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'views');

/** Common fields every page's view model carries (set by the HTTP layer, never by templates). */
export interface PageModel {
  title: string;
  /** CSRF token for forms on the page. */
  csrf?: string;
  /** Signed-in person, for the header. */
  user?: { username: string; displayName: string | null; isAdmin: boolean } | null;
  /** An error to announce (role=alert). */
  error?: string | null;
  /** A notice to announce (role=status). */
  notice?: string | null;
  /** The code of `error` (a form shown again), so a page can tell which of its fields the error is about. */
  errorCode?: string | null;
  /** Per form field (by its name): why it was refused, for views/partials/field.eta (`error`). */
  fieldErrors?: Record<string, string>;
  [key: string]: unknown;
}

/**
 * The template engine: output escaped by default (STYLE.md §12); templates get a view model only. Templates are
 * read and compiled once, except with NODE_ENV=development (edit a template, reload the page): reading and
 * compiling one on every request was a large part of an SSO's cost when NODE_ENV was unset (`npm start`).
 */
export const eta = new Eta({ views: viewsDir, autoEscape: true, cache: process.env.NODE_ENV !== 'development', defaultExtension: '.eta' });

/** Renders `views/<name>.eta` with its model. */
export function renderView(name: string, model: PageModel): string {
  return eta.render(name, model);
}
