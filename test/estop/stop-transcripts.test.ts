/**
 * The stop phrases heard by a local grammar recognizer beside the session's own
 * (`session.estop.localRecognizer`): the emergency-stop actor decodes every utterance the VAD passes with
 * it and stops on its transcripts through a gate of their own, without waiting for the session's
 * recognizer; one stop per utterance whichever path heard it; the local recognizer's failures leave the
 * session's own transcripts in charge; its partials count over a reply only, and nothing of an utterance
 * without a voice counts. A controlled STT stands in for both recognizers.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createEstopActor } from '../../actors/estop/index.js';
import { createControlledStt } from '../../adapters/testing/index.js';
import { ConfigError, loadConfig } from '../../runtime/config.js';
import { buildStopStt, stopSttPausesOnly } from '../../runtime/engines.js';
import { createHarness, RATE, SESSION } from '../support/actor-harness.js';

/** A 20 ms frame of a vowel at 100 Hz (two whole periods: frames join without a seam). */
const AUDIO = new Uint8Array(
  Int16Array.from({ length: RATE / 50 }, (_, n) => Math.round(3_000 * Math.sin((2 * Math.PI * 100 * n) / RATE))).buffer,
);
/** A 20 ms frame of white noise at about -25 dBFS: loud, no pitch. */
const NOISE = (() => {
  let seed = 11;
  const next = () => ((seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff) / 0x7fffffff) * 2 - 1;
  return new Uint8Array(Int16Array.from({ length: RATE / 50 }, () => Math.round(3_000 * next())).buffer);
})();
/**
 * Lets a pause's decode push all its slices (sliced-decode.ts: a macrotask each; the tests' utterances have 6 at most).
 */
async function settleSlices(h: ReturnType<typeof createHarness>) {
  for (let i = 0; i < 10; i++) await h.settle();
}
/** Frames until the first voiced windows (a 30 ms window and its 14 ms of pitch lags, twice). */
const FRAMES_TO_VOICE = 5;

/**
 * The estop actor with a controlled local recognizer; `speak` opens an utterance with `FRAMES_TO_VOICE`
 * frames of a vowel (begun over a reply when `overReply`), `audio` plays one frame more.
 */
function estopWithLocalRecognizer({ overReply = true } = {}) {
  const h = createHarness();
  const local = createControlledStt('local-grammar-fake');
  h.deps.stopStt = local;
  const actor = createActor(createEstopActor(h.deps), {
    input: { sessionId: SESSION, phrases: ['stop', 'emergency stop'], minConfidence: 0.25, minFinalConfidence: 0.1 },
  }).start();
  if (overReply) h.publish({ type: 'playback.started', sessionId: SESSION, turnId: 'r1', kind: 'reply' });
  let seq = 0;
  const audio = async (turnId: string, frame = AUDIO) => {
    h.publish({ type: 'vad.audio', sessionId: SESSION, turnId, seq: seq++, audio: frame, sampleRateHz: RATE });
    await h.settle();
  };
  const speak = async (turnId: string) => {
    h.publish({ type: 'vad.speech_start', sessionId: SESSION, turnId });
    for (let i = 0; i < FRAMES_TO_VOICE; i++) await audio(turnId);
  };
  const end = async (turnId: string) => {
    h.publish({ type: 'vad.speech_end', sessionId: SESSION, turnId, speechMs: 400 });
    await h.settle();
  };
  const stops = () => h.ofType('control.estop').map((m) => `${m.turnId} ${m.source} ${m.phrase}`);
  return { h, local, actor, audio, speak, end, stops };
}

