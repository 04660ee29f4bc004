/**
 * The browser page in headless Chromium (Debian's chromium via playwright-core) against `serve()` on the
 * default local stack (WebRTC VAD → pocketsphinx with the robot grammar → rules → flite). The fake
 * microphone plays a flite recording: "hello robot", then — while the reply plays — "go to the kitchen".
 * The page must show the user's transcript and the session states, play the reply through its worklet,
 * and go silent when the recording talks over it, with the reply marked interrupted. Also: the messages
 * for a server that wants an API key, a dropped connection, an unreachable server and a denied microphone.
 * Its latency list names each turn and its words, newest first, the interrupted reply marked; its state
 * history wraps between the parts of a state, never inside a word.
 * `UPDATE_SCREENSHOTS=1` rewrites docs/page.png (1440 px wide) and docs/page-1024.png from the conversation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config.js';
import { silentLogger } from '../../runtime/logger.js';
import { serve, type VoiceAgentServer } from '../../server/serve.js';
import { FAKE_ENGINES } from '../support/fake-config.js';
import {
  CONVERSATION,
  launchChromium,
  openPage,
  pageMeasurements,
  waitForHook,
  writeConversationWav,
} from '../../sim/page-browser.js';

const dir = mkdtempSync(join(tmpdir(), 'va-page-'));
let server: VoiceAgentServer;
let browser: Browser;

beforeAll(async () => {
  const [started, recording] = await Promise.all([
    serve({ config: loadConfig({ overrides: { server: { port: 0 } } }), log: silentLogger }),
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

describe('browser page', () => {
  it('hears the question, plays the reply, and goes silent when the user talks over it', async () => {
    const page = await openPage(browser, server.http.url);
    await page.click('#connect');
    const first = await waitForHook(page, 'the question transcribed', (h) =>
      h.transcript.some((e) => e.role === 'user' && e.text === CONVERSATION.question),
    );
    expect(first.status).toBe('connected');
    expect(first.message).toBeNull();

    // The reply to "hello robot" plays, then the recording talks over it.
    // The reply cut with what was heard of it. Another reply may be marked interrupted before (an earlier
    // one cut before any of it played has nothing heard), so the same test picks the entry.
    // With its flush too: the worklet reports that on its own port, and under load after the server's events.
    type Hook = typeof first;
    const cutWithHeard = (h: Hook) =>
      h.transcript.find(
        (e) =>
          e.role === 'agent' &&
          e.status === 'interrupted' &&
          e.heard !== null &&
          h.playback.flushes.some((f) => f.responseId === e.id),
      );
    const cut = await waitForHook(
      page,
      'the reply cut by the barge-in, and its flush',
      (h) => cutWithHeard(h) !== undefined,
    );
    const reply = cutWithHeard(cut)!;
    expect(reply.text).toBe('Hello! What can I do for you?');
    // What was heard is a non-empty beginning of it, not all of it.
    expect(reply.heard!.length).toBeGreaterThan(0);
    expect(reply.text.startsWith(reply.heard!)).toBe(true);
    expect(reply.heard!.length).toBeLessThan(reply.text.length);
    const flush = cut.playback.flushes.find((f) => f.responseId === reply.id)!;
    expect(flush.reason).toBe('speech_started');
    expect(flush.playedMs).toBeGreaterThan(200);
    const played = cut.playback.replies.find((r) => r.responseId === reply.id)!;
    // Frames reached the worklet and were played, then none after the flush: silent from there on.
    expect(played.frames).toBeGreaterThan(10);
    expect(played.lastAtMs).toBeLessThanOrEqual(flush.silentAtMs);
    expect(cut.events.some((e) => e.type === 'response.done')).toBe(true);

    if (process.env['UPDATE_SCREENSHOTS'] === '1') {
      // Mid-conversation: the cut reply marked, the answer to the barge-in playing with the mouth open.
      await waitForHook(
        page,
        'the mouth open',
        (h) => h.playback.playing && h.mouth.level > 0.3 && h.transcript.some((e) => e.text.startsWith('Going')),
      );
      for (const [width, height] of [
        [1440, 900],
        [1024, 768],
      ] as const) {
        await page.setViewportSize({ width, height });
        await page.screenshot({ path: width === 1440 ? 'docs/page.png' : `docs/page-${width}.png`, fullPage: true });
      }
      await page.setViewportSize({ width: 1100, height: 780 });
    }
    // The barge-in itself is heard and answered in full.
    const answered = await waitForHook(page, 'the barge-in answered', (h) =>
      h.transcript.some((e) => e.role === 'agent' && e.status === 'done' && e.text === 'Going to the kitchen.'),
    );
    // (The recording loops: with screenshots taken, its next question may have begun.)
    expect(
      answered.transcript
        .filter((e) => e.role === 'user')
        .map((e) => e.text)
        .slice(0, 2),
    ).toEqual([CONVERSATION.question, CONVERSATION.bargeIn]);
    expect(answered.transcript.find((e) => e.text === 'Going to the kitchen.')!.intents).toEqual([
      'navigate({"place":"kitchen"})',
    ]);

    const states = answered.states.map((s) => s.value.split('.')[0]);
    for (const state of ['listening', 'processing', 'speaking', 'idle']) expect(states).toContain(state);
    const measured = pageMeasurements(answered);
    expect(measured.firstAudioMs.length).toBeGreaterThanOrEqual(2);
    expect(measured.onsetToSilentMs.length).toBeGreaterThanOrEqual(1);
    // The mouth moves only as frames start playing (each carries its delta's lip-sync event), not as they arrive.
    expect(answered.mouth.updates).toBeGreaterThan(answered.playback.framesPlayed / 2);
    expect(answered.mouth.updates).toBeLessThanOrEqual(answered.playback.framesPlayed);

    // What the page shows.
    const text = (selector: string) => page.locator(selector).first().innerText();
    expect(await text('#transcript .turn.user .text')).toBe(CONVERSATION.question);
    // The reply cut above, by its id: the recording loops, and a slow machine may have cut later ones by now.
    const cutItem = `#transcript .turn.agent.interrupted[data-id="${reply.id}"]`;
    expect(await text(`${cutItem} .badge`)).toMatch(/^interrupted — heard: “Hello!?/);
    expect(await text(`${cutItem} .unheard`)).not.toBe('');
    // Newest first, by turn id and words; the reply cut by the barge-in marked. The server's figures of the
    // last turn (`voice_agent.turn.latency`, the line under the wait) may come a little after its reply is done.
    const kitchen = /^u\d+\s+“go to the kitchen”\s+\d+ ms\n/;
    await expect
      .poll(async () => (await page.locator('#latency li').allInnerTexts()).some((t) => kitchen.test(t)), {
        timeout: 5_000,
      })
      .toBe(true);
    const latency = await page.locator('#latency li').allInnerTexts();
    const ids = latency.map((t) => Number(/^u(\d+)/.exec(t)?.[1]));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(await page.locator('#latency li.interrupted').first().innerText()).toMatch(
      /^u\d+\s+“hello robot”\s+\d+ ms\n.*interrupted \(barge_in\)$/s,
    );
    // The state history wraps between a state's parts, not inside a word.
    const splitWords = await page.evaluate(() => {
      const { document } = globalThis as unknown as {
        document: {
          createRange(): {
            setStart(n: unknown, o: number): void;
            setEnd(n: unknown, o: number): void;
            getClientRects(): { length: number };
          };
          querySelectorAll(
            s: string,
          ): Iterable<{ childNodes: Iterable<{ nodeType: number; textContent: string | null }> }>;
        };
      };
      const broken: string[] = [];
      for (const li of document.querySelectorAll('#states li, #state-detail')) {
        for (const node of li.childNodes) {
          if (node.nodeType !== 3) continue;
          for (const word of (node.textContent ?? '').matchAll(/\S+/g)) {
            const range = document.createRange();
            range.setStart(node, word.index!);
            range.setEnd(node, word.index! + word[0].length);
            if (range.getClientRects().length > 1) broken.push(word[0]);
          }
        }
      }
      return broken;
    });
    expect(splitWords).toEqual([]);
    expect(await text('#state-detail')).toMatch(/^(idle|listening|processing|speaking)\./);
    expect(page.pageErrors).toEqual([]);
    await page.close();
  }, 45_000);

  it(
    'asks for an API key only when the server needs one, says when the connection drops and when the ' +
      'server is gone',
    async () => {
      const key = 'page-test-key-0123456789';
      const keyed = await serve({
        config: loadConfig({
          overrides: { ...FAKE_ENGINES, server: { port: 0, apiKeys: [key], drainTimeoutMs: 200 } },
        }),
        log: silentLogger,
      });
      try {
        const page = await openPage(browser, keyed.http.url);
        expect(await page.locator('#key-form').isHidden()).toBe(true);
        await page.click('#connect');
        let hook = await waitForHook(page, 'the key prompt', (h) => h.status === 'failed');
        expect(hook.message).toMatchObject({ kind: 'error', code: 'api_key_required' });
        expect(await page.locator('#key-form').isVisible()).toBe(true);

        await page.fill('#api-key', 'not-the-key');
        await page.press('#api-key', 'Enter');
        hook = await waitForHook(
          page,
          'the wrong key refused',
          (h) => h.status === 'failed' && h.message?.code === 'api_key_refused',
        );
        expect(await page.locator('#message').innerText()).toContain('refused this API key');

        await page.fill('#api-key', key);
        await page.press('#api-key', 'Enter');
        hook = await waitForHook(
          page,
          'connected with the key',
          (h) => h.status === 'connected' && h.microphone.active,
        );
        expect(hook.message).toBeNull();
        expect(await page.locator('#key-form').isHidden()).toBe(true);
        // The key never lands in the page's storage.
        expect(
          await page.evaluate(
            'JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + ' + 'document.cookie',
          ),
        ).not.toContain(key);

        await keyed.stop();
        hook = await waitForHook(page, 'the drop reported', (h) => h.status === 'failed');
        expect(hook.message).toMatchObject({ kind: 'error', code: 'server_closed' });
        expect(hook.microphone.active).toBe(false);

        await page.click('#connect');
        hook = await waitForHook(
          page,
          'the server unreachable',
          (h) => h.status === 'failed' && h.message?.code === 'unreachable',
        );
        expect(await page.locator('#message').innerText()).toMatch(
          /^Cannot reach the voice-agent server at http:\/\/127\.0\.0\.1:\d+/,
        );
        expect(page.pageErrors).toEqual([]);
      } finally {
        await keyed.stop();
      }
    },
    30_000,
  );

  it('says so when the microphone is denied, and still connects for typed messages', async () => {
    const denying = await launchChromium({ allowMicrophone: false });
    try {
      const page = await openPage(denying, server.http.url);
      await page.click('#connect');
      const hook = await waitForHook(page, 'the microphone denied', (h) => h.message !== null);
      expect(hook.message).toMatchObject({ kind: 'warning', code: 'microphone_denied' });
      expect(await page.locator('#message').innerText()).toMatch(/^Microphone access was denied/);
      expect(hook.status).toBe('connected');
      expect(hook.microphone.active).toBe(false);

      await page.fill('#text-input', 'turn left');
      await page.press('#text-input', 'Enter');
      // The reply's text can be done before its first frame leaves the page's player: wait for both.
      const answered = await waitForHook(
        page,
        'the typed message answered and its first audio played',
        (h) =>
          h.transcript.some((e) => e.role === 'agent' && e.status === 'done' && e.text === 'Turning left.') &&
          h.turns.some((t) => t.startedBy === 'text' && t.firstAudioMs !== null),
      );
      expect(answered.turns.find((t) => t.startedBy === 'text')?.firstAudioMs).toBeGreaterThanOrEqual(0);
      expect(page.pageErrors).toEqual([]);
    } finally {
      await denying.close();
    }
  }, 30_000);
});
