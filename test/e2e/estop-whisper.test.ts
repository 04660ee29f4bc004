/**
 * The emergency stop with a Whisper-class recognizer (`stt.engine: openai` against a stand-in
 * transcription server that really transcribes and answers 250 ms after the upload, and gives no partial
 * transcripts), closed loop on the local 16 kHz stack with the real VAD, the rule policy and flite: the
 * reference robot navigates, a long reply plays, flite says "stop" into the real-time microphone. The stop
 * comes from either fast path alone, the other switched off: the microphone's stop spotter (`source:
 * 'spotter'`) or the local grammar decoder's partials (`session.estop.localRecognizer`, `source: 'phrase'`).
 * Either publishes it before the recognizer has even been asked about the utterance (which the stop then
 * drops: it is never uploaded); it cuts the reply, cancels the navigation and sends `stop` once, and the
 * utterance is not answered.
 *
 * Latencies are the bench's (`npm run bench -- --scenario estop`); here only the order of what happened.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startWhisperStandIn } from '../../sim/whisper-standin.js';
import { createFliteTts } from '../../adapters/tts/flite.js';
import type { BusMessage } from '../../bus/messages.js';
import { speakPhrases } from '../../sim/estop-audio.js';
import { startRobotSession } from '../support/robot-session.js';
import { estopConfig, STORY_PROMPT } from '../../sim/estop-stacks.js';

/** Why 700 ms: well into the reply's playback, as the e-stop bench speaks its phrases. */
const INTO_REPLY_MS = 700;

const cleanups: Array<() => Promise<void>> = [];
/** What the session said and did (no audio, tokens or states), for a failure's message. */
const trace: string[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  trace.length = 0;
});

async function until(what: string, predicate: () => boolean, timeoutMs = 45_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!predicate()) {
    if (performance.now() > deadline)
      throw new Error(
        `e-stop with a Whisper-class recognizer: timed out waiting for ${what}; heard: ${trace.join(', ')}`,
      );
    await sleep(10);
  }
}

const FAST_PATHS = [
  // The learned heads are a spotter too (source `spotter`): each path alone, the others off.
  {
    name: 'the microphone spotter',
    estop: { spotter: true, localRecognizer: false },
    keyword: true,
    source: 'spotter',
  },
  {
    name: 'the local grammar decoder',
    estop: { spotter: false, localRecognizer: true },
    keyword: false,
    source: 'phrase',
  },
] as const;

describe('emergency stop with a Whisper-class recognizer, closed loop', () => {
  it.each(FAST_PATHS)(
    '$name stops before the transcription server is asked: reply cut, navigation cancelled, stop sent once',
    async ({ estop: paths, keyword, source }) => {
      const whisper = await startWhisperStandIn({ answerMs: 250 });
      cleanups.push(() => whisper.close());
      const sessionId = `estop-whisper-${source}`;
      // A first TTS chunk may be slow on a loaded machine: the reply must play, not fail over.
      const config = estopConfig({
        stt: { engine: 'openai', baseUrl: whisper.baseUrl, model: 'whisper-standin' },
        session: { timeouts: { ttsFirstChunkMs: 10_000 }, estop: paths },
        keyword: { enabled: keyword },
      });
      const [spoken] = await speakPhrases(
        [{ name: 'flite', engine: createFliteTts() }],
        ['stop'],
        [config.audio.inputRateHz],
      );
      const word = spoken!.byRate.get(config.audio.inputRateHz)!;
      const { engines, session, mic, seen, close } = await startRobotSession(config, sessionId, (m) => {
        if (/^(control|action|session\.notice|playback\.(started|finished|stopped))/.test(m.type))
          trace.push(`${m.type} ${m.turnId}${'code' in m ? ` ${m.code}` : ''}`);
      });
      cleanups.push(close);
      expect([engines.stopSpotter !== undefined, engines.stopStt !== undefined]).toEqual([
        paths.spotter,
        paths.localRecognizer,
      ]);
      const first = (p: (m: BusMessage) => boolean, from = 0) => seen.slice(from).find((s) => p(s.m));

      session.sendText('go to the kitchen');
      await until('the navigation to be accepted', () => first((m) => m.type === 'action.accepted') !== undefined);
      const navigate = first((m) => m.type === 'action.request')!.m as Extract<BusMessage, { type: 'action.request' }>;
      await until('"Going to the kitchen." to be said', () =>
        session.history().some((h) => h.role === 'assistant' && h.turnId === navigate.turnId),
      );
      session.sendText(STORY_PROMPT);
      await until(
        'the story to play',
        () => first((m) => m.type === 'playback.started' && m.turnId !== navigate.turnId) !== undefined,
      );
      const story = first((m) => m.type === 'playback.started' && m.turnId !== navigate.turnId)!.m.turnId;
      await sleep(INTO_REPLY_MS);
      const from = seen.length;
      const asked = whisper.requests.length;
      await mic.speak(word);
      await until(
        'the estop notice',
        () => first((m) => m.type === 'session.notice' && m.code === 'estop', from) !== undefined,
      );
      await until(
        'the stop action',
        () => first((m) => m.type === 'action.request' && m.name === 'stop', from) !== undefined,
      );
      // The utterance ends (VAD hangover, and an upload with 250 ms to answer, if the stop left it one): whatever would
      // answer it has its chance.
      await sleep(1500);

      const estop = first((m) => m.type === 'control.estop', from)!;
      expect(estop.m).toMatchObject({ source, phrase: 'stop' });
      // Before the recognizer knew anything: no upload of the utterance had arrived (the stop drops it, so none need
      // come).
      expect(whisper.requests.slice(asked).filter((r) => r.arrivedAtMs <= estop.atMs)).toEqual([]);
      const after = seen.slice(from).map((s) => s.m);
      const cut = after.find((m) => m.type === 'session.notice' && m.code === 'reply_cancelled');
      // Cut by the stop, or by the barge-in the word's speech makes after `bargeIn.minSpeechMs` (500 ms) when
      // a loaded machine delays the stop past it; the navigation goes with the same reason.
      expect(cut, trace.join(', ')).toMatchObject({ turnId: story });
      const cutBy = cut?.type === 'session.notice' && cut.code === 'reply_cancelled' ? cut.reason : undefined;
      expect(['estop', 'barge_in'], trace.join(', ')).toContain(cutBy);
      expect(after.find((m) => m.type === 'action.cancel')).toMatchObject({
        actionId: navigate.actionId,
        reason: cutBy,
      });
      // One stop; the utterance is not answered.
      expect(after.filter((m) => m.type === 'control.estop')).toHaveLength(1);
      expect(
        after.filter((m) => m.type === 'action.request').map((m) => (m.type === 'action.request' ? m.name : '')),
      ).toEqual(['stop']);
      expect(
        after.filter(
          (m) =>
            ['llm.request', 'llm.tool_call'].includes(m.type) || (m.type === 'playback.started' && m.turnId !== story),
        ),
      ).toEqual([]);
    },
    180_000,
  );
});
