/**
 * The inspector page (`/inspect`) in headless Chromium against `serve()` on the default local stack with
 * records: a second page talks to the agent through the fake microphone ("hello robot", then — over the
 * reply — "go to the kitchen"), and the inspector, watching that session, must highlight the states as
 * they happen (read from the SVG's DOM): listening, the reply playing, the barge-in candidate, listening
 * again with the barge-in transition marked; its log, waterfall and history must show the cut reply.
 * Then the recorded session is stepped through event by event, the chart showing each recorded state.
 * `UPDATE_SCREENSHOTS=1` rewrites docs/inspector.png and docs/inspector-recorded.png.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.js';
import { activeIds, parseStateValue } from '../../server/inspect/recorded-feed.js';
import { silentLogger } from '../../server/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import type { InspectorHook } from '../../web/inspect-hook.js';
import { launchChromium, openPage, writeConversationWav } from '../support/page-browser.js';

const dir = mkdtempSync(join(tmpdir(), 'va-inspector-'));
const screenshots = process.env['UPDATE_SCREENSHOTS'] === '1';
let server: VoiceAgentServer;
let browser: Browser;

beforeAll(async () => {
  const [started, recording] = await Promise.all([
    serve({ config: loadConfig({ overrides: { server: { port: 0 } } }), db: ':memory:', log: silentLogger }),
    writeConversationWav(join(dir, 'microphone.wav')),
  ]);
  server = started;
  browser = await launchChromium({ microphoneWav: recording.path });
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function openInspector(): Promise<Page & { pageErrors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1500, height: 980 } });
  const page = Object.assign(await context.newPage(), { pageErrors: [] as string[] });
  page.on('pageerror', (error) => page.pageErrors.push(String(error)));
  await page.goto(`${server.http.url}/inspect`);
  return page;
}

const readInspector = (page: Page) => page.evaluate(() => (globalThis as unknown as { voiceAgentInspector: InspectorHook }).voiceAgentInspector);

async function waitForInspector(page: Page, what: string, done: (hook: InspectorHook) => boolean, timeoutMs = 20_000): Promise<InspectorHook> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hook = await readInspector(page);
    if (done(hook)) return hook;
    if (Date.now() > deadline) throw new Error(`the inspector did not reach "${what}" within ${timeoutMs} ms: ${JSON.stringify({ ...hook, highlights: hook.highlights.slice(-20) })}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The little of the page's DOM `recordHighlights` uses (the tests compile without DOM typings). */
interface PageDom {
  document: { querySelector(selector: string): PageElement | null };
  MutationObserver: new (callback: () => void) => { observe(target: PageElement, options: object): void };
}
interface PageElement {
  querySelectorAll(selector: string): Iterable<{ dataset: Record<string, string | undefined> }>;
}

/**
 * Records, in the page, each state the chart's DOM highlights from now on, in order (a state counts
 * again each time it is highlighted anew). Why not poll the DOM: a barge-in candidate is highlighted for
 * ~0.3–0.7 s (its 500 ms, give or take the feed's 200 ms batches), Playwright polls a selector every
 * 500 ms, and the fake microphone's loop can keep the two in step: a poll missed every candidate of a
 * run (1 run in 5–7).
 */
const recordHighlights = (page: Page) =>
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
    new MutationObserver(note).observe(chart, { subtree: true, childList: true, attributes: true, attributeFilter: ['class'] });
    note();
    (globalThis as unknown as { highlightLog: string[] }).highlightLog = log;
  });

/**
 * Waits until the chart's DOM highlights `stateId` at position `from` or later of the page's log
 * (`recordHighlights`); returns the position after it, for the next state of a sequence.
 */
const highlighted = async (page: Page, stateId: string, from: number): Promise<number> => {
  const at = await page.waitForFunction(
    ([id, start]) => (globalThis as unknown as { highlightLog: string[] }).highlightLog.indexOf(id, start) + 1 || undefined,
    [stateId, from] as const,
    { timeout: 20_000, polling: 50 },
  );
  return (await at.jsonValue()) as number;
};

