/**
 * The keyword spotter's tuning (the engine the wake and stop phrases share), in one table: every value, why it has that
 * value, and what it was chosen on (the emergency stop's own values: `actors/estop/tuning.ts`). Values are read with
 * {@link valuesOf} where they are used:
 *
 * @example
 * ```ts
 * const { SETTLE_MS, MAX_SETTLE_MS } = valuesOf(SPOTTER_TUNING.stream);
 * ```
 *
 * `chosenOn` says how far a value can be trusted on voices nothing here heard: `SPOKEN_BENCHES` values were
 * measured on the wake, grammar and e-stop benches' synthetic voices (eSpeak, flite) and checked on the
 * recordings of real people (docs/activation.md, docs/actions.md); `REASONED` values follow from pocketsphinx's
 * 10 ms frames and report interval or from other values here; the rest are pocketsphinx's or Praat's own
 * defaults or follow from speech itself. The phrase thresholds a user sets are options
 * (`session.activation`), not here.
 */
import { valuesOf, type Tuned as TunedValue } from '../tuned.js';

/** Measured on the benches' synthetic voices, checked on the recordings of real people. */
export const SPOKEN_BENCHES = 'wake, grammar and e-stop benches (synthetic voices; checked on real recordings)';
/** Derived from pocketsphinx's frames and reports or from other values here, not fitted. */
export const REASONED = 'reasoned from the frame step, the report interval and the other values';
/** pocketsphinx's own default. */
export const POCKETSPHINX_DEFAULT = "pocketsphinx's default";
/** Praat's own default. */
export const PRAAT_DEFAULT = "Praat's default";
/** The range of human speaking voices. */
export const SPEECH_PHYSICS = 'the range of speaking voices';

/** One tuned value of the spotter, with what it was chosen on. */
export type Tuned = TunedValue<
  typeof SPOKEN_BENCHES | typeof REASONED | typeof POCKETSPHINX_DEFAULT | typeof PRAAT_DEFAULT | typeof SPEECH_PHYSICS
>;

