/**
 * The emergency stop's defaults, in one table: every value the stop path decides on, what it is for, why it
 * has that value and what it was chosen on. The engine the wake and stop phrases share keeps its own table
 * (`adapters/spotter/tuning.ts`), the echo canceller its own (`adapters/echo/tuning.ts`); the phrases and
 * their thresholds are options (`session.estop`), not here. Values are read with {@link valuesOf} where they
 * are used.
 *
 * `chosenOn` says how far a value can be trusted on voices and rooms nothing here heard: `SPOKEN_BENCHES`
 * values were measured on the wake, grammar and e-stop benches' synthetic voices and checked on the
 * recordings of real people (docs/actions.md); `ECHO_MATRIX` values on the echo matrix (docs/echo.md);
 * `REASONED` values follow from the recognizers' report interval or from other values here.
 *
 * @example
 * ```ts
 * const { REPEAT_MS } = valuesOf(ESTOP_TUNING.spotter); // 1000
 * ```
 */
import { valuesOf, type Tuned as TunedValue } from '../../adapters/tuned.js';

/** Measured on the benches' synthetic voices, checked on the recordings of real people. */
export const SPOKEN_BENCHES = 'wake, grammar and e-stop benches (synthetic voices; checked on real recordings)';
/** Measured on the echo matrix: synthetic voices in simulated rooms and the virtual sound-server room. */
export const ECHO_MATRIX = 'echo matrix (synthetic voices, simulated and virtual rooms)';
/** Derived from the recognizers' frames and reports or from other values here, not fitted. */
export const REASONED = 'reasoned from the report interval and the other values';

/** One tuned value of the stop path, with what it was chosen on. */
export type Tuned = TunedValue<typeof SPOKEN_BENCHES | typeof ECHO_MATRIX | typeof REASONED>;

