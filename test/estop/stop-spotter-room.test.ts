/**
 * The stop spotter in a noisy room, heard as a room: real recordings (`../shared/speech/human`) framed
 * by their own room tone (`sim/room-tone.ts`) instead of silence, through the VAD actor
 * with the product's input conditioning on the simulated clock. In one speaker's noisy room (felixchenfy:
 * about −30 dBFS after the high-pass) the shipped `audio.noiseSuppression: "auto"` switches RNNoise on
 * before each word and more of the speaker's "stop"s stop than with the high-pass alone; in a quiet room
 * (AN4) RNNoise stays off and the stop still stops. (A subset of `npm run bench -- --scenario estop --path
 * spotter`; skipped, saying so, without the recordings.)
 */
import { describe, expect, it } from 'vitest';
import { createInputConditioner } from '../../adapters/audio/input-conditioner.js';
import { loadHumanSpeech, readHumanClip, type HumanClip } from '../../sim/human-speech.js';
import { withRoomTone } from '../../sim/room-tone.js';
import { loadConfig } from '../../runtime/config.js';
import { buildStopSpotter } from '../../runtime/engines.js';
import { createHarness, RATE } from '../support/actor-harness.js';
import { startVadSession } from '../support/vad-session.js';

const config = loadConfig();
const corpus = loadHumanSpeech();

/**
 * One session's microphone hearing `clips` one after another, each framed by its room; per clip: stops, and whether
 * RNNoise ran.
 */
async function hearRoom(clips: readonly HumanClip[], noiseSuppression: boolean | 'auto') {
  const h = createHarness({
    pipeline: { activation: { mode: 'always', stopPhrases: ['stop', 'halt', 'emergency stop'] } },
  });
  h.deps.stopSpotter = buildStopSpotter(config)!;
  const conditioner = await createInputConditioner({
    sampleRateHz: RATE,
    highPassHz: config.audio.highPassHz,
    noiseSuppression,
    keepLevels: true,
  });
  h.deps.inputConditioner = conditioner;
  const s = startVadSession(h);
  const heard: Array<{ file: string; stops: number; denoising: boolean }> = [];
  for (const clip of clips) {
    const before = h.ofType('control.estop').length;
    // 1.5 s of the room before the words (the gauge judges the last second), a second after.
    const framed = withRoomTone(readHumanClip(corpus, clip).samples, 1.5 * RATE, RATE, RATE);
    let denoising = false;
    await s.play(framed, () => (denoising ||= conditioner.roomNoise?.().denoising === true));
    heard.push({ file: clip.file, stops: h.ofType('control.estop').length - before, denoising });
  }
  s.stop();
  conditioner.close();
  return heard;
}

describe('stop spotter: rooms heard as rooms (../shared/speech/human)', () => {
  const skip = corpus.available ? false : corpus.reason;
  // The speaker's six "stop"s recorded in the noisy room (the other four were recorded in a quiet one).
  const noisy = corpus.clips.filter((c) => c.transcript === 'stop' && /fc_stop_05-(08|12|13)-/.test(c.file));
  const quiet = corpus.clips.filter((c) => ['1_words/an4_stop_mjgk.wav', '1_words/an4_no_fbbh.wav'].includes(c.file));
  if (skip) console.log(`stop spotter in a room, real speech: skipped: ${skip}`);

  const name = 'auto: RNNoise on in the noisy room, where more stops stop than with the high-pass alone';
  it.skipIf(skip)(
    skip ? `${name} (skipped: ${skip})` : name,
    async () => {
      expect(config.audio.noiseSuppression).toBe('auto');
      expect(noisy).toHaveLength(6);
      const auto = await hearRoom(noisy, 'auto');
      const highPassOnly = await hearRoom(noisy, false);
      expect(auto.map((c) => c.denoising)).toEqual(noisy.map(() => true));
      expect(auto.every((c) => c.stops <= 1)).toBe(true);
      const stopped = (room: typeof auto) => room.filter((c) => c.stops === 1).length;
      expect(stopped(auto)).toBeGreaterThanOrEqual(4);
      expect(stopped(auto)).toBeGreaterThan(stopped(highPassOnly));
    },
    120_000,
  );

  const quietName = 'auto: RNNoise stays off in a quiet room; its stop stops and its "no" does not';
  it.skipIf(skip)(
    skip ? `${quietName} (skipped: ${skip})` : quietName,
    async () => {
      expect(await hearRoom(quiet, 'auto')).toEqual(
        quiet.map((c) => ({ file: c.file, stops: c.transcript === 'stop' ? 1 : 0, denoising: false })),
      );
    },
    120_000,
  );
});
