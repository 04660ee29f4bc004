/**
 * The inspector page (`/inspect`) in headless Chromium against `serve()` on the default local stack with
 * records: a second page talks to the agent through the fake microphone ("hello robot", then — over the
 * reply — "go to the kitchen"), and the inspector, watching that session, must highlight the states as
 * they happen (read from the SVG's DOM): listening, the reply playing, the barge-in candidate, listening
 * again with the barge-in transition marked and labelled; its waterfall shows each turn by id and words
 * with the server's figures, its history the cut reply. An inspector joining late sees the turns already
 * done. Then the recording opens on its summary and its last step (`session → ended`), one log row per
 * transition, and is stepped through event by event, the chart showing each recorded state.
 * `UPDATE_SCREENSHOTS=1` rewrites docs/inspector.png, docs/inspector-recorded.png (1440 px wide) and their
 * `-1024` versions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config.js';
import { chartLayout } from '../../server/inspect/chart-layout.js';
import { activeIds, parseStateValue } from '../../server/inspect/recorded-feed.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import {
  highlighted,
  openInspector,
  readInspector,
  recordHighlights,
  waitForInspector,
  type InspectorPage,
} from '../support/inspector-browser.js';
import { launchChromium, openPage, writeConversationWav } from '../../sim/page-browser.js';

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

/**
 * Screenshots of the page as it is, at 1440 px wide (docs/<name>.png, which the README shows) and at 1024
 * (docs/<name>-1024.png).
 */
async function shoot(page: InspectorPage, name: string): Promise<void> {
  for (const [width, height] of [
    [1440, 900],
    [1024, 768],
  ] as const) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(300);
    await page.screenshot({ path: width === 1440 ? `docs/${name}.png` : `docs/${name}-${width}.png` });
  }
  await page.setViewportSize({ width: 1440, height: 900 });
}