describe('the stop phrases through a local grammar recognizer', () => {
  it(
    'stops on its partials held on two reports over a reply, before the session recognizer has said ' + 'anything',
    async () => {
      const { local, actor, audio, speak, stops } = estopWithLocalRecognizer();
      await speak('u1');
      local.open()!.partial('stop', 0.6);
      await audio('u1');
      expect(stops()).toEqual([]);
      local.open()!.partial('stop', 0.7);
      await audio('u1');
      actor.stop();
      expect(stops()).toEqual(['u1 phrase stop']);
      expect(local.streams.map((s) => s.options.sampleRateHz)).toEqual([RATE]);
    },
  );

  it(
    'one stop per utterance: the session recognizer does not stop again what the local one stopped, ' +
      'and stops an utterance the local one did not',
    async () => {
      const { h, local, actor, speak, end, stops } = estopWithLocalRecognizer();
      await speak('u1');
      local.open()!.partial('stop', 0.9);
      local.open()!.partial('stop', 0.9);
      await speak('u2');
      local.open()!.partial('go to the kitchen', 0.9);
      local.open()!.final('go to the kitchen', 0.9);
      await end('u2');
      h.publish({ type: 'stt.final', sessionId: SESSION, turnId: 'u1', text: 'stop', confidence: 0.9 });
      h.publish({ type: 'stt.final', sessionId: SESSION, turnId: 'u2', text: 'please stop', confidence: 0.9 });
      await h.settle();
      actor.stop();
      expect(stops()).toEqual(['u1 phrase stop', 'u2 phrase stop']);
    },
  );

  it(
    "a pause asks for the hypothesis at once: a stop's second report need not wait for the decoder's " + 'next',
    async () => {
      const h = createHarness();
      // A fake decoder that reports "stop" once, on the audio that shows a voice, and again only when asked.
      h.deps.stopStt = {
        name: 'flushing-fake',
        createStream: ({ onPartial }) => {
          let pushed = 0;
          return {
            push: () => (++pushed === FRAMES_TO_VOICE ? onPartial('stop', 0.9) : undefined),
            flushPartial: () => onPartial('stop', 0.9),
            finish: async () => ({ text: 'stop', confidence: 0.9 }),
          };
        },
      };
      const actor = createActor(createEstopActor(h.deps), {
        input: { sessionId: SESSION, phrases: ['stop'], minConfidence: 0.25 },
      }).start();
      h.publish({ type: 'playback.started', sessionId: SESSION, turnId: 'r1', kind: 'reply' });
      h.publish({ type: 'vad.speech_start', sessionId: SESSION, turnId: 'u1' });
      for (let seq = 0; seq < FRAMES_TO_VOICE; seq++)
        h.publish({ type: 'vad.audio', sessionId: SESSION, turnId: 'u1', seq, audio: AUDIO, sampleRateHz: RATE });
      await h.settle();
      const beforePause = h.ofType('control.estop').length;
      h.publish({ type: 'vad.pause', sessionId: SESSION, turnId: 'u1', silentMs: 60 });
      await settleSlices(h);
      actor.stop();
      expect([beforePause, h.ofType('control.estop').length]).toEqual([0, 1]);
    },
  );

  it(
    'at a pause, the audio so far decoded afresh to its end stops when its final is a stop, where the ' +
      'partial was not; not a leak too short to be voice',
    async () => {
      const { h, local, actor, audio, stops } = estopWithLocalRecognizer();
      // u1: 600 ms of audio whose partials stay on "hello"; the decode at the pause ends on "halt".
      for (let i = 0; i < 30; i++) await audio('u1');
      local.streams[0]!.partial('hello', 0.9);
      h.publish({ type: 'vad.pause', sessionId: SESSION, turnId: 'u1', silentMs: 60 });
      await settleSlices(h);
      expect(local.streams.map((s) => s.audioBytes)).toEqual([30 * AUDIO.byteLength, 30 * AUDIO.byteLength]);
      local.streams[1]!.final('stop', 0.6);
      await h.settle();
      // u2: 300 ms in all, 40 ms of it voice once the padding and the pause are left out: no stop.
      for (let i = 0; i < 15; i++) await audio('u2');
      h.publish({ type: 'vad.pause', sessionId: SESSION, turnId: 'u2', silentMs: 60 });
      await settleSlices(h);
      local.streams[3]!.final('stop', 0.9);
      await h.settle();
      actor.stop();
      expect(stops()).toEqual(['u1 phrase stop']);
    },
  );

  it(
    'without a reply playing, its partials are not judged: a stop is the last thing said, which its ' +
      'decode at the pause shows',
    async () => {
      const { h, local, actor, audio, speak, stops } = estopWithLocalRecognizer({ overReply: false });
      await speak('u1');
      for (let i = 0; i < 25; i++) await audio('u1');
      local.streams[0]!.partial('stop', 0.9);
      local.streams[0]!.partial('stop', 0.9);
      await h.settle();
      expect(stops()).toEqual([]);
      h.publish({ type: 'vad.pause', sessionId: SESSION, turnId: 'u1', silentMs: 60 });
      await settleSlices(h);
      local.streams[1]!.final('stop', 0.6);
      await h.settle();
      actor.stop();
      expect(stops()).toEqual(['u1 phrase stop']);
    },
  );

  it(
    'an utterance without a voice (loud noise, no pitch) stops on nothing it is decoded as: not its ' +
      'partials, a pause or its final',
    async () => {
      const { h, local, actor, audio, speak, end, stops } = estopWithLocalRecognizer();
      h.publish({ type: 'vad.speech_start', sessionId: SESSION, turnId: 'u1' });
      for (let i = 0; i < 30; i++) await audio('u1', NOISE);
      local.streams[0]!.partial('stop', 0.9);
      local.streams[0]!.partial('stop', 0.9);
      h.publish({ type: 'vad.pause', sessionId: SESSION, turnId: 'u1', silentMs: 60 });
      await settleSlices(h);
      // Its pause asked for no decode of its own.
      expect(local.streams).toHaveLength(1);
      local.streams[0]!.final('stop', 0.9);
      await end('u1');
      // The next utterance, a voice, is heard as ever.
      await speak('u2');
      local.streams[1]!.partial('stop', 0.9);
      local.streams[1]!.partial('stop', 0.9);
      await h.settle();
      actor.stop();
      expect(stops()).toEqual(['u2 phrase stop']);
    },
  );

  it(
    "beside the grammar stack (pauses only): no stream of its own but the pause's decode, and the " +
      "session recognizer's partials count over a reply only",
    async () => {
      const h = createHarness();
      const local = createControlledStt('local-grammar-fake');
      h.deps.stopStt = local;
      h.deps.stopSttPausesOnly = true;
      const actor = createActor(createEstopActor(h.deps), {
        input: { sessionId: SESSION, phrases: ['stop'], minConfidence: 0.25, minFinalConfidence: 0.1 },
      }).start();
      let seq = 0;
      const speak = async (turnId: string, frames: number) => {
        h.publish({ type: 'vad.speech_start', sessionId: SESSION, turnId });
        for (let i = 0; i < frames; i++)
          h.publish({ type: 'vad.audio', sessionId: SESSION, turnId, seq: seq++, audio: AUDIO, sampleRateHz: RATE });
        await h.settle();
      };
      const partials = async (turnId: string) => {
        for (let i = 0; i < 2; i++)
          h.publish({ type: 'stt.partial', sessionId: SESSION, turnId, text: 'stop', confidence: 0.9 });
        await h.settle();
      };
      // u1, no reply playing: the session recognizer's partials are not judged; the pause's decode is.
      await speak('u1', 30);
      expect(local.streams).toHaveLength(0);
      await partials('u1');
      expect(h.ofType('control.estop')).toHaveLength(0);
      h.publish({ type: 'vad.pause', sessionId: SESSION, turnId: 'u1', silentMs: 60 });
      await settleSlices(h);
      expect(local.streams.map((s) => s.audioBytes)).toEqual([30 * AUDIO.byteLength]);
      local.streams[0]!.final('stop', 0.6);
      await h.settle();
      // u2, begun over a reply: its partials stop it, as ever.
      h.publish({ type: 'playback.started', sessionId: SESSION, turnId: 'r1', kind: 'reply' });
      await speak('u2', 10);
      await partials('u2');
      actor.stop();
      expect(h.ofType('control.estop').map((m) => `${m.turnId} ${m.source} ${m.phrase}`)).toEqual([
        'u1 phrase stop',
        'u2 phrase stop',
      ]);
    },
  );

  it(
    'its finals pass the same gate: a sure one stops, an unsure one and a phrase with words after it ' + 'do not',
    async () => {
      const { local, actor, speak, end, stops } = estopWithLocalRecognizer();
      for (const [turnId, text, confidence] of [
        ['u1', 'stop', 0.05],
        ['u2', 'stop the music', 0.9],
        ['u3', 'emergency stop', 0.5],
      ] as const) {
        await speak(turnId);
        local.open()!.final(text, confidence);
        await end(turnId);
      }
      actor.stop();
      expect(stops()).toEqual(['u3 phrase emergency stop']);
    },
  );

  it('a local recognizer that fails leaves the stop to the session recognizer, and the session runs on', async () => {
    const { h, local, actor, speak, end, stops } = estopWithLocalRecognizer();
    await speak('u1');
    local.open()!.fail('decoder crashed');
    await end('u1');
    h.publish({ type: 'stt.partial', sessionId: SESSION, turnId: 'u1', text: 'stop', confidence: 0.9 });
    h.publish({ type: 'stt.partial', sessionId: SESSION, turnId: 'u1', text: 'stop', confidence: 0.9 });
    await h.settle();
    await speak('u2');
    local.open()!.partial('halt', 0.9);
    local.open()!.partial('stop', 0.9);
    local.open()!.partial('stop', 0.9);
    await h.settle();
    actor.stop();
    expect(stops()).toEqual(['u1 phrase stop', 'u2 phrase stop']);
    expect(h.handlerErrors).toEqual([]);
  });

  it(
    'a local recognizer that cannot open a stream is asked once per utterance, and the session ' +
      'recognizer still stops',
    async () => {
      const h = createHarness();
      let asked = 0;
      h.deps.stopStt = {
        name: 'throwing-fake',
        createStream() {
          asked++;
          throw new Error('no decoder');
        },
      };
      const actor = createActor(createEstopActor(h.deps), { input: { sessionId: SESSION, phrases: ['stop'] } }).start();
      for (let seq = 0; seq < 3; seq++)
        h.publish({ type: 'vad.audio', sessionId: SESSION, turnId: 'u1', seq, audio: AUDIO, sampleRateHz: RATE });
      h.publish({ type: 'stt.final', sessionId: SESSION, turnId: 'u1', text: 'stop', confidence: 0.9 });
      await h.settle();
      actor.stop();
      expect(asked).toBe(1);
      expect(h.ofType('control.estop').map((m) => `${m.turnId} ${m.source}`)).toEqual(['u1 phrase']);
      expect(h.handlerErrors).toEqual([]);
    },
  );

  it(
    'a local recognizer that throws on audio drops that utterance from its path, not the bus ' +
      'subscriber: the session recognizer still stops',
    async () => {
      const h = createHarness();
      const calls: string[] = [];
      h.deps.stopStt = {
        name: 'refusing-fake',
        createStream: (options) => ({
          push() {
            calls.push(`push ${options.channel}`);
            throw new Error('audio refused');
          },
          flushPartial() {
            calls.push(`flush ${options.channel}`);
            throw new Error('refused too');
          },
          finish: () => Promise.resolve({ text: 'stop', confidence: 0.9 }),
        }),
      };
      const actor = createActor(createEstopActor(h.deps), { input: { sessionId: SESSION, phrases: ['stop'] } }).start();
      for (const turnId of ['u1', 'u2']) {
        for (let seq = 0; seq < 3; seq++)
          h.publish({ type: 'vad.audio', sessionId: SESSION, turnId, seq, audio: AUDIO, sampleRateHz: RATE });
        h.publish({ type: 'vad.pause', sessionId: SESSION, turnId, silentMs: 200 });
        h.publish({ type: 'vad.speech_end', sessionId: SESSION, turnId, speechMs: 400 });
        h.publish({ type: 'stt.final', sessionId: SESSION, turnId, text: 'stop', confidence: 0.9 });
      }
      await h.settle();
      actor.stop();
      // One try per utterance, then nothing more of it (no flush at its pause, no final: its "stop" above is never
      // asked for).
      expect(calls).toEqual([`push ${SESSION}:estop`, `push ${SESSION}:estop`]);
      expect(h.ofType('control.estop').map((m) => `${m.turnId} ${m.source}`)).toEqual(['u1 phrase', 'u2 phrase']);
      expect(h.handlerErrors).toEqual([]);
    },
  );

  it('stops listening with the actor: audio after it opens no stream', async () => {
    const { local, actor, audio, stops } = estopWithLocalRecognizer();
    await audio('u1');
    actor.stop();
    await audio('u2');
    expect(local.streams).toHaveLength(1);
    expect(local.streams[0]!.options.signal.aborted).toBe(true);
    expect(stops()).toEqual([]);
  });
});