describe('inspector page', () => {
  it('follows a live session through speech, reply and barge-in, then steps through its recording', async () => {
    const inspector = await openInspector();
    await waitForInspector(inspector, 'ready', (h) => h.status === 'ready');
    expect(await inspector.locator('#chart .state').count()).toBe(35);

    const talker = await openPage(browser, server.http.url);
    await talker.click('#connect');
    await waitForInspector(inspector, 'the session listed', (h) => h.live.length === 1);
    await inspector.click('#live-sessions button.session');
    await waitForInspector(inspector, 'watching', (h) => h.status === 'watching' && h.steps > 0);
    const sessionId = (await readInspector(inspector)).target!;
    await recordHighlights(inspector);
    expect(server.http.inspect.hub.watchers(sessionId)).toBe(1);

    // The question, its reply, and the barge-in, as the chart's DOM shows them.
    let seen = await highlighted(inspector, 'session.listening.hearing', 0);
    seen = await highlighted(inspector, 'session.speaking.reply.playing', seen);
    seen = await highlighted(inspector, 'session.speaking.user.candidate', seen);
    // The page renders at most once per frame, from messages batched every 200 ms, so a state the chart
    // leaves quickly (a pause soon after the barge-in) may be skipped live; the recording below is stepped
    // one event at a time and checks every transition exactly.
    await expect.poll(() => inspector.locator('#log-body tr', { hasText: 'after minInterruption' }).count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await highlighted(inspector, 'session.listening.hearing', seen);
    const atBargeIn = await readInspector(inspector);
    expect(atBargeIn.active).toContain('session.listening.hearing');
    // Whatever it joined into, the highlights follow the conversation from there (the inspector joins a
    // second or two after the talker connects: its list refreshes every 2 s).
    const order = ['listening.hearing', 'speaking.reply.playing+user.silent', 'speaking.reply.playing+user.candidate', 'listening.hearing'];
    let from = 0;
    for (const state of order) {
      const at = atBargeIn.highlights.findIndex((h, i) => i >= from && h.startsWith(state));
      expect(at, `${state} in ${atBargeIn.highlights.join(' → ')}`).toBeGreaterThanOrEqual(from);
      from = at + 1;
    }
    if (screenshots) {
      // Let the cut reply's playback report land, so the history shows what was heard.
      await inspector.waitForSelector('#history .entry.assistant.interrupted:not(.pending)', { timeout: 10_000 });
      await inspector.screenshot({ path: 'docs/inspector.png' });
    }

    // The barge-in in the log, the cut reply in the waterfall and the history.
    await expect.poll(() => inspector.locator('#log-body tr', { hasText: 'after minInterruption' }).last().innerText()).toContain('speaking.user.candidate → listening');
    await inspector.waitForSelector('#waterfall .turn-row.interrupted', { timeout: 10_000 });
    expect(await inspector.locator('#waterfall .turn-row.interrupted .turn-marks').first().innerText()).toMatch(/^first audio \d+ ms · interrupted \d+ ms$/);
    // The microphone's recording loops: every question's reply is cut the same way.
    const cut = inspector.locator('#history .entry.assistant.interrupted:not(.pending)').first();
    await cut.waitFor({ timeout: 10_000 });
    const heard = await cut.locator('.heard').innerText();
    expect('Hello! What can I do for you?'.startsWith(heard)).toBe(true);
    expect(heard.length).toBeGreaterThan(0);
    expect(await cut.locator('.unheard').innerText()).toBe('Hello! What can I do for you?'.slice(heard.length).trim());
    expect(await inspector.locator('#history .entry.user .heard').first().innerText()).toBe('hello robot');

    // The talker leaves: the session ends, the inspector says so, and the hub lets go.
    await talker.close();
    await waitForInspector(inspector, 'the session ended', (h) => h.status === 'ended');
    expect(server.http.inspect.hub.watched).toBe(0);

    // Its recording, stepped event by event.
    server.records!.flush();
    const recording = server.records!.recording(sessionId);
    const events = server.records!.events(recording.id);
    await inspector.waitForSelector(`#recorded-sessions button.session[data-id="${recording.id}"]`, { timeout: 10_000 });
    await inspector.click(`#recorded-sessions button.session[data-id="${recording.id}"]`);
    await waitForInspector(inspector, 'the recording loaded', (h) => h.mode === 'recorded' && h.steps === events.length && h.cursor === 0);
    for (let i = 0; i < events.length; i++) {
      if (i > 0) await inspector.click('#step-forward');
      const hook = await waitForInspector(inspector, `event ${i}`, (h) => h.cursor === i);
      expect(hook.active.sort(), `event ${i} (${events[i]!.type})`).toEqual([...activeIds(parseStateValue(events[i]!.state))].sort());
    }
    const bargeIn = events.findIndex((e) => e.type.startsWith('xstate.after.minInterruption'));
    await inspector.click(`#log-body tr[data-index="${bargeIn}"]`);
    const stepped = await waitForInspector(inspector, 'the barge-in picked in the log', (h) => h.cursor === bargeIn);
    // The barge-in marked and labelled (a recording stores states, so the page infers the event's transition).
    expect(stepped.lastTransition).toContain('session.speaking.user.candidate|xstate.after.minInterruption.session.speaking.user.candidate|0>session.listening');
    expect(await inspector.locator('#chart .last-label text').allTextContents()).toContain('after minInterruption [wordsSatisfied]');
    await inspector.keyboard.press('ArrowLeft');
    const before = await waitForInspector(inspector, 'one step back', (h) => h.cursor === bargeIn - 1);
    expect(before.active).toContain('session.speaking.user.candidate');
    if (screenshots) {
      // Just after the barge-in: the cut reply's playback report has landed, with what was heard.
      await inspector.keyboard.press('ArrowRight');
      await inspector.keyboard.press('ArrowRight');
      await waitForInspector(inspector, 'the playback report', (h) => h.cursor === bargeIn + 1);
      await inspector.screenshot({ path: 'docs/inspector-recorded.png' });
    }
    expect(inspector.pageErrors).toEqual([]);
  }, 90_000);

  it('asks for an API key when the server wants one', async () => {
    const key = 'inspector-test-key-0123456789';
    const keyed = await serve({ config: loadConfig({ overrides: { server: { port: 0, apiKeys: [key], drainTimeoutMs: 200 } } }), log: silentLogger });
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${keyed.http.url}/inspect`);
      await waitForInspector(page, 'the key prompt', (h) => h.status === 'key_required');
      expect(await page.locator('#key-form').isVisible()).toBe(true);
      await page.fill('#api-key', 'not-the-key');
      await page.press('#api-key', 'Enter');
      await waitForInspector(page, 'the wrong key refused', (h) => h.status === 'key_required' && h.message === 'The server refused this API key.');
      await page.fill('#api-key', key);
      await page.press('#api-key', 'Enter');
      await waitForInspector(page, 'ready with the key', (h) => h.status === 'ready');
      expect(await page.locator('#key-form').isHidden()).toBe(true);
      // A session on the keyed server, watched through the subprotocol.
      const session = await keyed.manager.create({ sessionId: 'keyed-1' });
      await waitForInspector(page, 'the session listed', (h) => h.live.includes('keyed-1'));
      await page.click('#live-sessions button.session[data-id="keyed-1"]');
      await recordHighlights(page);
      const seen = await highlighted(page, 'session.idle.waiting', 0);
      session.handle.sendText('hello robot');
      await highlighted(page, 'session.speaking.reply.playing', seen);
      await context.close();
    } finally {
      await keyed.stop();
    }
  }, 30_000);
});
