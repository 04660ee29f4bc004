/**
 * The inspector's views in headless Chromium, on the deterministic fake engines (typed turns, no models):
 * the chart as drawn at 1280×800 — its crossings, routes and size printed, the active states and the last
 * transition in view; a reply cut by a page reload, told as such by the page after it reloads, by the live
 * view and by the recording; the layout at 1024 px (nothing cut off); an unknown session; a server that
 * stops; and the key prompt of a server that wants an API key.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config.js';
import { chartLayout } from '../../server/inspect/chart-layout.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';
import {
  drawnChart,
  highlighted,
  openInspector,
  readInspector,
  recordHighlights,
  waitForInspector,
} from '../support/inspector-browser.js';
import { launchChromium, openPage, waitForHook } from '../../sim/page-browser.js';

let server: VoiceAgentServer;
let browser: Browser;
/**
 * Why 400 ms a word: the reply (16 words, 6.4 s) must still be playing when the page reloads. At the
 * fakes' 100 ms a word it lasted 1.6 s, and a loaded CI machine once took longer than that to reload.
 */
const SLOW_SPEECH = { ...FAKE_ENGINES.tts, engines: [{ engine: 'fake', latencyMs: 5, msPerWord: 400 }] } as const;

beforeAll(async () => {
  [server, browser] = await Promise.all([
    serve({
      config: loadConfig({
        overrides: { ...FAKE_ENGINES, tts: SLOW_SPEECH, server: { port: 0, drainTimeoutMs: 200 } },
      }),
      db: ':memory:',
      log: silentLogger,
    }),
    launchChromium({ allowMicrophone: false }),
  ]);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe('inspector views', () => {
  it(
    'draws the chart at 1280×800 with few crossings, and keeps the active states and the last ' + 'transition in view',
    async () => {
      const session = await server.manager.create({ sessionId: 'chart-1' });
      const inspector = await openInspector(browser, server.http.url, { width: 1280, height: 800 }, '?session=chart-1');
      await waitForInspector(inspector, 'watching', (h) => h.status === 'watching' && h.steps > 0);
      const measures = await drawnChart(inspector);
      console.log(
        `chart at 1280×800: ${measures.crossings} crossings, ${measures.edges} drawn edges, ${measures.width} × ` +
          `${measures.height} px, shown at ${measures.scale}× in a ${measures.panel.width} × ` +
          `${measures.panel.height} panel (whole chart at ${measures.fitScale}×), ${measures.visible.width} × ` +
          `${measures.visible.height} px of it in view`,
      );
      // With the barge-in's onset (`user.quietAfterOnset`): 7 crossings, 92 routes; with the actions region
      // beside the dialog before it: 5 crossings (all in the dialog), 71 routes. Every route drawn.
      expect(measures.crossings).toBeLessThanOrEqual(7);
      expect(measures.edges).toBe((await chartLayout()).edges.length);
      await recordHighlights(inspector);
      session.handle.sendText('hello robot');
      await highlighted(inspector, 'session.dialog.speaking.reply.playing', 0);
      const hook = await waitForInspector(inspector, 'the reply marked', (h) =>
        h.lastTransition.includes('session.dialog.processing.reply>session.dialog.speaking'),
      );
      const inView = await inspector.evaluate(() => {
        const { document } = globalThis as unknown as {
          document: {
            querySelector(s: string): { getAttribute(n: string): string | null } | null;
            querySelectorAll(s: string): Iterable<{ getAttribute(n: string): string | null }>;
          };
        };
        const [x, y, w, h] = document.querySelector('#chart')!.getAttribute('viewBox')!.split(' ').map(Number) as [
          number,
          number,
          number,
          number,
        ];
        const inside = (px: number, py: number) => px >= x - 1 && px <= x + w + 1 && py >= y - 1 && py <= y + h + 1;
        const boxes = [...document.querySelectorAll('#chart .state.active.atomic > rect')].map(
          (r) =>
            ['x', 'y', 'width', 'height'].map((k) => Number(r.getAttribute(k))) as [number, number, number, number],
        );
        const routes = [...document.querySelectorAll('#chart .transition.last polyline')].flatMap((p) =>
          p
            .getAttribute('points')!
            .trim()
            .split(/\s+/)
            .map((s) => s.split(',').map(Number) as [number, number]),
        );
        return {
          states: boxes.every(([bx, by, bw, bh]) => inside(bx, by) && inside(bx + bw, by + bh)),
          routes: routes.every(([px, py]) => inside(px, py)),
        };
      });
      expect(inView).toEqual({ states: true, routes: true });
      // The transition taken is labelled, and so are those that can come next from the active states.
      expect(hook.labels).toContainEqual({
        edge: 'session.dialog.processing.reply>session.dialog.speaking',
        text: 'playback.started',
        last: true,
      });
      expect(hook.labels.some((l) => !l.last && l.edge.startsWith('session.dialog.speaking.user.silent>'))).toBe(true);
      await inspector.close();
      await server.manager.end('chart-1', 'client_closed');
    },
    30_000,
  );

  it(
    'tells a reply cut by a page reload: on the page after it reloads, in the live view and in the ' +
      'recording; nothing cut off at 1024 px',
    async () => {
      const talker = await openPage(browser, server.http.url);
      await talker.click('#connect');
      await waitForHook(
        talker,
        'connected',
        (h) => h.status === 'connected' && h.message?.code === 'microphone_denied',
      );
      // Before anything is said, the page shows where the session stands.
      await expect.poll(() => talker.locator('#state-detail').innerText()).toMatch(/^idle\.waiting\s+←\s+connected$/);
      const inspector = await openInspector(browser, server.http.url, { width: 1024, height: 768 });
      await waitForInspector(inspector, 'the session listed', (h) => h.live.length === 1);
      await inspector.click('#live-sessions button.session');
      const sessionId = (await waitForInspector(inspector, 'watching', (h) => h.status === 'watching' && h.steps > 0))
        .target!;
      await recordHighlights(inspector);
      await talker.fill('#text-input', 'hello robot');
      await talker.press('#text-input', 'Enter');
      await highlighted(inspector, 'session.dialog.speaking.reply.playing', 0);
      await waitForHook(talker, 'the reply playing', (h) => h.playback.playing);
      await talker.reload();

      const page = await waitForHook(talker, 'the reload told', (h) => h.message?.code === 'reloaded');
      expect(page.message).toMatchObject({ kind: 'info' });
      expect(page.message!.text).toContain(`session ${sessionId} ended with it, in the middle of a reply`);
      const live = await waitForInspector(
        inspector,
        'the session ended',
        (h) => h.status === 'ended' && h.history.some((e) => e.badge.startsWith('disconnected')),
      );
      const cut = live.history.find((e) => e.badge.startsWith('disconnected'))!;
      expect(cut).toMatchObject({ role: 'assistant', interrupted: true, pending: true });
      expect('Hello there. Here is a reply long enough to take a while to say out loud.'.startsWith(cut.text)).toBe(
        true,
      );
      expect(await inspector.locator('#history .entry.disconnected .badge').innerText()).toMatch(
        /^disconnected: cut when the session ended/,
      );

      // At 1024 px every panel fits: nothing runs off the page or out of its panel.
      const fits = await inspector.evaluate(() => {
        const { document, innerWidth } = globalThis as unknown as {
          innerWidth: number;
          document: {
            documentElement: { scrollWidth: number };
            querySelector(s: string): {
              getBoundingClientRect(): { right: number };
              scrollWidth: number;
              clientWidth: number;
            };
          };
        };
        const log = document.querySelector('#log');
        return {
          page: document.documentElement.scrollWidth <= innerWidth,
          details: document.querySelector('#details').getBoundingClientRect().right <= innerWidth,
          log: log.scrollWidth <= document.querySelector('#log-scroll').clientWidth + 1,
        };
      });
      expect(fits).toEqual({ page: true, details: true, log: true });

      server.records!.flush();
      const recording = server.records!.recording(sessionId);
      await inspector.goto(`${server.http.url}/inspect?recording=${recording.id}`);
      // Loaded and drawn at its last step (the hook's history is the drawn one).
      const recorded = await waitForInspector(
        inspector,
        'the recording loaded',
        (h) => h.mode === 'recorded' && h.summary !== null && h.steps === h.summary.events && h.cursor === h.steps - 1,
      );
      expect(recorded.summary).toMatchObject({ sessionId, endReason: 'client_closed', firstUtterance: 'hello robot' });
      expect(recorded.history.find((e) => e.role === 'assistant')).toMatchObject({ text: cut.text, badge: cut.badge });
      expect(inspector.pageErrors).toEqual([]);
      expect(talker.pageErrors).toEqual([]);
      await inspector.close();
      await talker.close();
    },
    45_000,
  );

  it('says so for an unknown session and for a server that stopped', async () => {
    const other = await serve({
      config: loadConfig({ overrides: { ...FAKE_ENGINES, server: { port: 0, drainTimeoutMs: 200 } } }),
      log: silentLogger,
    });
    try {
      const inspector = await openInspector(browser, other.http.url, { width: 1280, height: 800 }, '?session=nope');
      const unknown = await waitForInspector(inspector, 'the unknown session', (h) => h.status === 'failed');
      expect(unknown.message).toBe(
        'No live session “nope” on this server: it may have ended (its recording is under Recorded) or run on ' +
          'another server.',
      );
      await other.manager.create({ sessionId: 'soon-gone' });
      await waitForInspector(inspector, 'the session listed', (h) => h.live.includes('soon-gone'));
      await other.stop();
      const gone = await waitForInspector(inspector, 'the server gone', (h) => h.status === 'unreachable', 10_000);
      expect(gone.live).toEqual([]);
      expect(gone.message).toMatch(
        new RegExp(
          String.raw`^The voice-agent server at http://127\.0\.0\.1:\d+ does not answer: ` +
            String.raw`is it running\? Trying again in \d+ s\.$`,
        ),
      );
      expect(await inspector.locator('#live-sessions').innerText()).toBe('server unreachable');
      await inspector.close();
    } finally {
      await other.stop();
    }
  }, 30_000);

  it('asks for an API key when the server wants one', async () => {
    const key = 'inspector-test-key-0123456789';
    const keyed = await serve({
      config: loadConfig({ overrides: { ...FAKE_ENGINES, server: { port: 0, apiKeys: [key], drainTimeoutMs: 200 } } }),
      log: silentLogger,
    });
    try {
      const page = await openInspector(browser, keyed.http.url);
      await waitForInspector(page, 'the key prompt', (h) => h.status === 'key_required');
      expect(await page.locator('#key-form').isVisible()).toBe(true);
      await page.fill('#api-key', 'not-the-key');
      await page.press('#api-key', 'Enter');
      await waitForInspector(
        page,
        'the wrong key refused',
        (h) => h.status === 'key_required' && h.message === 'The server refused this API key.',
      );
      await page.fill('#api-key', key);
      await page.press('#api-key', 'Enter');
      await waitForInspector(page, 'ready with the key', (h) => h.status === 'ready');
      expect(await page.locator('#key-form').isHidden()).toBe(true);
      // A session on the keyed server, watched through the subprotocol.
      const session = await keyed.manager.create({ sessionId: 'keyed-1' });
      await waitForInspector(page, 'the session listed', (h) => h.live.includes('keyed-1'));
      await page.click('#live-sessions button.session[data-id="keyed-1"]');
      await recordHighlights(page);
      const seen = await highlighted(page, 'session.dialog.idle.waiting', 0);
      session.handle.sendText('hello robot');
      await highlighted(page, 'session.dialog.speaking.reply.playing', seen);
      expect((await readInspector(page)).turns.map((t) => t.turnId)).toContain('t1');
      await page.close();
    } finally {
      await keyed.stop();
    }
  }, 30_000);
});
