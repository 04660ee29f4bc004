/**
 * The stop phrases spotted on the microphone (`session.estop.spotter`), through the VAD actor in
 * activation mode `always` with the product's stop spotter (pocketsphinx keyphrase search, the shipped
 * thresholds) and the product's input conditioning (the `audio.highPassHz` high-pass) on the simulated
 * clock: real people's "stop" stops, their other words, sentences and noise
 * do not (a real-speech subset of `npm run bench -- --scenario estop`; skipped, saying so, without
 * `../shared/speech/human`); one stop per utterance whichever path (spotter or transcripts) heard it
 * first; the switch turns it off.
 */
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createInputConditioner } from '../../adapters/audio/input-conditioner.js';
import { loadHumanSpeech, readHumanClip, type HumanClip } from '../../adapters/audio/testing/human-speech.js';
import { createEstopActor } from '../../actors/estop.js';
import { createStopSpotter } from '../../actors/stop-spotter.js';
import type { KeywordSpotter, Spotting } from '../../adapters/spotter/index.js';
import { loadConfig } from '../../runtime/config.js';
import { buildStopSpotter } from '../../runtime/engines.js';
import { createHarness, RATE, SESSION } from '../support/actor-harness.js';
import { startVadSession } from '../support/vad-session.js';

const config = loadConfig();
const spotter = buildStopSpotter(config)!;
const corpus = loadHumanSpeech();

/**
 * The VAD actor of a session in `always` with the stop spotter, hearing the microphone through the
 * product's conditioning (its high-pass takes out the rumble under a noisy recording's voice); `say`
 * plays samples framed by silence.
 */
async function session() {
  const h = createHarness({ pipeline: { activation: { mode: 'always', stopPhrases: ['stop', 'halt', 'emergency stop'] } } });
  h.deps.stopSpotter = spotter;
  h.deps.inputConditioner = await createInputConditioner({ sampleRateHz: RATE, highPassHz: config.audio.highPassHz });
  return startVadSession(h);
}

describe('stop spotter: real people (../shared/speech/human)', () => {
  const skip = corpus.available ? false : corpus.reason;
  const pick = (predicate: (c: HumanClip) => boolean, n: number) => corpus.clips.filter(predicate).slice(0, n);
  const stops = [...pick((c) => c.transcript === 'stop' && c.speaker.startsWith('an4:m'), 3), ...pick((c) => c.file.includes('fc_stop_06-02'), 1)];
  const others = [
    ...pick((c) => c.category === '1_words' && ['no', 'go', 'eight', 'emergency', 'warning'].includes(c.transcript), 5),
    ...pick((c) => c.category === '3_sentences', 2),
    ...pick((c) => c.category === '5_noise' && c.durationMs <= 20_000, 1),
  ];

  const name = 'stops on each real "stop" and on none of the other words, sentences and noise';
  if (skip) console.log(`stop spotter, real speech: skipped: ${skip}`);
  it.skipIf(skip)(
    skip ? `${name} (skipped: ${skip})` : name,
    async () => {
      const s = await session();
      const heard: Array<{ file: string; stops: number }> = [];
      for (const clip of [...stops, ...others]) {
        const before = s.h.ofType('control.estop').length;
        await s.say(readHumanClip(corpus, clip).samples);
        heard.push({ file: clip.file, stops: s.h.ofType('control.estop').length - before });
      }
      s.stop();
      expect(heard).toEqual([...stops, ...others].map((c) => ({ file: c.file, stops: c.transcript === 'stop' ? 1 : 0 })));
      expect(s.h.ofType('control.estop').every((m) => m.source === 'spotter' && ['stop', 'halt'].includes(m.phrase ?? ''))).toBe(true);
    },
    120_000,
  );

  // One session's microphone in a noisy room (felixchenfy: rumble 20 dB under a clipping voice): the
  // speaker's other words first, as the session heard them, then a "stop" the high-pass lets through.
  const room = [
    ...pick((c) => c.file.startsWith('1_words/fc_') && !c.file.includes('fc_stop'), 3),
    ...pick((c) => c.file.includes('fc_stop_05-08-23-41-20'), 1),
  ];
  const noisy = 'in a noisy room, stops on the speaker\'s "stop" and on none of their other words';
  it.skipIf(skip)(
    skip ? `${noisy} (skipped: ${skip})` : noisy,
    async () => {
      const s = await session();
      const heard: Array<{ file: string; stops: number }> = [];
      for (const clip of room) {
        const before = s.h.ofType('control.estop').length;
        await s.say(readHumanClip(corpus, clip).samples);
        heard.push({ file: clip.file, stops: s.h.ofType('control.estop').length - before });
      }
      s.stop();
      expect(heard).toEqual(room.map((c) => ({ file: c.file, stops: c.transcript === 'stop' ? 1 : 0 })));
    },
    120_000,
  );
});