export const SPOTTER_TUNING = {
  history: {
    LEAD_FRAMES: {
      value: 30,
      why: "Why 300 ms: a breath's pause before the phrase; running speech has no gap that " + 'long.',
      chosenOn: SPOKEN_BENCHES,
    },
    LEAD_SKIP_FRAMES: {
      value: 3,
      why: 'Frames just before the aligned start left out: the alignment may begin a little early.',
      chosenOn: REASONED,
    },
    LEAD_SEARCH_FRAMES: {
      value: 50,
      why:
        'Why the pause may end up to 500 ms before the aligned start: a low-margin spotting is often aligned to ' +
        '"robot" alone, its "hey" (200\u2013400 ms) before it, and the second stage must hear all of it. Why not ' +
        'the lead too: measured from there, it let through phrases near the start of every sentence (36 false ' +
        'stops an hour at the stop defaults). Looked at every 50 ms.',
      chosenOn: SPOKEN_BENCHES,
    },
    LEAD_SEARCH_STEP: {
      value: 5,
      why:
        'Why the pause may end up to 500 ms before the aligned start: a low-margin spotting is often aligned to ' +
        '"robot" alone, its "hey" (200\u2013400 ms) before it, and the second stage must hear all of it. Why not ' +
        'the lead too: measured from there, it let through phrases near the start of every sentence (36 false ' +
        'stops an hour at the stop defaults). Looked at every 50 ms.',
      chosenOn: REASONED,
    },
    KEPT_FRAMES: {
      value: 1000,
      why: 'Frames of power kept (10 s): longer than any phrase and its lead.',
      chosenOn: REASONED,
    },
    KEPT_AUDIO_FRAMES: {
      value: 400,
      why:
        "Why 4 s of audio: a phrase is judged at most about a second after its end (the spotter's settling), and " +
        'no phrase and the margin around it take 3 s; 128 KB per stream.',
      chosenOn: REASONED,
    },
  },
  stream: {
    RESTART_AFTER_MS: {
      value: 30_000,
      why:
        'Why a fresh search every 30 s of audio (at the first quiet frame after it): the keyphrase search keeps ' +
        "every spotting of its utterance and pocketsphinx's frame counters grow with it; an hour-long utterance is " +
        'not what it was written for. A restart costs nothing audible (the cepstral mean carries over).',
      chosenOn: REASONED,
    },
    PARK_AFTER_MS: {
      value: 500,
      why:
        "Why the search stops hearing a quiet microphone after 500 ms of it (frames under speech's level): nothing " +
        'in quiet is a phrase (a stop needs a vowel), and the search costs ~3 % of a core per stream whatever it ' +
        "hears, most of it between turns. 500 ms: past the lead's 300 ms pause and the search's report delay, so " +
        'what was said before the quiet has shown and been judged. The first frame above quiet starts a fresh ' +
        'search (as a restart at a pause does), the last PARK_LEAD_IN_MS of quiet heard first.',
      chosenOn: REASONED,
    },
    PARK_LEAD_IN_MS: {
      value: 300,
      why:
        'Why 300 ms of the quiet before a sound is searched again: the search aligns a phrase against the silence ' +
        'before it, as it had heard it in a running search; the same 300 ms the lead is measured on.',
      chosenOn: REASONED,
    },
    FORCE_RESTART_MS: {
      value: 120_000,
      why: 'Why 120 s: in steady loud noise no frame is quiet; restart anyway, rarely.',
      chosenOn: REASONED,
    },
    SETTLE_MS: {
      value: 200,
      why:
        "Why 200 ms: the search's own report delay (100 ms) and as long again for a better alignment of the same " +
        'phrase.',
      chosenOn: REASONED,
    },
    MAX_SETTLE_MS: {
      value: 1000,
      why: 'Why 1 s: in running speech new spottings keep coming; the older ones are judged ' + 'by then.',
      chosenOn: SPOKEN_BENCHES,
    },
    PAUSE_BEFORE_RESTART_MS: {
      value: 300,
      why:
        'Why a fresh search after rejected spottings waits for 300 ms of quiet: a restart forgets what is being ' +
        "said, and at a wake phrase's low threshold the search proposes other phrases on the first syllables of " +
        'the one being said ("jarvis" on "com-"); restarted at once, it cut the real phrase in two (1\u20135 of ' +
        'the 21 wake phrases of the recordings of real people, by the order they were heard in). Why 300 ms: the ' +
        "lead's pause, longer than the search's report delay (100 ms), so what was said before the pause has " +
        'shown.',
      chosenOn: REASONED,
    },
    VERIFY_BEFORE_PAUSE_FRAMES: {
      value: 10,
      why:
        "Audio verified before the phrase's aligned start: from the quiet stretch the lead found (a low-margin " +
        'spotting is often aligned to "robot" alone), 100 ms before its end, and at most 800 ms before the start.',
      chosenOn: SPOKEN_BENCHES,
    },
    VERIFY_BEFORE_MAX_FRAMES: {
      value: 80,
      why:
        "Audio verified before the phrase's aligned start: from the quiet stretch the lead found (a low-margin " +
        'spotting is often aligned to "robot" alone), 100 ms before its end, and at most 800 ms before the start.',
      chosenOn: SPOKEN_BENCHES,
    },
    VOICING_BEFORE_FRAMES: {
      value: 10,
      why:
        "Why 100 ms: as much as the search's alignment is off at a low margin (see above); noise has no vowel " +
        'anywhere.',
      chosenOn: SPOKEN_BENCHES,
    },
    UNKNOWN_START_FRAMES: {
      value: 100,
      why:
        'Where a spotting whose start frame comes after its end is taken to begin: this long before its end. The ' +
        "search's restart (`ps_start_utt`) re-enters its phone loop but does not clear the phrases' own HMMs " +
        '(kws_search_start), and a path carried across it can report such a start. Read as it came, it gave a ' +
        'negative duration, no audio for the second stage and no lead: on the recordings of real people, the ' +
        'best-scoring "alexa" and "computer" of several clips came this way and were lost. Why 1 s: longer than ' +
        'any wake phrase the benches aligned (the longest, a real "jarvis", 800 ms); the second stage finds where ' +
        'in it the phrase began.',
      chosenOn: SPOKEN_BENCHES,
    },
  },
  search: {
    DEFAULT_DELAY_FRAMES: {
      value: 10,
      why: "pocketsphinx's default `-kws_delay` (frames).",
      chosenOn: POCKETSPHINX_DEFAULT,
    },
    DEFAULT_BEAM: { value: 1e-48, why: "pocketsphinx's default beam.", chosenOn: POCKETSPHINX_DEFAULT },
    BEAM_BELOW_THRESHOLD: {
      value: 1e-10,
      why:
        "Why a beam 10^10 wider than the smallest threshold: the search prunes a phrase's path once it falls a " +
        "beam behind the best path (the phone loop, most of the time), so with pocketsphinx's default beam (1e-48) " +
        'no threshold below about 1e-48 could ever be met, and long phrases said by voices the model fits less ' +
        "well (eSpeak's) were never spotted at all.",
      chosenOn: SPOKEN_BENCHES,
    },
  },
  verifier: {
    MIN_FRAMES_PER_PHONE: {
      value: 5,
      why:
        "Why a word must take 5 frames (50 ms) a phone: the grammar decoder's floor is 3 (one frame per HMM " +
        'state), where it passes through a word that was not said ("go backward" verified as "hey robot", a false ' +
        'wake on the wake bench, had a "hey" of 3\u20134); 50 ms a phone is 20 phones a second, faster than fast ' +
        'read speech (about 15\u201318). It was 6 when chosen on the synthetic voices (the fastest took 8.4 a ' +
        'phone), which refused a real speaker\'s quick "computer" (5.5\u20135.9 a phone).',
      chosenOn: SPEECH_PHYSICS,
    },
    MIN_WORD_RATIO: {
      value: -30,
      why:
        "Why every word must score at least \u221230 a frame against the phone loop over the word's own frames: " +
        'the phrase\'s whole score lets a well-said "robot" (two thirds of the frames) hide a first word that was ' +
        'not said. On the wake bench\'s tuning voices, "are you a robot" aligned as "hey robot" had a "hey" of ' +
        '\u221233 to \u221249, while every wake phrase had all its words at \u221230 or above at one of the ' +
        'stretch\'s two ends (stream.ts; eSpeak RP\'s "robot" the lowest, \u221224 to \u221228).',
      chosenOn: SPOKEN_BENCHES,
    },
    PHRASE_SCORE_WEIGHT: {
      value: 0.04,
      why:
        'Why the score ratio weighs 0.04 here, 0.01 for commands (grammar-confidence.ts): one short phrase against ' +
        "the loop, whose phones agree poorly with eSpeak's voices (agreement 0\u20130.25 for Scottish English's " +
        '"hey robot" at ratios of 14\u201317), while near misses agree as well and score below the loop ("hello ' +
        'robot": 0.57 at \u22124). Chosen among 0.01\u20130.06 on the wake bench\'s tuning voices (most wake ' +
        'phrases at no false wake); with 0.01, a confidence that stops "hello robot" stops most of Scottish ' +
        'English\'s "hey robot".',
      chosenOn: SPOKEN_BENCHES,
    },
  },
  voicing: {
    VOICED_CORRELATION: {
      value: 0.45,
      why:
        "A window is voiced when its normalized autocorrelation at a pitch lag reaches this: Praat's default " +
        'voicing threshold (To Pitch (ac)).',
      chosenOn: PRAAT_DEFAULT,
    },
    LOWEST_PITCH_HZ: {
      value: 70,
      why: 'The lowest pitch looked for: below adult male speaking pitch.',
      chosenOn: SPEECH_PHYSICS,
    },
    HIGHEST_PITCH_HZ: {
      value: 400,
      why: "The highest pitch looked for: above children's speaking pitch.",
      chosenOn: SPEECH_PHYSICS,
    },
    WINDOW_MS: {
      value: 30,
      why: 'The autocorrelation window: two periods of the lowest pitch.',
      chosenOn: SPEECH_PHYSICS,
    },
    HOP_MS: { value: 10, why: "Windows every 10 ms: the recognizers' frame step.", chosenOn: REASONED },
  },
} as const satisfies Record<string, Record<string, Tuned>>;

export { valuesOf };
