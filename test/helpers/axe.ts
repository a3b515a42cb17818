/**
 * Accessibility checks in real Chromium: axe-core (node_modules/axe-core/axe.min.js) run inside a playwright page,
 * and "does this page scroll sideways" at the page's viewport width.
 *
 *   await assertNoAxeViolations(page, 'login at 390 px');   // fails listing each serious/critical rule, help and nodes
 *   await assertNoSidewaysScroll(page, 'login at 390 px');  // fails naming the elements wider than the viewport
 *
 * The pages' strict CSP (script-src 'self') would refuse an injected <script>; axe's source is evaluated through
 * the DevTools protocol instead (`page.evaluate(source)`), which CSP does not govern, so pages are checked with
 * the headers they really send.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The impacts that fail a page. */
export const failingImpacts = ['serious', 'critical'] as const;

/** One axe rule broken on a page, with the elements that break it. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: { target: string[]; failureSummary: string }[];
}

/** Runs axe-core on the page as it is now; returns the violations of impact serious or critical. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe === 'object');
  if (!loaded) await page.evaluate(axeSource);
  const all = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: AxeViolation[] }> } }).axe;
    const r = await axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String), failureSummary: n.failureSummary ?? '' })),
    }));
  });
  return all.filter((v) => (failingImpacts as readonly (string | null)[]).includes(v.impact));
}

/** One line per violation and node, for a failure message. */
export function describeViolations(violations: readonly AxeViolation[]): string {
  return violations.map((v) => `- ${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) => `    ${n.target.join(' ')}: ${n.failureSummary.replace(/\s+/g, ' ')}`).join('\n')}`).join('\n');
}

/** Fails (naming each rule, its help and the elements) when axe finds a serious or critical problem on the page. */
export async function assertNoAxeViolations(page: Page, where: string): Promise<void> {
  const v = await axeViolations(page);
  assert.equal(v.length, 0, `axe-core finds ${v.length} serious or critical problem(s) on ${where} (${page.url()}):\n${describeViolations(v)}`);
}

/** How wide the page's content is against the viewport, and the visible elements that stick out on the right. */
export async function sidewaysOverflow(page: Page): Promise<{ scrollWidth: number; clientWidth: number; wide: string[] }> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const wide: string[] = [];
    // No named functions in here: tsx (esbuild keepNames) would wrap them in a __name() the page does not have.
    for (const el of Array.from(document.body.querySelectorAll('*'))) {
      const r = el.getBoundingClientRect();
      let scrollsInside = false;
      for (let a = el.parentElement; a && a !== document.body && !scrollsInside; a = a.parentElement) scrollsInside = getComputedStyle(a).overflowX !== 'visible';
      if (r.width > 0 && r.right > root.clientWidth + 0.5 && !scrollsInside) {
        // Only the outermost element that sticks out: its children usually do too.
        if (el.parentElement && el.parentElement.getBoundingClientRect().right > root.clientWidth + 0.5) continue;
        const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
        wide.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${cls} (right edge ${Math.round(r.right)} px)`);
      }
    }
    return { scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, wide: wide.slice(0, 10) };
  });
}

/** Fails when the page scrolls sideways at its current viewport width (document wider than the window). */
export async function assertNoSidewaysScroll(page: Page, where: string): Promise<void> {
  const o = await sidewaysOverflow(page);
  assert.ok(o.scrollWidth <= o.clientWidth, `${where} scrolls sideways: ${o.scrollWidth} px of content in ${o.clientWidth} px (${page.url()}); too wide: ${o.wide.join(', ') || 'none found'}`);
}
