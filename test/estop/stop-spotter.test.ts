/**
 * The stop phrases spotted on the microphone (`session.estop.spotter`), through the VAD actor in
 * activation mode `always` with the product's stop spotter (pocketsphinx keyphrase search, the shipped
 * thresholds) and the product's input conditioning (the `audio.highPassHz` high-pass) on the simulated
 * clock: real people's "stop" stops, their other words, sentences and noise
 * do not (a real-speech subset of `npm run bench -- --scenario estop`; skipped, saying so, without
 * `../shared/speech/human`); one stop per utterance whichever path (spotter or transcripts) heard it
 * first; where the echo step keeps its filter's output, the spotter hears that; with RNNoise, the lead is
 * read on the audio before it; the switch turns it off.
 */
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createInputConditioner, type InputConditioner } from '../../adapters/audio/input-conditioner.js';
import { createFliteTts } from '../../adapters/tts/flite.js';
import { loadHumanSpeech, readHumanClip, type HumanClip } from '../../sim/human-speech.js';
import { createEstopActor, createStopSpotter, keyphraseSpotter } from '../../actors/estop/index.js';
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
  const h = createHarness({
    pipeline: { activation: { mode: 'always', stopPhrases: ['stop', 'halt', 'emergency stop'] } },
  });
  h.deps.stopSpotter = spotter;
  h.deps.inputConditioner = await createInputConditioner({ sampleRateHz: RATE, highPassHz: config.audio.highPassHz });
  return startVadSession(h);
}