export const ESTOP_TUNING = {
  /** The transcripts' stop gate (stop-gate.ts). */
  gate: {
    MIN_STOP_VOICE_MS: {
      value: 150,
      why:
        "Why 150 ms: the shortest stop phrase of the bench's sixteen voices has ~290 ms of voice; a leak of the " +
        "agent's echo that the echo step let through (the echo matrix's jumping delay) had 80 ms, and was heard as " +
        '"stop" at 0.21.',
      chosenOn: SPOKEN_BENCHES,
    },
    MAX_SPEECH_AFTER_STOP_MS: {
      value: 300,
      why:
        "Why 300 ms: on the grammar bench's corpus (32 voices, both input paths) a spoken stop phrase had at most " +
        '100 ms of speech after it when it fired, and 170 ms in its final; the ordinary phrases forced into "stop" ' +
        '(6 of the 14 false stops: "thank you very much" \u2192 "stop" on "thank") had 570\u20131,010 ms.',
      chosenOn: SPOKEN_BENCHES,
    },
    TALKED_ON_MS: {
      value: 100,
      why:
        'Why 100 ms: pocketsphinx reports partials every 100 ms of audio (`PARTIAL_EVERY_MS`), so a hypothesis ' +
        'reported again with 100 ms more speech after it had speech in all the audio between the two reports. Not ' +
        'fitted: on the grammar bench\'s eight voices, the commands forced into "halt" on "go" (5 of 448 on the ' +
        'local path, 2 on the Realtime one, all eSpeak\'s Scottish "go forward\u2026") grew by exactly that, ' +
        "report after report, while a spoken stop's speech after stayed at 0\u201350 ms until it stopped; no stop " +
        'phrase was lost there or on eight fresh voices (docs/actions.md).',
      chosenOn: REASONED,
    },
    MIN_LAST_WORD_SPEECH_SHARE: {
      value: 0.25,
      why:
        'Why a quarter: a word is said when the phone loop hears speech under a good part of it. On the recordings ' +
        'of real people, "emergency" alone decoded at a pause as "emergency stop" had 5 % of its "stop" over ' +
        'speech; the real "stop"s the gate passed had 48–100 % (an4 and felixchenfy, whole clips). A "stop" is one ' +
        'syllable with a closure: a quarter leaves its silent plosives room.',
      chosenOn: SPOKEN_BENCHES,
    },
  },
  /** The stop spotter's decision (stop-spotter.ts). */
  spotter: {
    REPEAT_MS: {
      value: 1000,
      why:
        "Why 1 s of audio between two stops of no utterance (`-`: the gate closed, or before the VAD's start): a " +
        'repeated "stop, stop!" is one stop, and the next one said after a breath stops again.',
      chosenOn: REASONED,
    },
  },
  /** The learned heads' stop spottings (learned-spotter.ts). */
  learned: {
    PHRASE_MS: {
      value: 600,
      why:
        'Why 600 ms before the spotting: a head says only where a phrase ended; "stop" and "halt" last 300–600 ms, ' +
        'and that span is what the own-voice check weighs.',
      chosenOn: REASONED,
    },
    BEFORE_MS: {
      value: 300,
      why:
        "Why 300 ms before the phrase: the phone-loop spotter's lead window; a stop said after a breath stands " +
        'above it, one inside running speech or noise does not.',
      chosenOn: REASONED,
    },
    REST_AFTER_MS: {
      value: 500,
      why:
        "Why the heads stop hearing a quiet microphone after 500 ms of it (blocks under speech's level): nothing in " +
        'quiet is a phrase, and the speech embedding costs as much in quiet as in speech (its thread was the busiest ' +
        "of a 10-session server). 500 ms: as the phone-loop spotter's rest, past the hop and the heads' report of " +
        'what was said before the quiet.',
      chosenOn: REASONED,
    },
    LEAD_IN_MS: {
      value: 1280,
      why:
        'Why the last 1,280 ms of quiet are heard first at the next sound: the heads read 16 embeddings (1.28 s); ' +
        'so every embedding a phrase is scored with comes from the audio just heard, as with no rest. The ' +
        "embeddings' own 760 ms of mel context before them is quiet too, from before the rest.",
      chosenOn: REASONED,
    },
  },
  /** Whether a spotted phrase is the robot's own voice (own-voice.ts). */
  ownVoice: {
    KEPT_MS: {
      value: 3000,
      why:
        'Why 3 s: the longest stop phrase ("emergency stop", slowly: about 1.2 s) and the spotter\'s settling ' +
        'after it, with room to spare.',
      chosenOn: REASONED,
    },
    SHIFT_MS: {
      value: 2,
      why:
        "Why \u00b12 ms: a burst the virtual room's loopback let through after its latency jumped was 45 % " +
        "explained within \u00b11 ms, 74 % within \u00b12 ms; wider, the fit explains a user's voice by chance " +
        '(about taps / samples: 1 % of a 400 ms word).',
      chosenOn: ECHO_MATRIX,
    },
    SHARE: {
      value: 0.5,
      why:
        "Why one half: a spotted phrase more the robot's echo than anything else is the robot's. The users' stops " +
        'the spotter heard over and after replies in the echo matrix were 0\u201319 % explained (125, real and ' +
        'synthetic voices).',
      chosenOn: REASONED,
    },
  },
  /** The voice a stop phrase must show, spotted (the spotter's `minVoicedMs`) or decoded (stop-transcripts.ts). */
  voice: {
    MIN_VOICED_MS: {
      value: 20,
      why:
        'Why 20 ms of voice: two analysis steps of a vowel, less than the shortest "stop" of the real recordings ' +
        '(AN4, 30 ms at least); steady noise spotted or decoded as "stop" or "halt" (white noise, an exercise ' +
        "bike, a room's noise) had none.",
      chosenOn: SPOKEN_BENCHES,
    },
  },
} as const satisfies Record<string, Record<string, Tuned>>;

export { valuesOf };
