/**
 * Headless Chromium driving the browser page (`web/`) against a real `voice-agent serve`: Debian's
 * `/usr/bin/chromium` through `playwright-core`, a fake microphone that plays a WAV file (Chromium loops
 * it), and the page's test hook `window.voiceAgentPage`. Shared by `test/web/page.test.ts` and the
 * `page` benchmark (`bench/page-scenario.ts`).
 *
 * @example
 * ```ts
 * const recording = await writeConversationWav(join(dir, 'mic.wav'));
 * const browser = await launchChromium({ microphoneWav: recording.path });
 * const page = await openPage(browser, server.http.url);
 * await page.click('#connect');
 * const hook = await waitForHook(page, 'a reply played', (h) => h.playback.framesPlayed > 0);
 * ```
 */
import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type Page } from 'playwright-core';
import { encodeWav } from '../adapters/audio/wav.js';
import { createFliteTts } from '../adapters/tts/flite.js';
import type { PageHook } from '../web/page-hook.js';

export type { PageHook };

export const CHROMIUM_PATH = '/usr/bin/chromium';
const FLITE_RATE_HZ = 16_000;

/** One loop of the fake microphone: a question, then — while its reply plays — a command over it. */
export const CONVERSATION = {
  /** Why 500 ms: a quiet start, as a user who has just clicked Connect. */
  leadSilenceMs: 500,
  question: 'hello robot',
  /**
   * Why 1350 ms: the barge-in is accepted about this long into the reply ("Hello! What can I do for you?",
   * 2.2 s; measured: 1.40–1.51 s in at 1500 ms, 1.73–1.80 s at 1800), so "Hello!" (~0.5 s) and a word or
   * two are heard and ~0.85 s of the reply is left. The page stops playing when the server cuts the reply
   * (`speech_started` comes with the cut, not at the first sound), so a cut that comes after the reply's
   * end leaves nothing to cut: under load the cut comes later (the words of the barge-in take longer to
   * recognize), and 1650 ms (~0.55 s left) once let a loaded run's reply play to its end.
   */
  bargeInAfterMs: 1350,
  bargeIn: 'go to the kitchen',
  /** Why 3000 ms: the hangover plus "Going to the kitchen." (1.3 s) play to the end before the file loops. */
  tailSilenceMs: 3000,
} as const;

export interface ConversationRecording {
  path: string;
  /** One loop of the file (Chromium plays it over and over). */
  durationMs: number;
}

async function speak(text: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of createFliteTts().synthesize({ text, signal: new AbortController().signal }))
    parts.push(chunk);
  return new Uint8Array(Buffer.concat(parts));
}

/** Writes {@link CONVERSATION} spoken by flite as a 16-bit mono WAV at 16 kHz (Chromium resamples it). */
export async function writeConversationWav(path: string): Promise<ConversationRecording> {
  const silence = (ms: number) => new Uint8Array((FLITE_RATE_HZ / 1000) * ms * 2);
  const parts = [
    silence(CONVERSATION.leadSilenceMs),
    await speak(CONVERSATION.question),
    silence(CONVERSATION.bargeInAfterMs),
    await speak(CONVERSATION.bargeIn),
    silence(CONVERSATION.tailSilenceMs),
  ];
  const pcm = new Uint8Array(Buffer.concat(parts));
  writeFileSync(path, encodeWav(pcm, FLITE_RATE_HZ));
  return { path, durationMs: pcm.byteLength / 2 / (FLITE_RATE_HZ / 1000) };
}

/**
 * Why these levels: the page's onset threshold (web/microphone.js, ≈ −66 dBFS) and the VAD's silence floor (−50 dBFS).
 */
const ONSET_LEVEL = 0.0005;
const FLOOR_LEVEL = 10 ** (-50 / 20);

export interface UtteranceRecording extends ConversationRecording {
  /**
   * Where the speech is in the file, ms: its first sound (above the page's onset level) and its end (the last sample
   * above the −50 dBFS floor).
   */
  speech: { onsetMs: number; endMs: number };
}

/**
 * Writes `text` spoken by flite between `leadMs` and `tailMs` of digital silence (16 kHz mono WAV), and where
 * its speech begins and ends, read from the samples: a recording whose end of speech is known.
 */
