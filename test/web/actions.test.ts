/**
 * Robot actions in view, in headless Chromium against `serve()` on the fakes with the rule policy and no
 * simulated robot: the page types "turn left", the chart publishes `action.request`, and the test — the
 * executor, in process — answers on the session's bus with the same action id: accepted, feedback, result.
 * The page shows the action on the reply that asked as it goes, the inspector watching the session shows
 * it in its event log, on the turn's latency row and in the history. Then a long reply plays and the
 * page's Esc sends `voice_agent.estop`: the server gets `control.estop`, the reply stops (the page silent
 * at once, the server cancels it), and both views mark the emergency stop. The recording shows the same.
 * `UPDATE_SCREENSHOTS=1` rewrites docs/page-actions.png and docs/inspector-actions.png (1440 px and -1024).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusMessage, MessageOf } from '../../bus/messages.js';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';
import { openInspector, waitForInspector } from '../support/inspector-browser.js';
import { launchChromium, openPage, readHook, waitForHook } from '../../sim/page-browser.js';

const dir = mkdtempSync(join(tmpdir(), 'va-actions-view-'));
const STORY =
  'Once upon a time a small robot rolled through a quiet house at night, checking every door and every window, ' +
  'humming to itself while the people slept, and it did not stop until the sun came up.';
let server: VoiceAgentServer;
let browser: Browser;

beforeAll(async () => {
  const rulesPath = join(dir, 'rules.json');
  writeFileSync(
    rulesPath,
    JSON.stringify({
      rules: [
        {
          id: 'turn',
          patterns: ['turn (?<direction>left|right)'],
          reply: 'Turning {direction}.',
          action: { name: 'turn', args: { direction: '{direction}' } },
        },
        { id: 'story', patterns: ['tell me a story'], reply: STORY },
      ],
      fallback: { reply: 'What?' },
    }),
  );
  const config = loadConfig({
    overrides: {
      ...FAKE_ENGINES,
      llm: { engine: 'rules', rulesPath },
      actions: { simulate: false },
      server: { port: 0, drainTimeoutMs: 200 },
    },
  });
  [server, browser] = await Promise.all([
    serve({ config, db: ':memory:', log: silentLogger }),
    launchChromium({ allowMicrophone: false }),
  ]);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Types a message into the page, as a user would. */
async function type(page: Page, text: string): Promise<void> {
  await page.fill('#text-input', text);
  await page.press('#text-input', 'Enter');
}