/** flite's voice saying `text`, as 16 kHz samples. */
async function speak(text: string): Promise<Int16Array> {
  const parts: Uint8Array[] = [];
  for await (const c of createFliteTts().synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  const bytes = new Uint8Array(Buffer.concat(parts));
  return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
}

/**
 * A fake conditioner, not the product's: the microphone's audio comes out of one of its two outputs
 * (`carries`), silence of the same length out of the other.
 */
function fakeConditioner(carries: 'filtered' | 'conditioned'): InputConditioner {
  return {
    steps: ['echo'],
    process: (audio) => {
      const silence = new Uint8Array(audio.byteLength);
      return carries === 'conditioned' ? { audio, filtered: silence } : { audio: silence, filtered: audio.slice() };
    },
    close: () => undefined,
  };
}

describe('stop spotter: real people (../shared/speech/human)', () => {
  const skip = corpus.available ? false : corpus.reason;
  const pick = (predicate: (c: HumanClip) => boolean, n: number) => corpus.clips.filter(predicate).slice(0, n);
  const stops = [
    ...pick((c) => c.transcript === 'stop' && c.speaker.startsWith('an4:m'), 3),
    ...pick((c) => c.file.includes('fc_stop_06-02'), 1),
  ];
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
      expect(heard).toEqual(
        [...stops, ...others].map((c) => ({ file: c.file, stops: c.transcript === 'stop' ? 1 : 0 })),
      );
      expect(
        s.h.ofType('control.estop').every((m) => m.source === 'spotter' && ['stop', 'halt'].includes(m.phrase ?? '')),
      ).toBe(true);
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

  it(
    'the relaxed threshold applies while a reply plays and for an utterance begun during one, and ' + 'nowhere else',
    async () => {
      // A fake spotter, clearly not the engine: it "spots" on every push made while the stream is relaxed.
      const relaxedAt: boolean[] = [];
      const spotting: Spotting = {
        phrase: 'stop',
        log10Margin: -20,
        durationMs: 300,
        leadDb: 20,
        endMs: 0,
        atAudioMs: 0,
      };
      const fakeSpotter: KeywordSpotter = {
        name: 'fake',
        sampleRateHz: RATE,
        phrases: [{ phrase: 'stop', threshold: 1e-10, relaxedThreshold: 1e-25 }],
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
      const h = createHarness();
      let utterance = '-';
      const spotters = [keyphraseSpotter(fakeSpotter)];
      const stops = createStopSpotter({
        bus: h.bus,
        sessionId: SESSION,
        sampleRateHz: RATE,
        spotters,
        utterance: () => utterance,
      });
      const frame = new Uint8Array(640);
      const block = { audio: frame, frames: [frame] };
      stops.hear(block); // silence, nothing playing
      h.publish({ type: 'playback.started', sessionId: SESSION, turnId: 'u1', kind: 'reply' });
      await h.settle();
      utterance = 'u2';
      h.publish({ type: 'vad.speech_start', sessionId: SESSION, turnId: 'u2' });
      await h.settle();
      stops.hear(block); // the user over the reply: relaxed, and it stops
      h.publish({ type: 'playback.stopped', sessionId: SESSION, turnId: 'u1', segments: [], framesCleared: 0 });
      await h.settle();
      stops.hear(block); // the reply cut, the same utterance: still relaxed (already stopped: no second stop)
      utterance = 'u3';
      stops.hear(block); // a new utterance after the reply: strict
      h.publish({ type: 'playback.started', sessionId: SESSION, turnId: 'u4', kind: 'reply' });
      await h.settle();
      stops.hear(block); // a reply started under the tail of u3 (an early reply): u3 began before it, strict
      stops.stop();
      expect(relaxedAt).toEqual([false, true, true, false, false]);
      expect(h.ofType('control.estop').map((m) => `${m.turnId} ${m.source}`)).toEqual(['u2 spotter']);
    },
  );

  it(
    "hears the echo step's filtered audio where the conditioner keeps it, instead of the conditioned " + 'frames',
    async () => {
      const stop = await speak('stop');
      const heard: Record<string, number> = {};
      for (const carries of ['filtered', 'conditioned'] as const) {
        const h = createHarness({
          pipeline: { activation: { mode: 'always', stopPhrases: ['stop', 'halt', 'emergency stop'] } },
        });
        h.deps.stopSpotter = spotter;
        h.deps.inputConditioner = fakeConditioner(carries);
        const s = startVadSession(h);
        await s.say(stop);
        s.stop();
        heard[carries] = h.ofType('control.estop').length;
      }
      expect(heard).toEqual({ filtered: 1, conditioned: 0 });
    },
    30_000,
  );

  it('with RNNoise, reads the lead on the audio before it: a word said inside steady noise is no stop', async () => {
    const stop = await speak('stop');
    const level = Math.sqrt(stop.reduce((sum, x) => sum + x * x, 0) / stop.length);
    // A steady noise a little under the word, from a second before it to the end: no pause before the word.
    let seed = 7;
    const noisy = Int16Array.from({ length: 16_000 + stop.length + 8_000 }, (_, i) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      const noise = (seed / 2 ** 31 - 0.5) * Math.sqrt(12) * level * 0.5;
      const word = i >= 16_000 && i < 16_000 + stop.length ? stop[i - 16_000]! : 0;
      return Math.max(-32_768, Math.min(32_767, Math.round(noise + word)));
    });
    const heard: Record<string, number> = {};
    for (const levels of ['before RNNoise', 'after RNNoise'] as const) {
      const h = createHarness({
        pipeline: { activation: { mode: 'always', stopPhrases: ['stop', 'halt', 'emergency stop'] } },
      });
      h.deps.stopSpotter = spotter;
      const conditioner = await createInputConditioner({
        sampleRateHz: RATE,
        highPassHz: config.audio.highPassHz,
        noiseSuppression: true,
        keepLevels: true,
      });
      // The product's conditioner; for the second run, without the audio before RNNoise (the lead then reads RNNoise's
      // output).
      h.deps.inputConditioner =
        levels === 'before RNNoise'
          ? conditioner
          : {
              steps: conditioner.steps,
              process: (audio, atMs) => ({ audio: conditioner.process(audio, atMs).audio }),
              close: conditioner.close,
            };
      const s = startVadSession(h);
      await s.say(noisy);
      s.stop();
      conditioner.close();
      heard[levels] = h.ofType('control.estop').length;
    }
    expect(heard).toEqual({ 'before RNNoise': 0, 'after RNNoise': 1 });
  }, 30_000);

  it(
    "a stop the echo canceller's own estimate explains is the robot's voice: told, not acted on; the " +
      "user's stop over a reply stops",
    async () => {
      const stop = await speak('stop');
      const reply = await speak('Should I drive to the kitchen? Say yes, or say no.');
      // The microphone's audio, as the filter left it: a second of quiet, "stop", a second of quiet.
      const heard = new Int16Array(RATE * 2 + stop.length);
      heard.set(stop, RATE);
      /**
       * The filter's echo estimate: the robot's reply; or, for its own voice let through, what was heard a sample off
       * and louder.
       */
      const estimates = {
        user: Int16Array.from(heard, (_, i) => reply[i % reply.length]!),
        robot: Int16Array.from(heard, (_, i) => Math.round(3 * (heard[i - 1] ?? 0))),
      };
      const outcome: Record<string, string[]> = {};
      for (const [whose, estimate] of Object.entries(estimates)) {
        const h = createHarness();
        const told: string[] = [];
        const stops = createStopSpotter({
          bus: h.bus,
          sessionId: SESSION,
          sampleRateHz: RATE,
          spotters: [keyphraseSpotter(spotter)],
          utterance: () => '-',
          onOwnVoice: (o) => told.push(`${o.phrase} ${o.explainedShare > 0.9 ? 'explained' : o.explainedShare}`),
        });
        for (let at = 0; at < heard.length; at += 320) {
          const frame = heard.slice(at, at + 320);
          const filtered = new Uint8Array(frame.buffer);
          stops.hear({
            audio: filtered,
            filtered,
            echoParts: { residual: frame, estimate: estimate.subarray(at, at + 320) },
            frames: [],
          });
        }
        await h.settle();
        stops.stop();
        outcome[whose] = [...h.ofType('control.estop').map((m) => `estop ${m.phrase}`), ...told];
      }
      expect(outcome).toEqual({ user: ['estop stop'], robot: ['stop explained'] });
    },
    30_000,
  );

  it('session.estop.spotter false: no spotter; no phrases: none either', () => {
    expect(buildStopSpotter(loadConfig({ overrides: { session: { estop: { spotter: false } } } }))).toBeUndefined();
    expect(buildStopSpotter(loadConfig({ overrides: { session: { estop: { phrases: [] } } } }))).toBeUndefined();
    expect(spotter.phrases.map((p) => p.phrase)).toEqual(['stop', 'halt', 'emergency stop']);
  });
});