export async function writeUtteranceWav(
  path: string,
  text: string,
  leadMs: number,
  tailMs: number,
): Promise<UtteranceRecording> {
  const silence = (ms: number) => new Uint8Array((FLITE_RATE_HZ / 1000) * ms * 2);
  const pcm = new Uint8Array(Buffer.concat([silence(leadMs), await speak(text), silence(tailMs)]));
  const samples = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2);
  const above = (level: number) => (s: number) => Math.abs(s) / 32768 > level;
  const toMs = (index: number) => (index / FLITE_RATE_HZ) * 1000;
  const onset = samples.findIndex(above(ONSET_LEVEL));
  const end = samples.findLastIndex(above(FLOOR_LEVEL));
  writeFileSync(path, encodeWav(pcm, FLITE_RATE_HZ));
  return { path, durationMs: toMs(samples.length), speech: { onsetMs: toMs(onset), endMs: toMs(end + 1) } };
}

export interface ChromiumOptions {
  /** The fake microphone's WAV; absent: Chromium's fake device beeps. */
  microphoneWav?: string;
  /** Grant the microphone without asking (default true); false: a page asking for it is denied. */
  allowMicrophone?: boolean;
}

/** Headless Chromium with a fake microphone, in a new empty profile. */
export function launchChromium(options: ChromiumOptions = {}): Promise<Browser> {
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--use-fake-device-for-media-stream',
    ...(options.allowMicrophone === false ? [] : ['--use-fake-ui-for-media-stream']),
    ...(options.microphoneWav ? [`--use-file-for-fake-audio-capture=${options.microphoneWav}`] : []),
  ];
  return chromium.launch({ executablePath: CHROMIUM_PATH, args });
}

/**
 * Opens the page a server serves at `/`, in a fresh context. `pageErrors` collects the page's uncaught
 * exceptions (the browser's own console lines about refused requests are expected in failure tests).
 */
export async function openPage(browser: Browser, serverUrl: string): Promise<Page & { pageErrors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 780 } });
  const page = Object.assign(await context.newPage(), { pageErrors: [] as string[] });
  page.on('pageerror', (error) => page.pageErrors.push(String(error)));
  await page.goto(`${serverUrl}/`);
  return page;
}

export function readHook(page: Page): Promise<PageHook> {
  return page.evaluate(() => (globalThis as unknown as { voiceAgentPage: PageHook }).voiceAgentPage);
}

/** Polls the test hook until `done` holds; on timeout the error says what was awaited and what the page showed. */
export async function waitForHook(
  page: Page,
  what: string,
  done: (hook: PageHook) => boolean,
  timeoutMs = 20_000,
): Promise<PageHook> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hook = await readHook(page);
    if (done(hook)) return hook;
    if (Date.now() > deadline) {
      const summary = {
        status: hook.status,
        message: hook.message,
        state: hook.state?.value,
        transcript: hook.transcript,
        events: hook.events.slice(-30).map((e) => e.type),
      };
      throw new Error(`the page did not reach "${what}" within ${timeoutMs} ms: ${JSON.stringify(summary)}`);
    }
    await sleep(50);
  }
}

/** What the page measured: its latencies, from the test hook. */
export interface PageMeasurements {
  /**
   * The user's end of speech (the last voiced sound, on the page's clock) → the reply's first frame started by the
   * playback worklet.
   */
  firstAudioMs: number[];
  /** The user's barge-in speech began (the microphone's quiet → loud onset) → the worklet confirmed silence. */
  onsetToSilentMs: number[];
  /** `input_audio_buffer.speech_started` received → the worklet confirmed silence. */
  speechStartedToSilentMs: number[];
}

export function pageMeasurements(hook: PageHook): PageMeasurements {
  const bargeIns = hook.playback.flushes.filter((f) => f.reason === 'speech_started');
  const onsetBefore = (atMs: number) => hook.microphone.onsetsAtMs.filter((t) => t <= atMs).at(-1);
  return {
    firstAudioMs: hook.turns
      .filter((t) => t.startedBy === 'speech' && t.firstAudioMs !== null)
      .map((t) => t.firstAudioMs!),
    onsetToSilentMs: bargeIns.flatMap((f) => {
      const onset = onsetBefore(f.requestedAtMs);
      return onset === undefined ? [] : [f.silentAtMs - onset];
    }),
    speechStartedToSilentMs: bargeIns.map((f) => f.silentAtMs - f.requestedAtMs),
  };
}