describe('actions in view', () => {
  it(
    'shows an action from request to result on the page and in the inspector, and the e-stop that ' + 'stops the reply',
    async () => {
      const page = await openPage(browser, server.http.url);
      await page.click('#connect');
      await waitForHook(page, 'connected', (h) => h.status === 'connected' && h.state !== null);
      const sessionId = server.manager.list()[0]!.id;
      const inspector = await openInspector(browser, server.http.url, undefined, `?session=${sessionId}`);
      await waitForInspector(inspector, 'watching', (h) => h.status === 'watching' && h.steps > 0);

      // The executor: every action message of the session, and answers to the request.
      const seen: BusMessage[] = [];
      const { bus } = server;
      const subs = (['action.request', 'action.cancel', 'control.estop'] as const).map((t) =>
        bus.subscribe(bus.subjects.forEvent(sessionId, t), (m) => void seen.push(m)),
      );
      await type(page, 'turn left');
      await expect.poll(() => seen.some((m) => m.type === 'action.request'), { timeout: 10_000 }).toBe(true);
      const request = seen.find((m): m is MessageOf<'action.request'> => m.type === 'action.request')!;
      expect(request).toMatchObject({ name: 'turn', arguments: { direction: 'left' } });
      const answer = (type: 'action.accepted' | 'action.feedback' | 'action.result', extra: object = {}) =>
        bus.publish({ type, sessionId, turnId: request.turnId, actionId: request.actionId, ...extra } as never);

      answer('action.accepted');
      await waitForHook(page, 'the action running', (h) =>
        h.transcript.some((e) => e.actions.some((a) => a.status === 'running')),
      );
      answer('action.feedback', { feedback: { degrees: 45 } });
      await waitForInspector(inspector, 'the feedback', (h) => h.actions.some((a) => a.feedback === 1));
      answer('action.result', { result: 'turned left' });
      const done = await waitForHook(page, 'the action done', (h) =>
        h.transcript.some((e) => e.actions.some((a) => a.status === 'succeeded')),
      );
      const asked = done.transcript.find((e) => e.actions.length > 0)!;
      expect(asked.actions).toEqual([
        {
          actionId: request.actionId,
          name: 'turn',
          arguments: 'direction: left, degrees: 90',
          status: 'succeeded',
          feedback: 1,
          detail: 'turned left',
        },
      ]);
      expect(await page.locator('#transcript .action.succeeded').innerText()).toBe(
        '✓ turn(direction: left, degrees: 90) succeeded · 1 feedback: turned left',
      );

      // The inspector: the lifecycle in the log (the chart's own events with their transitions, the rest as notes),
      // on the asking turn's latency row, and in the history.
      const inspected = await waitForInspector(inspector, 'the action succeeded', (h) =>
        h.actions.some((a) => a.status === 'succeeded'),
      );
      expect(inspected.actions).toEqual([
        expect.objectContaining({
          actionId: request.actionId,
          turnId: request.turnId,
          name: 'turn',
          status: 'succeeded',
          feedback: 1,
        }),
      ]);
      const log = await inspector.locator('#log-body tr.action').allInnerTexts();
      const at = (what: string) => log.findIndex((row) => row.includes(what));
      expect(at('requested turn(direction: left, degrees: 90)'), log.join('\n')).toBeGreaterThanOrEqual(0);
      expect(at('actions.requested → actions.running')).toBeGreaterThan(at('requested turn'));
      expect(at('feedback degrees: 45')).toBeGreaterThan(at('actions.requested → actions.running'));
      expect(at('actions.running → actions.idle')).toBeGreaterThan(at('feedback degrees: 45'));
      expect(
        await inspector
          .locator(`#waterfall .turn-row[data-turn="${request.turnId}"] .action-chip.status-succeeded`)
          .innerText(),
      ).toBe('✓ turn succeeded · 1 feedback');
      expect(
        await inspector.locator(`#history .entry.action[data-action="${request.actionId}"] .badge`).innerText(),
      ).toMatch(/^✓ succeeded/);

      // A long reply, stopped with Esc: silent at once on the page, cancelled by the server.
      await type(page, 'tell me a story');
      const playing = await waitForHook(
        page,
        'the story playing',
        (h) => h.playback.playing && h.transcript.some((e) => e.text.startsWith('Once upon')),
      );
      const story = playing.transcript.find((e) => e.text.startsWith('Once upon'))!;
      await page.keyboard.press('Escape');
      await expect.poll(() => seen.some((m) => m.type === 'control.estop'), { timeout: 5_000 }).toBe(true);
      expect(seen.find((m) => m.type === 'control.estop')).toMatchObject({ source: 'client' });
      const stopped = await waitForHook(
        page,
        'the story stopped',
        (h) =>
          h.transcript.some((e) => e.id === story.id && e.status === 'interrupted') &&
          h.transcript.some((e) => e.code === 'estop'),
      );
      expect(stopped.estops).toEqual([expect.objectContaining({ via: 'key' })]);
      const flush = stopped.playback.flushes.find((f) => f.responseId === story.id)!;
      expect(flush.reason).toBe('estop');
      const played = stopped.playback.replies.find((r) => r.responseId === story.id)!;
      expect(played.lastAtMs).toBeLessThanOrEqual(flush.silentAtMs);
      // Nothing of it plays afterwards.
      await page.waitForTimeout(500);
      expect((await readHook(page)).playback.replies.find((r) => r.responseId === story.id)!.frames).toBe(
        played.frames,
      );
      expect(await page.locator('#transcript .turn.notice.estop').innerText()).toContain('Emergency stop');
      // The declared `stop` the e-stop sent goes with it, not on a reply.
      await expect
        .poll(() => page.locator('#transcript .turn.notice.estop .action', { hasText: 'stop()' }).count())
        .toBe(1);
      expect((await readHook(page)).transcript.filter((e) => e.role === 'agent' && e.text === '')).toEqual([]);

      const estop = await waitForInspector(inspector, 'the e-stop marked', (h) => h.estop !== null);
      expect(estop.estop).toMatch(/^⚠ EMERGENCY STOP \(client\) at \d+ ms/);
      expect(await inspector.locator('#estop').isVisible()).toBe(true);
      expect(await inspector.locator('#log-body tr.estop').count()).toBeGreaterThanOrEqual(1);

      if (process.env['UPDATE_SCREENSHOTS'] === '1') {
        for (const [shot, p] of [
          ['page-actions', page],
          ['inspector-actions', inspector],
        ] as const) {
          for (const [width, height] of [
            [1440, 900],
            [1024, 768],
          ] as const) {
            await p.setViewportSize({ width, height });
            await p.waitForTimeout(300);
            await p.screenshot({
              path: width === 1440 ? `docs/${shot}.png` : `docs/${shot}-${width}.png`,
              fullPage: shot === 'page-actions',
            });
          }
        }
      }
      for (const sub of subs) sub.unsubscribe();
      expect(page.pageErrors).toEqual([]);

      // The recording tells the same: the request and the e-stop in the log, the action in the history.
      await page.close();
      await waitForInspector(inspector, 'the session ended', (h) => h.status === 'ended');
      server.records!.flush();
      const recording = server.records!.recording(sessionId);
      await inspector.click(`#recorded-sessions button.session[data-id="${recording.id}"]`);
      const recorded = await waitForInspector(
        inspector,
        'the recording',
        // The hook's actions and e-stop are drawn a frame after the steps arrive: wait for the drawing too.
        (h) =>
          h.mode === 'recorded' &&
          h.steps === server.records!.events(recording.id).length &&
          h.estop !== null &&
          h.actions.length >= 2,
      );
      expect(recorded.notes).toBeGreaterThan(0);
      // The action, and the declared `stop` the e-stop sent (not tracked: requested, nothing more).
      expect(recorded.actions).toEqual([
        expect.objectContaining({ actionId: request.actionId, status: 'succeeded' }),
        expect.objectContaining({ name: 'stop', status: 'requested' }),
      ]);
      expect(
        await inspector.locator('#log-body tr.note.action', { hasText: 'requested turn(direction: left' }).count(),
      ).toBe(1);
      expect(await inspector.locator('#log-body tr.estop').count()).toBeGreaterThanOrEqual(1);
      expect(recorded.estop).toMatch(/^⚠ EMERGENCY STOP/);
      expect(inspector.pageErrors).toEqual([]);
    },
    60_000,
  );
});