describe('buildStopStt (session.estop.localRecognizer)', () => {
  const whisper = { stt: { engine: 'openai', baseUrl: 'http://127.0.0.1:9/v1' } } as const;

  it(
    'is there beside a recognizer without partials and, for the pauses only, beside the grammar stack; not ' +
      'beside a streaming transducer or a fake, nor switched off',
    () => {
      expect(buildStopStt(loadConfig({ overrides: whisper }))).toBeDefined();
      expect(stopSttPausesOnly(loadConfig({ overrides: whisper }))).toBe(false);
      expect(buildStopStt(loadConfig())).toBeDefined();
      expect(stopSttPausesOnly(loadConfig())).toBe(true);
      const transducer = {
        kind: 'transducer',
        encoder: 'e.onnx',
        decoder: 'd.onnx',
        joiner: 'j.onnx',
        tokens: 't.txt',
      };
      expect(
        buildStopStt(loadConfig({ overrides: { stt: { engine: 'sherpa', sherpa: transducer } } })),
      ).toBeUndefined();
      expect(buildStopStt(loadConfig({ overrides: { stt: { engine: 'fake' } } }))).toBeUndefined();
      expect(
        buildStopStt(loadConfig({ overrides: { ...whisper, session: { estop: { localRecognizer: false } } } })),
      ).toBeUndefined();
      expect(
        buildStopStt(loadConfig({ overrides: { ...whisper, session: { estop: { phrases: [] } } } })),
      ).toBeUndefined();
    },
  );

  it('refuses a grammar without the stop phrases, naming them and the fix', () => {
    const grammarPath = join(mkdtempSync(join(tmpdir(), 'va-stop-grammar-')), 'digits.jsgf');
    writeFileSync(grammarPath, '#JSGF V1.0;\ngrammar digits;\npublic <digit> = one | two | three | stop;\n');
    const build = () => buildStopStt(loadConfig({ overrides: { ...whisper, stt: { ...whisper.stt, grammarPath } } }));
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(
      new RegExp(
        'no sentence ends with "halt", "emergency stop": add them to the grammar, ' +
          String.raw`or set session\.estop\.localRecognizer to false`,
      ),
    );
    // Beside the grammar stack it is that grammar's own: the stop phrases it holds, its pauses are decoded for; none,
    // no decoder.
    expect(buildStopStt(loadConfig({ overrides: { stt: { grammarPath } } }))).toBeDefined();
    writeFileSync(grammarPath, '#JSGF V1.0;\ngrammar digits;\npublic <digit> = one | two | three;\n');
    expect(buildStopStt(loadConfig({ overrides: { stt: { grammarPath } } }))).toBeUndefined();
  });
});
