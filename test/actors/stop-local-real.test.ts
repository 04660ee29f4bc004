/**
 * The emergency stop's local grammar recognizer (`session.estop.localRecognizer`) on recordings of real
 * people (`../shared/speech/human`, read in place; the test skips, saying so, when they are absent), as a
 * session with a Whisper-class recognizer runs it: each clip through the session's own VAD actor and
 * emergency-stop actor (the bench's `estop-session` rows, on a subset). Real "stop"s stop the robot; the
 * recordings whose first syllable the decoder's partials made "stop" ("smart mirror", "snowboy") and an
 * exercise bike's noise do not, when no reply plays.
 */
import { describe, expect, it } from 'vitest';
import { loadHumanSpeech, readHumanClip } from '../../adapters/audio/testing/human-speech.js';
import { localRecognizerRows } from '../../bench/estop-session.js';
import type { Clip } from '../../bench/human-spotting.js';
import { loadConfig } from '../../runtime/config.js';

const corpus = loadHumanSpeech();
const STOPS = ['an4_stop_fjam', 'an4_stop_fkdo', 'an4_stop_mcel', 'an4_stop_mjes'];
const NOT_STOPS = ['wwb_smart_mirror_98e0902d', 'wwb_snowboy_00927c6f', 'sc_noise_exercise_bike'];

describe("the emergency stop's local recognizer on real speech", () => {
  it.skipIf(!corpus.available)(
    `stops on real "stop"s, and not on words whose first syllable sounds like it, nor on noise${corpus.available ? '' : ` (skipped: ${corpus.reason})`}`,
    async () => {
      const pick = (names: string[], phrase?: string) =>
        names.map((name): Clip => {
          const clip = corpus.clips.find((c) => c.file.includes(name));
          if (!clip) throw new Error(`${name} is not in ${corpus.dir}: the subset needs it`);
          return { name: clip.file, group: 'real', samples: readHumanClip(corpus, clip).samples, ...(phrase ? { phrase } : {}) };
        });
      const clips = [...pick(STOPS, 'stop'), ...pick(NOT_STOPS)];
      // The spotter is left out (no spots): the local recognizer alone.
      const rows = await localRecognizerRows(
        clips,
        clips.map((clip) => ({ clip, spots: [] })),
        loadConfig(),
        () => undefined,
      );
      const all = rows.find((r) => r.group === 'all')!;
      expect(all.missed).toEqual([]);
      expect(all.falseStops).toEqual([]);
      expect([all.byLocalRecognizer, all.falseByLocalRecognizer]).toEqual([STOPS.length, 0]);
    },
    120_000,
  );
});
