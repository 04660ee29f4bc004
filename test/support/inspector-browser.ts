/**
 * Driving the inspector page (`/inspect`) in headless Chromium: open it, read its test hook
 * (`window.voiceAgentInspector`, web/inspect-hook.d.ts), wait for it, record what the chart's DOM
 * highlights, and measure the chart the page drew (crossings, routes, size, what is in view). Shared by
 * the inspector's browser tests.
 *
 * @example
 * ```ts
 * const inspector = await openInspector(browser, server.http.url, { width: 1280, height: 800 });
 * await waitForInspector(inspector, 'ready', (h) => h.status === 'ready');
 * console.log(await drawnChart(inspector)); // { crossings, edges, width, height, view }
 * ```
 */
import type { Browser, Page } from 'playwright-core';
import { measureChart, type ChartMeasures } from '../../server/inspect/chart-measure.js';
import type { InspectorHook } from '../../web/inspect-hook.js';

export type InspectorPage = Page & { pageErrors: string[] };

export async function openInspector(
  browser: Browser,
  serverUrl: string,
  viewport = { width: 1440, height: 900 },
  query = '',
): Promise<InspectorPage> {
  const context = await browser.newContext({ viewport });
  const page = Object.assign(await context.newPage(), { pageErrors: [] as string[] });
  page.on('pageerror', (error) => page.pageErrors.push(String(error)));
  await page.goto(`${serverUrl}/inspect${query}`);
  return page;
}

export const readInspector = (page: Page) =>
  page.evaluate(() => (globalThis as unknown as { voiceAgentInspector: InspectorHook }).voiceAgentInspector);

export async function waitForInspector(
  page: Page,
  what: string,
  done: (hook: InspectorHook) => boolean,
  timeoutMs = 20_000,
): Promise<InspectorHook> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hook = await readInspector(page);
    if (done(hook)) return hook;
    if (Date.now() > deadline)
      throw new Error(
        `the inspector did not reach "${what}" within ${timeoutMs} ms: ` +
          `${JSON.stringify({ ...hook, highlights: hook.highlights.slice(-20) })}`,
      );
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The little of the page's DOM these helpers use (the tests compile without DOM typings). */
interface PageDom {
  document: {
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): Iterable<PageElement>;
  };
  MutationObserver: new (callback: () => void) => { observe(target: PageElement, options: object): void };
  fetch(url: string): Promise<{ json(): Promise<{ width: number; height: number }> }>;
}
interface PageElement {
  dataset: Record<string, string | undefined>;
  classList: { contains(name: string): boolean };
  parentElement: PageElement | null;
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): Iterable<PageElement>;
  getAttribute(name: string): string | null;
  getBoundingClientRect(): { width: number; height: number };
}

/**
 * Records, in the page, each state the chart's DOM highlights from now on, in order (a state counts
 * again each time it is highlighted anew). Why not poll the DOM: a barge-in candidate is highlighted for
 * ~0.3–0.7 s (its 500 ms, give or take the feed's 200 ms batches), Playwright polls a selector every
 * 500 ms, and the fake microphone's loop can keep the two in step: a poll missed every candidate of a
 * run (1 run in 5–7).
 */
export const recordHighlights = (page: Page) =>
  page.evaluate(() => {
    const { document, MutationObserver } = globalThis as unknown as PageDom;
    const log: string[] = [];
    let before = new Set<string>();
    const chart = document.querySelector('#chart')!;
    const note = () => {
      const now = new Set([...chart.querySelectorAll('.state.active')].map((g) => g.dataset['state']!));
      for (const id of now) if (!before.has(id)) log.push(id);
      before = now;
    };
    new MutationObserver(note).observe(chart, {
      subtree: true,
      childList: true,
      attributes: true,
      attributeFilter: ['class'],
    });
    note();
    (globalThis as unknown as { highlightLog: string[] }).highlightLog = log;
  });

/**
 * Waits until the chart's DOM highlights `stateId` at position `from` or later of the page's log
 * (`recordHighlights`); returns the position after it, for the next state of a sequence.
 */
export const highlighted = async (page: Page, stateId: string, from: number): Promise<number> => {
  const at = await page.waitForFunction(
    ([id, start]) =>
      (globalThis as unknown as { highlightLog: string[] }).highlightLog.indexOf(id, start) + 1 || undefined,
    [stateId, from] as const,
    { timeout: 20_000, polling: 50 },
  );
  return (await at.jsonValue()) as number;
};

export interface DrawnChartMeasures extends ChartMeasures {
  /** The chart's panel on screen, px. */
  panel: { width: number; height: number };
  /** The zoom the page shows it at, and at which the whole chart would fit. */
  scale: number;
  fitScale: number;
  /** How much of the chart is in view, px on screen (of `width × height` at this zoom). */
  visible: { width: number; height: number };
}

/** The chart as the page drew it, read from its SVG: crossings and routes measured on the drawn routes. */
export async function drawnChart(page: Page): Promise<DrawnChartMeasures> {
  const drawn = await page.evaluate(async () => {
    const { document, fetch } = globalThis as unknown as PageDom;
    const layout = await (await fetch('/inspect/api/chart')).json();
    const svg = document.querySelector('#chart')!;
    const points = (text: string) =>
      text
        .trim()
        .split(/\s+/)
        .map((p) => ({ x: Number(p.split(',')[0]), y: Number(p.split(',')[1]) }));
    const edges = [...svg.querySelectorAll('.transition polyline')].map((p) => ({
      id: p.parentElement!.getAttribute('data-edge')!,
      points: points(p.getAttribute('points')!),
    }));
    const nodes = [...svg.querySelectorAll('.state')].map((g) => {
      const r = g.querySelector('rect')!;
      const n = (name: string) => Number(r.getAttribute(name));
      return {
        id: g.dataset['state']!,
        x: n('x'),
        y: n('y'),
        width: n('width'),
        height: n('height'),
        leaf: g.classList.contains('atomic') || g.classList.contains('final'),
      };
    });
    const [vx, vy, vw, vh] = svg.getAttribute('viewBox')!.split(' ').map(Number) as [number, number, number, number];
    const box = svg.getBoundingClientRect();
    return {
      width: layout.width,
      height: layout.height,
      nodes,
      edges,
      view: { x: vx, y: vy, width: vw, height: vh },
      panel: { width: box.width, height: box.height },
    };
  });
  const scale = drawn.panel.width / drawn.view.width;
  const seen = (from: number, size: number, total: number) =>
    Math.max(0, Math.min(from + size, total) - Math.max(from, 0)) * scale;
  return {
    ...measureChart(drawn),
    panel: { width: Math.round(drawn.panel.width), height: Math.round(drawn.panel.height) },
    scale: Number(scale.toFixed(3)),
    fitScale: Number(Math.min(drawn.panel.width / drawn.width, drawn.panel.height / drawn.height).toFixed(3)),
    visible: {
      width: Math.round(seen(drawn.view.x, drawn.view.width, drawn.width)),
      height: Math.round(seen(drawn.view.y, drawn.view.height, drawn.height)),
    },
  };
}
