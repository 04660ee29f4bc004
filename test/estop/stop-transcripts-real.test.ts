/**
 * The emergency stop's transcripts on recordings of real people (`../shared/speech/human`, read in place;
 * the test skips, saying so, when they are absent), as a session runs them with no reply playing: each
 * clip through a session of its own (sim/estop-session.ts, the bench's `estop-session` rows' sessions, on
 * a subset), for the grammar stack (its recognizer, and the local recognizer at the user's pauses) and a
 * Whisper-class session (the local recognizer alone, before its recognizer answers). Real "stop"s stop
 * the robot; the recordings whose first syllable a grammar's partials made "stop" ("smart mirror",
 * "snowboy"), "emergency" alone (decoded at its pause as "emergency stop", the "stop" over the silence
 * after it) and an exercise bike's noise do not.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config.js';
import type { Clip } from '../../sim/clip.js';
import { estopStack, hearClipInSession } from '../../sim/estop-session.js';
import { loadHumanSpeech, readHumanClip } from '../../sim/human-speech.js';

const corpus = loadHumanSpeech();
const STOPS = ['an4_stop_fjam', 'an4_stop_fkdo', 'an4_stop_mcel', 'an4_stop_mjes'];
const NOT_STOPS = ['wwb_smart_mirror_98e0902d', 'wwb_snowboy_00927c6f', 'sc_noise_exercise_bike', 'pcd_emergency'];

describe("the emergency stop's transcripts on real speech", () => {
  it.skipIf(!corpus.available).each(['grammar', 'whisper'] as const)(
    `%s stack: stops on real "stop"s, and not on words whose first syllable sounds like it, a stop phrase's ` +
      `first word alone, nor on noise${corpus.available ? '' : ` (skipped: ${corpus.reason})`}`,
    async (stack) => {
      const pick = (names: string[], phrase?: string) =>
        names.map((name): Clip => {
          const clip = corpus.clips.find((c) => c.file.includes(name));
          if (!clip) throw new Error(`${name} is not in ${corpus.dir}: the subset needs it`);
          return {
            name: clip.file,
            group: 'real',
            samples: readHumanClip(corpus, clip).samples,
            ...(phrase ? { phrase } : {}),
          };
        });
      const stops = pick(STOPS, 'stop');
      const { config, engines } = await estopStack(loadConfig(), stack);
      const stopped: string[] = [];
      for (const clip of [...stops, ...pick(NOT_STOPS)]) {
        const heard = await hearClipInSession(clip, config, engines);
        if (heard.transcripts) stopped.push(clip.name);
      }
      expect(stopped).toEqual(stops.map((clip) => clip.name));
    },
    120_000,
  );
});
