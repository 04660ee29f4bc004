/**
 * Bad microphone input on the local stack as `serve` builds it (VAD → pocketsphinx with the robot
 * grammar → rules → declared actions), on the simulated clock: silence, clipping, a DC offset, 8 kHz
 * audio resampled up, a sample rate that lies, very loud and very quiet speakers, and noise alone. None
 * may crash the session, ask for an action or stop the robot. The speech in them is speech that is not a
 * command (flite reading an ordinary sentence); the noise is synthetic here, and real (the recordings in
 * `../shared/speech/human/5_noise`) when those are beside the repository.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadHumanSpeech, readHumanClip } from '../../sim/human-speech.js';
import { resampleAll } from '../../adapters/audio/resample.js';
import { createFliteTts } from '../../adapters/tts/flite.js';
import type { BusMessage } from '../../bus/messages.js';
import { openHeardSession, type HeardSession } from '../support/heard-session.js';

const RATE = 16_000;
/** An ordinary sentence nobody would call a command, but with words the robot grammar shares ("go", "the", "table"). */
const NOT_A_COMMAND = 'we should go and sit at the table before the food gets cold';

async function flite(text: string): Promise<Int16Array> {
  const parts: Uint8Array[] = [];
  for await (const c of createFliteTts().synthesize({ text, signal: new AbortController().signal })) parts.push(c);
  const pcm = Buffer.concat(parts);
  return new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength >> 1);
}

const toSamples = (pcm: Uint8Array) => new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength >> 1);
const clamp = (x: number) => Math.max(-32_768, Math.min(32_767, Math.round(x)));
const scaled = (samples: Int16Array, gain: number, offset = 0) =>
  Int16Array.from(samples, (x) => clamp(x * gain + offset));
