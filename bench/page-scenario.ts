/**
 * `--scenario page`: the browser page in headless Chromium against `serve()` on the local stack, its
 * fake microphone looping the test recording of `test/web/page.test.ts` ("hello robot", then "go to the
 * kitchen" over the reply). Each loop gives two replies — the user's end of speech (the last voiced sound,
 * on the page's clock) → first audio played by the page's worklet — and one barge-in: from the user's
 * first sound, and from `input_audio_buffer.speech_started`, to the page silent (the worklet confirmed its
 * flush). The server's own figure from the same end of speech to its first frame sent shows what the page adds.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../runtime/config.js';
import { silentLogger } from '../runtime/logger.js';
import { serve } from '../server/serve.js';
import { createTimelineRecorder } from '../runtime/timeline.js';
import { turnLatency } from '../runtime/turn-latency.js';
import {
  CHROMIUM_PATH,
  CONVERSATION,
  launchChromium,
  openPage,
  pageMeasurements,
  waitForHook,
  writeConversationWav,
} from '../sim/page-browser.js';
import { percentile, round } from './stats.js';

type P50P95 = { p50: number; p95: number };

export interface PageRow {
  scenario: 'page';
  loops: number;
  replies: number;
  /** The user's end of speech → the reply's first frame started by the page's playback worklet. */
  firstAudioMs: P50P95;
  /** The user's end of speech → the server's first frame of the reply sent (the server's share of the above). */
  serverFirstAudioMs: P50P95;
  bargeIns: number;
  /** The user's first sound (the page's microphone onset) → the page silent. */
  onsetToSilentMs: P50P95;
  /** `input_audio_buffer.speech_started` received → the page silent. */
  speechStartedToSilentMs: P50P95;
  audioContextRateHz: number;
  /** What the browser reports between the worklet and the loudspeaker (not in the numbers above). */
  outputLatencyMs: number;
}

const p50p95 = (samples: number[]): P50P95 => ({
  p50: round(percentile(samples, 50)),
  p95: round(percentile(samples, 95)),
});

export async function runPageScenario(loops: number, progress: (line: string) => void): Promise<PageRow | undefined> {
  if (!existsSync(CHROMIUM_PATH)) {
    progress(`  skipped: no ${CHROMIUM_PATH} (bin/setup.sh --tests installs it)`);
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'va-bench-page-'));
  const server = await serve({ config: loadConfig({ overrides: { server: { port: 0 } } }), log: silentLogger });
  const recording = await writeConversationWav(join(dir, 'microphone.wav'));
  const browser = await launchChromium({ microphoneWav: recording.path });
  try {
    const page = await openPage(browser, server.http.url);
    await page.click('#connect');
    await waitForHook(page, 'connected', (h) => h.status === 'connected' && h.microphone.active);
    const timeline = createTimelineRecorder(server.bus, server.manager.list()[0]!.id);
    const answered = (text: string) => (h: Parameters<typeof pageMeasurements>[0]) =>
      h.transcript.filter((e) => e.role === 'agent' && e.status === 'done' && e.text === text).length;
    let reported = 0;
    // Why twice the recording per loop plus 20 s: a loaded machine may be slow, but a stalled page is not waited for
    // forever.
    const hook = await waitForHook(
      page,
      `${loops} loops`,
      (h) => {
        const done = answered('Going to the kitchen.')(h);
        if (done > reported) progress(`  loop ${(reported = done)}/${loops}`);
        return done >= loops;
      },
      loops * recording.durationMs * 2 + 20_000,
    );
    const measured = pageMeasurements(hook);
    // The server's share, from the same end of speech as the page's (the last voiced frame): `turn-latency.ts`.
    const server_ = timeline.turns().flatMap((t) => {
      const figures = turnLatency(t);
      return figures?.from === 'voice_end' && figures.firstAudioMs !== undefined ? [figures.firstAudioMs] : [];
    });
    timeline.close();
    progress(
      `  ${CONVERSATION.question} / ${CONVERSATION.bargeIn}: ${measured.firstAudioMs.length} replies, ` +
        `${measured.speechStartedToSilentMs.length} barge-ins`,
    );
    return {
      scenario: 'page',
      loops,
      replies: measured.firstAudioMs.length,
      firstAudioMs: p50p95(measured.firstAudioMs),
      serverFirstAudioMs: p50p95(server_),
      bargeIns: measured.speechStartedToSilentMs.length,
      onsetToSilentMs: p50p95(measured.onsetToSilentMs),
      speechStartedToSilentMs: p50p95(measured.speechStartedToSilentMs),
      audioContextRateHz: hook.playback.sampleRateHz,
      outputLatencyMs: hook.playback.outputLatencyMs,
    };
  } finally {
    await browser.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