describe('inspector page', () => {
  it(
    'follows a live session through speech, reply and barge-in, then opens its recording on its ' +
      'summary and last step',
    async () => {
      const inspector = await openInspector(browser, server.http.url);
      await waitForInspector(inspector, 'ready', (h) => h.status === 'ready');
      // Every state of the chart drawn: the dialog's and the actions region's, in two lanes.
      expect(await inspector.locator('#chart .state').count()).toBe((await chartLayout()).nodes.length);
      expect(await inspector.locator('#chart .state[data-state="session.actions.running"]').count()).toBe(1);

      const talker = await openPage(browser, server.http.url);
      await talker.click('#connect');
      await waitForInspector(inspector, 'the session listed', (h) => h.live.length === 1);
      await inspector.click('#live-sessions button.session');
      await waitForInspector(inspector, 'watching', (h) => h.status === 'watching' && h.steps > 0);
      const sessionId = (await readInspector(inspector)).target!;
      expect((await readInspector(inspector)).title).toBe(`live · ${sessionId}`);
      await recordHighlights(inspector);
      expect(server.http.inspect.hub.watchers(sessionId)).toBe(1);

      // The question, its reply, and the barge-in, as the chart's DOM shows them.
      let seen = await highlighted(inspector, 'session.dialog.listening.hearing', 0);
      seen = await highlighted(inspector, 'session.dialog.speaking.reply.playing', seen);
      seen = await highlighted(inspector, 'session.dialog.speaking.user.candidate', seen);
      // The page renders at most once per frame, from messages batched every 200 ms, so a state the chart
      // leaves quickly may be skipped live; the recording below is stepped one event at a time.
      await expect
        .poll(() => inspector.locator('#log-body tr', { hasText: 'after minInterruption' }).count(), {
          timeout: 20_000,
        })
        .toBeGreaterThan(0);
      await highlighted(inspector, 'session.dialog.listening.hearing', seen);
      // Read from the highlights, not the active states: the looping microphone may already have moved on.
      const atBargeIn = await readInspector(inspector);
      const order = [
        'listening.hearing',
        'speaking.reply.playing+user.silent',
        'speaking.reply.playing+user.candidate',
        'listening.hearing',
      ];
      let from = 0;
      for (const state of order) {
        const at = atBargeIn.highlights.findIndex((h, i) => i >= from && h.startsWith(state));
        expect(at, `${state} in ${atBargeIn.highlights.join(' → ')}`).toBeGreaterThanOrEqual(from);
        from = at + 1;
      }

      // The barge-in in the log; the cut reply in the waterfall (its id and words, the server's figures) and the
      // history.
      await expect
        .poll(() => inspector.locator('#log-body tr', { hasText: 'after minInterruption' }).last().innerText())
        .toContain('speaking.user.candidate → listening');
      await inspector.waitForSelector('#waterfall .turn-row.interrupted', { timeout: 10_000 });
      const cutRow = inspector.locator('#waterfall .turn-row.interrupted').first();
      expect(await cutRow.locator('.turn-words').innerText()).toBe('“hello robot”');
      expect(await cutRow.locator('.turn-marks').innerText()).toMatch(
        /^first audio \d+ ms · interrupted \(barge_in\) at \d+ ms$/,
      );
      const figures = (await readInspector(inspector)).turns.find((t) => t.outcome === 'interrupted')!;
      expect(figures).toMatchObject({ from: 'voice_end', words: 'hello robot' });
      expect(figures.endOfTurnMs!).toBeLessThan(figures.transcriptMs!);
      expect(figures.transcriptMs!).toBeLessThanOrEqual(figures.firstAudioMs!);
      // The microphone's recording loops: a cut reply to "hello robot", whichever loop's. (A slow machine may
      // also have cut "Going to the kitchen.", and a cut that came before any word was heard leaves no entry.)
      const cut = inspector
        .locator('#history .entry.assistant.interrupted:not(.pending)', { hasText: 'Hello' })
        .first();
      await cut.waitFor({ timeout: 20_000 });
      const heard = await cut.locator('.heard').innerText();
      expect('Hello! What can I do for you?'.startsWith(heard)).toBe(true);
      expect(heard.length).toBeGreaterThan(0);
      expect(await cut.locator('.unheard').innerText()).toBe(
        'Hello! What can I do for you?'.slice(heard.length).trim(),
      );
      // The session's first words: the recording's first phrase, or on a loaded machine, which may connect only
      // after the microphone has played it, the next one.
      const firstSaid = await inspector.locator('#history .entry.user .heard').first().innerText();
      expect(['hello robot', 'go to the kitchen']).toContain(firstSaid);

      // Joining late: the turns already done are there, not "no turn yet" (no deadline of its own: on a loaded
      // machine the page's first render, not the server's catch-up, is the slow part).
      const late = await openInspector(browser, server.http.url, undefined, `?session=${sessionId}`);
      const joined = await waitForInspector(
        late,
        'joined late',
        (h) => h.status === 'watching' && h.steps > 0 && h.turns.length > 0,
      );
      expect(joined.turns.some((t) => t.turnId === figures.turnId && t.firstAudioMs === figures.firstAudioMs)).toBe(
        true,
      );
      expect(await late.locator('#log-body tr').first().innerText()).toMatch(/joined/);
      await late.close();

      if (screenshots) {
        await inspector.waitForSelector('#history .entry.assistant.interrupted:not(.pending)', { timeout: 10_000 });
        await shoot(inspector, 'inspector');
      }

      // The talker leaves: the session ends, the inspector says so, and the hub lets go.
      await talker.close();
      await waitForInspector(inspector, 'the session ended', (h) => h.status === 'ended');
      expect((await readInspector(inspector)).message).toMatch(/^The session ended \(client_closed\)/);
      expect(server.http.inspect.hub.watched).toBe(0);

      // Its recording: titled by the session, opened on its summary and its last step, the end shown.
      server.records!.flush();
      const recording = server.records!.recording(sessionId);
      const events = server.records!.events(recording.id);
      await inspector.waitForSelector(`#recorded-sessions button.session[data-id="${recording.id}"]`, {
        timeout: 10_000,
      });
      await inspector.click(`#recorded-sessions button.session[data-id="${recording.id}"]`);
      const opened = await waitForInspector(
        inspector,
        'the recording loaded',
        (h) => h.mode === 'recorded' && h.steps === events.length && h.cursor === events.length - 1,
      );
      expect(opened.title).toBe(`recorded · ${sessionId}`);
      expect(opened.summary).toMatchObject({
        sessionId,
        endReason: 'client_closed',
        events: events.length,
        firstUtterance: firstSaid,
        transitions: 'exact',
      });
      expect(await inspector.locator('#summary').innerText()).toContain(`first said: “${firstSaid}”`);
      expect(opened.active).toContain('session.dialog.ended');
      expect(opened.legendMarked).toEqual([
        'control.end → dialog.ended',
        'control.end → actions.ended',
        'control.end → activation.ended',
      ]);
      // The last step's row (the notes after it, such as an action ended by the end, aside).
      expect(await inspector.locator('#log-body tr:not(.note)').last().innerText()).toMatch(
        /control\.end\s+dialog → ended; actions → actions\.ended/,
      );
      // One row per transition: no transition twice in a row of the log.
      for (const row of await inspector.locator('#log-body td.caused').allInnerTexts()) {
        const parts = row.split('; ');
        expect(new Set(parts).size, row).toBe(parts.length);
      }
      const sttFinal = events.findIndex((e) => e.type === 'stt.final');
      expect(await inspector.locator(`#log-body tr[data-index="${sttFinal}"] td.caused`).innerText()).toMatch(
        /^listening\.finalizing → processing(; processing\.(reply|user)\.routing → processing\.(reply|user)\.\w+)*$/,
      );

      // Stepped event by event from the start, the chart shows each recorded state.
      await inspector.click('#step-first');
      for (let i = 0; i < events.length; i++) {
        if (i > 0) await inspector.click('#step-forward');
        const hook = await waitForInspector(inspector, `event ${i}`, (h) => h.cursor === i);
        expect(hook.active.sort(), `event ${i} (${events[i]!.type})`).toEqual(
          [...activeIds(parseStateValue(events[i]!.state))].sort(),
        );
      }
      const bargeIn = events.findIndex((e) => e.type.startsWith('xstate.after.minInterruption'));
      await inspector.click(`#log-body tr[data-index="${bargeIn}"]`);
      const stepped = await waitForInspector(inspector, 'the barge-in picked in the log', (h) => h.cursor === bargeIn);
      expect(stepped.lastTransition).toContain('session.dialog.speaking.user.candidate>session.dialog.listening');
      expect(stepped.labels).toContainEqual({
        edge: 'session.dialog.speaking.user.candidate>session.dialog.listening',
        text: 'after minInterruption',
        last: true,
      });
      await inspector.keyboard.press('ArrowLeft');
      const before = await waitForInspector(inspector, 'one step back', (h) => h.cursor === bargeIn - 1);
      expect(before.active).toContain('session.dialog.speaking.user.candidate');
      // The turns as they stood then: the cut one not cut yet.
      expect(before.turns.find((t) => t.turnId === figures.turnId)?.outcome).toBeUndefined();
      if (screenshots) {
        // Just after the barge-in: the cut reply's playback report has landed, with what was heard.
        await inspector.keyboard.press('ArrowRight');
        await inspector.keyboard.press('ArrowRight');
        await waitForInspector(inspector, 'the playback report', (h) => h.cursor === bargeIn + 1);
        await shoot(inspector, 'inspector-recorded');
      }
      expect(inspector.pageErrors).toEqual([]);
    },
    120_000,
  );
});
