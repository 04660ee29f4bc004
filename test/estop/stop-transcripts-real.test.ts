/**
 * The emergency stop's transcripts on recordings of real people (`../shared/speech/human`, read in place;
 * the test skips, saying so, when they are absent), as a session runs them with no reply playing: each
 * clip through the session's own VAD, STT and emergency-stop actors (the bench's `estop-session` rows, on
 * a subset), for the grammar stack (its recognizer, and the local recognizer at the user's pauses) and a
 * Whisper-class session (the local recognizer alone, before its recognizer answers). Real "stop"s stop
 * the robot; the recordings whose first syllable a grammar's partials made "stop" ("smart mirror",
 * "snowboy"), "emergency" alone (decoded at its pause as "emergency stop", the "stop" over the silence
 * after it) and an exercise bike's noise do not.
 */
import { describe, expect, it } from 'vitest';
import { loadHumanSpeech, readHumanClip } from '../../adapters/audio/testing/human-speech.js';
import { sessionStopRows } from '../../bench/estop-session.js';
import type { Clip } from '../../bench/human-spotting.js';
import { loadConfig } from '../../runtime/config.js';

const corpus = loadHumanSpeech();
const STOPS = ['an4_stop_fjam', 'an4_stop_fkdo', 'an4_stop_mcel', 'an4_stop_mjes'];
const NOT_STOPS = ['wwb_smart_mirror_98e0902d', 'wwb_snowboy_00927c6f', 'sc_noise_exercise_bike', 'pcd_emergency'];

describe("the emergency stop's transcripts on real speech", () => {
  it.skipIf(!corpus.available).each(['grammar', 'whisper'] as const)(
    `%s stack: stops on real "stop"s, and not on words whose first syllable sounds like it, a stop phrase's first word alone, nor on noise${corpus.available ? '' : ` (skipped: ${corpus.reason})`}`,
    async (stack) => {
      const pick = (names: string[], phrase?: string) =>
        names.map((name): Clip => {
          const clip = corpus.clips.find((c) => c.file.includes(name));
          if (!clip) throw new Error(`${name} is not in ${corpus.dir}: the subset needs it`);
          return { name: clip.file, group: 'real', samples: readHumanClip(corpus, clip).samples, ...(phrase ? { phrase } : {}) };
        });
      const clips = [...pick(STOPS, 'stop'), ...pick(NOT_STOPS)];
      // The spotter is left out (no spots): the transcripts alone.
      const rows = await sessionStopRows(
        clips,
        clips.map((clip) => ({ clip, spots: [] })),
        loadConfig(),
        stack,
        () => undefined,
      );
      const all = rows.find((r) => r.group === 'all')!;
      expect(all.missed).toEqual([]);
      expect(all.falseStops).toEqual([]);
      expect([all.byTranscripts, all.falseByTranscripts]).toEqual([STOPS.length, 0]);
    },
    120_000,
  );
});