/**
 * A fake spotter, clearly not the engine: it "spots" "stop" 10^-20 under the phone loop (under its strict
 * threshold, over its relaxed one) on every push made while the stream is relaxed.
 */
function relaxedOnlySpotter() {
  const relaxedAt: boolean[] = [];
  const spotting: Spotting = { phrase: 'stop', log10Margin: -20, durationMs: 300, leadDb: 20, endMs: 0, atAudioMs: 0 };
  const fakeSpotter: KeywordSpotter = {
    name: 'fake',
    sampleRateHz: RATE,
    phrases: ['stop', 'halt', 'emergency stop'].map((phrase) => ({ phrase, threshold: 1e-10, relaxedThreshold: 1e-25 })),
    warmUp: async () => undefined,
    createStream: ({ relaxed } = {}) => ({
      push: () => {
        relaxedAt.push(relaxed?.() ?? false);
        return relaxedAt.at(-1) ? [spotting] : [];
      },
      drain: () => [],
      close: () => undefined,
    }),
  };
  return { fakeSpotter, relaxedAt };
}

describe('stop spotter', () => {
  it('one stop per utterance: the transcripts do not stop an utterance the spotter already stopped', async () => {
    const h = createHarness();
    const estop = createActor(createEstopActor(h.deps), { input: { sessionId: SESSION, phrases: ['stop'] } }).start();
    h.publish({ type: 'control.estop', sessionId: SESSION, turnId: 'u1', source: 'spotter', phrase: 'stop' });
    await h.settle();
    h.publish({ type: 'stt.partial', sessionId: SESSION, turnId: 'u1', text: 'stop', confidence: 0.9 });
    h.publish({ type: 'stt.final', sessionId: SESSION, turnId: 'u1', text: 'stop', confidence: 0.9 });
    h.publish({ type: 'stt.partial', sessionId: SESSION, turnId: 'u2', text: 'stop', confidence: 0.9 });
    await h.settle();
    estop.stop();
    expect(h.ofType('control.estop').map((m) => `${m.turnId} ${m.source}`)).toEqual(['u1 spotter', 'u2 phrase']);
  });

  it('the relaxed threshold applies while a reply plays and for an utterance begun during one, and nowhere else', async () => {
    const { fakeSpotter, relaxedAt } = relaxedOnlySpotter();
    const h = createHarness();
    let utterance = '-';
    const stops = createStopSpotter({ bus: h.bus, sessionId: SESSION, spotter: fakeSpotter, utterance: () => utterance });
    const frame = new Uint8Array(640);
    stops.hear(frame); // silence, nothing playing
    h.publish({ type: 'playback.started', sessionId: SESSION, turnId: 'u1', kind: 'reply' });
    await h.settle();
    utterance = 'u2';
    h.publish({ type: 'vad.speech_start', sessionId: SESSION, turnId: 'u2' });
    await h.settle();
    stops.hear(frame); // the user over the reply: relaxed, and it stops
    h.publish({ type: 'playback.stopped', sessionId: SESSION, turnId: 'u1', segments: [], framesCleared: 0 });
    await h.settle();
    stops.hear(frame); // the reply cut, the same utterance: still relaxed (already stopped: no second stop)
    utterance = 'u3';
    stops.hear(frame); // a new utterance after the reply: strict
    h.publish({ type: 'playback.started', sessionId: SESSION, turnId: 'u4', kind: 'reply' });
    await h.settle();
    stops.hear(frame); // a reply started under the tail of u3 (an early reply): u3 began before it, strict
    stops.stop();
    expect(relaxedAt).toEqual([false, true, true, false, false]);
    expect(h.ofType('control.estop').map((m) => `${m.turnId} ${m.source}`)).toEqual(['u2 spotter']);
  });

  it('a phrase spotted only at the relaxed threshold is vetoed while the transcripts heard something else, and stops once one ends with a stop phrase', async () => {
    const { fakeSpotter } = relaxedOnlySpotter();
    const h = createHarness();
    let utterance = '-';
    const stops = createStopSpotter({ bus: h.bus, sessionId: SESSION, spotter: fakeSpotter, utterance: () => utterance });
    const frame = new Uint8Array(640);
    h.publish({ type: 'playback.started', sessionId: SESSION, turnId: 'u1', kind: 'reply' });
    for (const turnId of ['u2', 'u3', 'u4', 'u5', 'u6']) h.publish({ type: 'vad.speech_start', sessionId: SESSION, turnId });
    await h.settle();
    /** The recognizer's transcripts of `turnId` so far, then the spotter's relaxed spotting in it, then what it heard next. */
    const utter = async (turnId: string, before: string | undefined, after?: { text: string; confidence: number; speechAfterMs?: number; final?: boolean }) => {
      if (before !== undefined) h.publish({ type: 'stt.partial', sessionId: SESSION, turnId, text: before, confidence: 0.3 });
      await h.settle();
      utterance = turnId;
      stops.hear(frame);
      if (after)
        h.publish({
          type: after.final ? 'stt.final' : 'stt.partial',
          sessionId: SESSION,
          turnId,
          text: after.text,
          confidence: after.confidence,
          ...(after.speechAfterMs ? { speechAfterMs: after.speechAfterMs } : {}),
        });
      await h.settle();
    };
    // A command over the reply that the search scored like a stop: the recognizer had heard it as the command.
    await utter('u2', 'go to the', { text: 'go to the door', confidence: 0.3, final: true });
    // Heard as something else, then as "halt" (barely sure over the robot's voice): the two agree.
    await utter('u3', 'no', { text: 'no halt', confidence: 0.01 });
    // A transcript ending with "stop" that went on talking past it is no agreement.
    await utter('u4', 'go', { text: 'stop', confidence: 0.5, speechAfterMs: 900 });
    // The first word of "emergency stop" is no veto.
    await utter('u6', 'emergency');
    // No transcript yet (a Whisper-class recognizer has none before the utterance ends): at once.
    utterance = 'u5';
    stops.hear(frame);
    await h.settle();
    stops.stop();
    expect(h.ofType('control.estop').map((m) => `${m.turnId} ${m.source} ${m.phrase}`)).toEqual(['u3 spotter stop', 'u6 spotter stop', 'u5 spotter stop']);
  });

  it('session.estop.spotter false: no spotter; no phrases: none either', () => {
    expect(buildStopSpotter(loadConfig({ overrides: { session: { estop: { spotter: false } } } }))).toBeUndefined();
    expect(buildStopSpotter(loadConfig({ overrides: { session: { estop: { phrases: [] } } } }))).toBeUndefined();
    expect(spotter.phrases.map((p) => p.phrase)).toEqual(['stop', 'halt', 'emergency stop']);
  });
});
