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
  [key: string]: unknown;
}

/** The template engine: output escaped by default (STYLE.md §12); templates get a view model only. */
const eta = new Eta({ views: viewsDir, autoEscape: true, cache: process.env.NODE_ENV === 'production', defaultExtension: '.eta' });

/** Renders `views/<name>.eta` with its model. */
export function renderView(name: string, model: PageModel): string {
  return eta.render(name, model);
}