/** Deterministic white noise at `rms`. */
function noise(ms: number, rms: number, seed = 7): Int16Array {
  let s = seed;
  return Int16Array.from({ length: (RATE * ms) / 1000 }, () => {
    let sum = 0;
    for (let i = 0; i < 3; i++) sum += (s = (s * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648 - 0.5;
    return clamp(sum * 2 * rms);
  });
}

/** What must never follow bad input: an action asked for, an emergency stop, a session error. */
const harmful = (seen: BusMessage[]) =>
  seen
    .filter((m) => m.type === 'action.request' || m.type === 'control.estop' || m.type === 'session.error')
    .map((m) => `${m.type} ${m.turnId}`);
const finals = (seen: BusMessage[]) =>
  seen.flatMap((m) => (m.type === 'stt.final' ? [`${m.text} ${m.confidence ?? ''}`.trim()] : []));

describe('bad input: no crash, no action, no stop', () => {
  let session: HeardSession;
  let speech: Int16Array;
  beforeAll(async () => {
    session = await openHeardSession();
    speech = await flite(NOT_A_COMMAND);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
  });

  /** `heard`: the input must have reached the recognizer (a final), so the test is about what it made of it. */
  const expectHarmless = async (samples: Int16Array, claimedRateHz = RATE, heard = true) => {
    const seen = await session.hear(samples, claimedRateHz);
    expect({ harmful: harmful(seen) }, `finals: ${finals(seen).join('; ')}`).toEqual({ harmful: [] });
    if (heard) expect(finals(seen).length).toBeGreaterThan(0);
    expect(session.state()).not.toMatch(/ended/);
    return seen;
  };

  it('silence (digital zero) publishes no utterance at all', async () => {
    const seen = await expectHarmless(new Int16Array(RATE * 3), RATE, false);
    expect(seen.filter((m) => m.type === 'vad.speech_start')).toEqual([]);
  });

  it('clipped speech (×8, flat-topped at full scale)', async () => {
    await expectHarmless(scaled(speech, 8));
  });

  it('a DC offset of a quarter of full scale under the speech', async () => {
    await expectHarmless(scaled(speech, 1, 8_192));
  });

  it('8 kHz audio resampled up to 16 kHz (nothing above 4 kHz)', async () => {
    const narrow = await resampleAll(new Uint8Array(speech.buffer, speech.byteOffset, speech.byteLength), RATE, 8_000);
    await expectHarmless(toSamples(await resampleAll(narrow, 8_000, RATE)));
  });

  it('a sample rate that lies: 8 kHz audio sent as 16 kHz, and 16 kHz audio sent as 8 kHz and as 24 kHz', async () => {
    const narrow = toSamples(
      await resampleAll(new Uint8Array(speech.buffer, speech.byteOffset, speech.byteLength), RATE, 8_000),
    );
    await expectHarmless(narrow, RATE);
    await expectHarmless(speech, 8_000);
    await expectHarmless(speech, 24_000);
  });

  it('a very loud speaker (+18 dB, clipping) and a very quiet one (-40 dB)', async () => {
    await expectHarmless(scaled(speech, 8));
    // -40 dB under flite's level: heard or not, never acted on.
    await expectHarmless(scaled(speech, 0.01), RATE, false);
  });

  it('noise alone: white noise at -30 dBFS for 4 s', async () => {
    await expectHarmless(noise(4_000, 32_768 * 10 ** (-30 / 20)), RATE, false);
  });

  it('noise alone: the recordings of real rooms (../shared/speech/human/5_noise), when present', async (context) => {
    const corpus = loadHumanSpeech();
    if (!corpus.available) {
      context.skip(`real noise: ${corpus.reason}`);
      return;
    }
    for (const clip of corpus.clips.filter((c) => c.category === '5_noise')) {
      // The first 3 s of each, to keep the test to seconds.
      const { samples } = readHumanClip(corpus, clip);
      const seen = await session.hear(samples.subarray(0, RATE * 3), RATE);
      // The finals in the message: what the recognizer made of the noise, when it was taken for a command.
      expect({ clip: clip.file, harmful: harmful(seen) }, `finals: ${finals(seen).join('; ')}`).toEqual({
        clip: clip.file,
        harmful: [],
      });
    }
  }, 180_000);
}, 60_000);

describe('bad input with the microphone closed (wake mode): no wake, no stop', () => {
  let session: HeardSession;
  let speech: Int16Array;
  beforeAll(async () => {
    session = await openHeardSession('heard-wake', { session: { activation: { mode: 'wake' } } });
    speech = await flite(NOT_A_COMMAND);
  }, 60_000);
  afterAll(async () => {
    await session?.close();
  });

  /** The wake phrase's and the stop phrases' ears (the phone loop and the learned heads) hear all of it. */
  const woke = (seen: BusMessage[]) =>
    seen.filter((m) => m.type === 'control.listen' || m.type === 'control.estop').map((m) => m.type);

  it('clipping, a DC offset, very loud and very quiet speech, and white noise', async () => {
    for (const [what, samples] of [
      ['clipped', scaled(speech, 8)],
      ['DC offset', scaled(speech, 1, 8_192)],
      ['very loud', scaled(speech, 10 ** (18 / 20))],
      ['very quiet', scaled(speech, 10 ** (-40 / 20))],
      ['white noise', noise(4_000, 32_768 * 10 ** (-30 / 20))],
    ] as const) {
      const seen = await session.hear(samples, RATE);
      expect({ what, woke: woke(seen), harmful: harmful(seen) }).toEqual({ what, woke: [], harmful: [] });
    }
  }, 120_000);

  it('the recordings of real rooms, when present', async (context) => {
    const corpus = loadHumanSpeech();
    if (!corpus.available) {
      context.skip(`real noise: ${corpus.reason}`);
      return;
    }
    for (const clip of corpus.clips.filter((c) => c.category === '5_noise')) {
      const seen = await session.hear(readHumanClip(corpus, clip).samples.subarray(0, RATE * 3), RATE);
      expect({ clip: clip.file, woke: woke(seen), harmful: harmful(seen) }).toEqual({
        clip: clip.file,
        woke: [],
        harmful: [],
      });
    }
  }, 180_000);
});
