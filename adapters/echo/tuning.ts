/**
 * The echo path's tuning, in one table: every value the stages use, why it has that value, and what it was
 * chosen on. Values are read with {@link valuesOf} where they are used:
 *
 * @example
 * ```ts
 * const { ALIGN_MARGIN_MS, REALIGN_MS } = valuesOf(ECHO_TUNING.stage);
 * ```
 *
 * `chosenOn` says how far a value can be trusted on a room nothing here was measured in: `ECHO_MATRIX`
 * values were measured on the echo matrix (synthetic voices in simulated rooms and the virtual PulseAudio
 * room: docs/echo.md) and are the first to revisit on a real device; `REASONED` values follow from the
 * 20 ms block, the 4 ms envelope hop or other values here; `SPEEXDSP_DEFAULT` are speexdsp's own.
 * Blocks are 20 ms; hops are the delay estimator's 4 ms.
 */

import { ECHO_MATRIX, REASONED, SPEEXDSP_DEFAULT, SPEECH_LEVELS, type Tuned } from './tuned.js';

export { ECHO_MATRIX, REASONED, SPEECH_LEVELS, SPEEXDSP_DEFAULT, valuesOf, type Tuned } from './tuned.js';

/**
 * Why 1600 ms: the longest playback → microphone delay the estimator looks for and the guards wait out;
 * devices and clients measured in the echo matrix stayed under 600 ms, Bluetooth-class paths reach about a second.
 */
export const MAX_DELAY_MS = 1600;

export const ECHO_TUNING = {
  canceller: {
    HEAD_MS: {
      value: 300,
      why:
        'Why 300 ms: the longest single filter that still converges to 25 dB and more within 20 s of replies in ' +
        "the echo matrix (docs/echo.md); most of a room's echo energy lies in its first 300 ms.",
      chosenOn: ECHO_MATRIX,
    },
    LATE_OVERLAP_MS: {
      value: 30,
      why:
        'Why 30 ms: the late filter starts this much before the head ends, so no tap of the path falls between ' +
        'them.',
      chosenOn: REASONED,
    },
    NOISE_SUPPRESS_DB: {
      value: -1,
      why:
        'The preprocessor applies no gain at all with its denoiser off (residual echo suppression included), so ' +
        'the denoiser runs with its noise attenuation at -1 dB: practically nothing, leaving noise to RNNoise.',
      chosenOn: REASONED,
    },
    ECHO_SUPPRESS_DB: {
      value: -40,
      why: "Why -40 dB: speexdsp's default for residual echo while only the far end talks.",
      chosenOn: SPEEXDSP_DEFAULT,
    },
    ECHO_SUPPRESS_ACTIVE_DB: {
      value: -15,
      why: "Why -15 dB: speexdsp's default while the user talks too; deeper would eat the user's barge-in.",
      chosenOn: SPEEXDSP_DEFAULT,
    },
  },
  delay: {
    FLOOR_DBFS: {
      value: -60,
      why:
        "Why -60 dBFS: the floor of the log envelope, below any echo worth cancelling (a quiet room's noise is " +
        'about there).',
      chosenOn: SPEECH_LEVELS,
    },
    HOP_MS: {
      value: 4,
      why: "Why 4 ms: the envelope's hop; a syllable's onset takes ~10 ms, and the parabola refines below it.",
      chosenOn: REASONED,
    },
    WINDOW_MS: {
      value: 1000,
      why: 'Why 1 s of forgetting: a few syllables of echo, short enough to follow a delay that changes.',
      chosenOn: REASONED,
    },
    RISE_MS: {
      value: 16,
      why: "Why 16 ms: a syllable's onset rises within it wherever the delay falls between two 4 ms hops.",
      chosenOn: ECHO_MATRIX,
    },
    MIN_CORRELATION: {
      value: 0.6,
      why: "Why 0.6 to take a delay: an echo's onsets correlate 0.8–0.9; the user's speech reaches 0.55 by chance.",
      chosenOn: ECHO_MATRIX,
    },
    KEEP_CORRELATION: {
      value: 0.35,
      why: "Why 0.35 to keep it: double talk and a quiet echo lower the echo's correlation, not its peak's place.",
      chosenOn: ECHO_MATRIX,
    },
    HOLD_MS: {
      value: 120,
      why: 'Why 120 ms: a new delay must be the best for a syllable or so before the filter is moved.',
      chosenOn: REASONED,
    },
    NEW_REPLY_WEIGHT: {
      value: 0.25,
      why: "Why 0.25: after a pause, the last reply's evidence counts a quarter against the next reply's syllables.",
      chosenOn: REASONED,
    },
    NEW_REPLY_AFTER_MS: {
      value: 600,
      why: "Why 600 ms: the agent's pauses between sentences are shorter; between replies, longer.",
      chosenOn: REASONED,
    },
    PLACE_RADIUS_HOPS: {
      value: 2,
      why:
        "Why 2 hops: the 16 ms onsets' peak lies within a hop or so of the one-hop onsets' (the room's build-up " +
        'pulls it late).',
      chosenOn: ECHO_MATRIX,
    },
    MIN_EVIDENCE_HOPS: {
      value: 100,
      why:
        'Why 100 hops (400 ms at 4 ms): a few syllables before the first estimate; fewer and chance correlations ' +
        'win.',
      chosenOn: ECHO_MATRIX,
    },
    SMALL_MOVE_HOPS: {
      value: 3,
      why:
        'Why 3 hops (12 ms): the early reflections spread the peak that far; a move within it is not counted as a ' +
        'change.',
      chosenOn: ECHO_MATRIX,
    },
    SWITCH_MARGIN: {
      value: 0.15,
      why:
        "Why 0.15: a new delay's correlation must beat the current one's by this much (side peaks come within 0.1 " +
        'or so).',
      chosenOn: ECHO_MATRIX,
    },
  },
  captureClock: {
    RESYNC_MS: {
      value: 60,
      why: 'Why 60 ms: three frames late is no longer jitter on a LAN or a loaded loop but a paused stream.',
      chosenOn: REASONED,
    },
    TOLERANCE_MS: {
      value: 10,
      why: "Why 10 ms: a steady capture lag below this is within what the canceller's tail absorbs anyway.",
      chosenOn: REASONED,
    },
    WINDOW_MS: {
      value: 10_000,
      why: 'Why 10 s: long enough for one early frame to show the true lag; short enough to follow clock drift.',
      chosenOn: REASONED,
    },
  },
  delayRefine: {
    MIN_CORRELATION: {
      value: 0.2,
      why:
        'Why 0.2: the direct sound of an echo 6\u201310 dB below the reference, with its room, correlates ' +
        '0.3\u20130.6; speech against other speech under 0.1.',
      chosenOn: ECHO_MATRIX,
    },
  },
  missingGuard: {
    PLAYED_DECAY_DB: {
      value: 1,
      why:
        "The level of what just played is its peak, decaying by this much per block: the echo's reverberation " +
        'lasts.',
      chosenOn: ECHO_MATRIX,
    },
    QUIET_RISE_DB: {
      value: 0.05,
      why: "The room noise's minimum rises this much a block (1.5 dB a second) to follow a room getting louder.",
      chosenOn: REASONED,
    },
    MISSING_DB: {
      value: 20,
      why:
        "Why 20 dB: an echo's level over its reference scatters \u00b110 dB from block to block; 20 dB under the " +
        'usual is no echo at all.',
      chosenOn: ECHO_MATRIX,
    },
    MISSING_BLOCKS: {
      value: 4,
      why:
        'Why 4 blocks (80 ms) after 2 blocks of lead: the echo of a block arrives up to the alignment margin ' +
        "later; a syllable's onset is not a missing echo.",
      chosenOn: ECHO_MATRIX,
    },
    BACK_DB: {
      value: 10,
      why: 'Why 10 dB under the usual: the echo back where the reference puts it, clear of a merely missing one.',
      chosenOn: REASONED,
    },
    LEAD_BLOCKS: {
      value: 2,
      why:
        'Why 4 blocks (80 ms) after 2 blocks of lead: the echo of a block arrives up to the alignment margin ' +
        "later; a syllable's onset is not a missing echo.",
      chosenOn: REASONED,
    },
    GAIN_WINDOW: {
      value: 150,
      why:
        "Why 150 blocks and 25 to start: the echo's usual level over the last 3 s of the agent's speech, after " +
        'half a second of it.',
      chosenOn: REASONED,
    },
    GAIN_MIN: {
      value: 25,
      why:
        "Why 150 blocks and 25 to start: the echo's usual level over the last 3 s of the agent's speech, after " +
        'half a second of it.',
      chosenOn: REASONED,
    },
    RECOMPUTE_EVERY: {
      value: 5,
      why: "Why every 5 blocks: the echo's usual level moves over seconds; sorting on every block costs for nothing.",
      chosenOn: REASONED,
    },
    PAUSE_BLOCKS: {
      value: 30,
      why: "Why 30 blocks (600 ms): the agent's pauses between sentences are shorter; between replies, longer.",
      chosenOn: ECHO_MATRIX,
    },
    EARLY_DB: {
      value: 10,
      why:
        'Why 10 dB under the usual and 3 blocks: the echo at its usual level over what played, arriving before its ' +
        "reference is due (less would take a normal echo's onset, spread by the room, for an early one).",
      chosenOn: ECHO_MATRIX,
    },
    EARLY_BLOCKS: {
      value: 3,
      why:
        'Why 10 dB under the usual and 3 blocks: the echo at its usual level over what played, arriving before its ' +
        "reference is due (less would take a normal echo's onset, spread by the room, for an early one).",
      chosenOn: ECHO_MATRIX,
    },
    STIR_DB: {
      value: 6,
      why:
        "Why 6 dB over the room's noise for 2 blocks: a reply's soft first syllables, echoed early, are that; the " +
        "noise's own scatter is not.",
      chosenOn: ECHO_MATRIX,
    },
    STIR_BLOCKS: {
      value: 2,
      why:
        "Why 6 dB over the room's noise for 2 blocks: a reply's soft first syllables, echoed early, are that; the " +
        "noise's own scatter is not.",
      chosenOn: ECHO_MATRIX,
    },
    ECHO_BACK_BLOCKS: {
      value: 5,
      why: 'Why 5 blocks: a hundred ms of the echo at its usual level where the reference puts it.',
      chosenOn: REASONED,
    },
  },
  onsetJudge: {
    RULE_OUT_UNDER_DB: {
      value: 10,
      why: "Why 10 dB under the usual gain to rule a delay out: an echo's level scatters ±10 dB from block to block.",
      chosenOn: ECHO_MATRIX,
    },
    EXPLAIN_OVER_DB: {
      value: 6,
      why: 'Why 6 dB over it to explain a start: no reverberation lifts an echo after quiet; a hiss stays under.',
      chosenOn: ECHO_MATRIX,
    },
    FIRST_TEST_BLOCKS: {
      value: 6,
      why:
        "Why 120 ms, then every 40 ms up to 320: a syllable or two of echo correlates 0.6 and more; the user's " +
        'chance peaks fall as the sound goes on.',
      chosenOn: ECHO_MATRIX,
    },
    TEST_EVERY_BLOCKS: {
      value: 2,
      why:
        "Why 120 ms, then every 40 ms up to 320: a syllable or two of echo correlates 0.6 and more; the user's " +
        'chance peaks fall as the sound goes on.',
      chosenOn: REASONED,
    },
    LAST_TEST_BLOCKS: {
      value: 16,
      why:
        "Why 120 ms, then every 40 ms up to 320: a syllable or two of echo correlates 0.6 and more; the user's " +
        'chance peaks fall as the sound goes on.',
      chosenOn: ECHO_MATRIX,
    },
    ECHO_MIN_CORRELATION: {
      value: 0.4,
      why: "Why 0.4: echoes correlated 0.6–0.75 over their first 120 ms at the delay left; the user's voice to 0.29.",
      chosenOn: ECHO_MATRIX,
    },
    USER_MAX_CORRELATION: {
      value: 0.15,
      why: "Why 0.15: no echo's peak is that low at a delay left; the user's chance peaks fall under it as they go on.",
      chosenOn: ECHO_MATRIX,
    },
    USER_MAX_LATER_CORRELATION: {
      value: 0.2,
      why: "Why 0.2 from `LATER_BLOCKS` on: the user's chance peaks are down to about that; an echo's, 0.6 and more.",
      chosenOn: ECHO_MATRIX,
    },
    LATER_BLOCKS: {
      value: 10,
      why: "Why 10 blocks (200 ms): from there the user's chance peaks are down to about 0.2.",
      chosenOn: ECHO_MATRIX,
    },
    QUIET_END_BLOCKS: {
      value: 10,
      why:
        "Why 10 blocks (200 ms): longer than the gaps between a phrase's words; a quiet that long ends what was " +
        'judged.',
      chosenOn: REASONED,
    },
    MAX_OPEN_BLOCKS: {
      value: 10,
      why: 'Why 10 delays (200 ms of them): more left open is no anchor; the hold goes on as ' + 'before.',
      chosenOn: REASONED,
    },
    SAME_DELAY_SAMPLES: {
      value: 2,
      why: "Why 2 samples: an echo's peak stays put from one test to the next; a chance peak " + 'moves.',
      chosenOn: ECHO_MATRIX,
    },
    KNOWN_DELAYS: {
      value: 4,
      why: 'Why 4: a device re-buffers between a few states; older delays are stale.',
      chosenOn: REASONED,
    },
  },
  reference: {
    HISTORY_MS: {
      value: 2500,
      why: 'Why 2.5 s: the block read (~100 ms old) less the delay aligned on (to 1.6 s); 200 ms are written ahead.',
      chosenOn: REASONED,
    },
  },
  replay: {
    AUDIBLE_DB: {
      value: 10,
      why: "Why 10 dB: below, the block's ERLE is the noise's, not the filter's.",
      chosenOn: REASONED,
    },
  },
  stage: {
    ALIGN_MARGIN_MS: {
      value: 30,
      why:
        "Why 30 ms: the reference is read this much before the estimated delay \u2014 the estimate's error " +
        "(\u00b14 ms), the peak's pull towards the early reflections, and speexdsp's blocks \u2014 so the direct " +
        'sound always falls inside the filter.',
      chosenOn: ECHO_MATRIX,
    },
    REALIGN_MS: {
      value: 10,
      why:
        "Why 10 ms: a smaller move is the estimate's jitter, which the filter's margin absorbs; resetting for it " +
        'would cost the room.',
      chosenOn: REASONED,
    },
    REFINE_WINDOW_MS: {
      value: 500,
      why: 'Why 500 ms: a few syllables of echo at the new delay, enough for a clear waveform peak.',
      chosenOn: ECHO_MATRIX,
    },
    REFINE_RADIUS_MS: {
      value: 16,
      why: "Why ±16 ms: past the envelope estimate's error (±4 ms) and an early reflection's pull (up to 12 ms late).",
      chosenOn: ECHO_MATRIX,
    },
    MOVE_MIN_CORRELATION: {
      value: 0.3,
      why:
        "Why 0.3: an echo's direct sound correlates 0.3\u20130.6 in the refinement (delay-refine.ts); the user's " +
        'chance peaks reached 0.21.',
      chosenOn: ECHO_MATRIX,
    },
    MAX_DEFER_BLOCKS: {
      value: 17,
      why:
        "Why 17 blocks: the onset judge's last test comes 16 blocks (320 ms) into a sound (onset-judge.ts); a " +
        'sound held that long gets its verdict before its first block must go out.',
      chosenOn: REASONED,
    },
    HEARD_OVER_NOISE: {
      value: 10,
      why:
        "Why 10 dB (10\u00d7): a held block counts as the user's only if it is clearly above the room's noise (the " +
        "suppressor's own voice test).",
      chosenOn: REASONED,
    },
    KEPT_ROOM_ERLE_DB: {
      value: 18,
      why: "Why 18 dB: the suppressor's `CONVERGED_ERLE_DB`; a filter that kept the room cancels that much at once.",
      chosenOn: REASONED,
    },
    NO_ECHO_BLOCKS: {
      value: 150,
      why:
        "Why 150 blocks (3 s of the agent's speech): the estimator finds an echo in its first syllables; none by " +
        'then is a headset, or a device that cancels its own.',
      chosenOn: REASONED,
    },
  },
  suppressor: {
    ACTIVE_DBFS: {
      value: -55,
      why: "Why -55 dBFS: the agent's speech is far above it; the pauses of synthetic speech " + 'are far below.',
      chosenOn: ECHO_MATRIX,
    },
    CONVERGED_ERLE_DB: {
      value: 18,
      why: 'Why 18 dB: a converged filter cancels 25 dB and more; one on a drifting loopback path, 10–15 dB.',
      chosenOn: ECHO_MATRIX,
    },
    MARGIN_DB: {
      value: 10,
      why: "Why 10 dB under the typical ERLE: echo blocks scatter a few dB around it; the user's voice 20 dB and more.",
      chosenOn: REASONED,
    },
    WINDOW_BLOCKS: {
      value: 150,
      why:
        "The typical ERLE is the median over the last 150 blocks (3 s of the agent's speech at 20 ms) once " +
        "converged \u2014 a barge-in's half second cannot move it \u2014 but over the last 50 (1 s) while still " +
        'learning, so half duplex ends about a second after the canceller has converged, not three.',
      chosenOn: REASONED,
    },
    LEARNING_WINDOW_BLOCKS: {
      value: 50,
      why:
        "The typical ERLE is the median over the last 150 blocks (3 s of the agent's speech at 20 ms) once " +
        "converged \u2014 a barge-in's half second cannot move it \u2014 but over the last 50 (1 s) while still " +
        'learning, so half duplex ends about a second after the canceller has converged, not three.',
      chosenOn: REASONED,
    },
    MIN_HISTORY: {
      value: 25,
      why: 'Why 25 blocks (0.5 s of audible echo): fewer give no median worth trusting; until ' + 'then, half duplex.',
      chosenOn: REASONED,
    },
    FLOOR_WINDOW_BLOCKS: {
      value: 250,
      why:
        "The noise floor is the 5th percentile of the output's block energies over the last 250 blocks (5 s) while " +
        'the agent was silent: the user may talk through most of that time (a session that starts with a command), ' +
        'but not without pauses; and one odd block (a dropout) does not set it.',
      chosenOn: REASONED,
    },
    FLOOR_PERCENTILE: {
      value: 0.05,
      why:
        "The noise floor is the 5th percentile of the output's block energies over the last 250 blocks (5 s) while " +
        'the agent was silent: the user may talk through most of that time (a session that starts with a command), ' +
        'but not without pauses; and one odd block (a dropout) does not set it.',
      chosenOn: REASONED,
    },
    RECOMPUTE_EVERY: {
      value: 5,
      why:
        'Why every 5 blocks: the floor and the typical ERLE move over seconds; sorting on every block would cost ' +
        'for nothing.',
      chosenOn: REASONED,
    },
    NOISE_BLOCK_DB: {
      value: 3,
      why: 'A block within 3 dB of the noise floor while the agent is silent is noise: it becomes the comfort noise.',
      chosenOn: REASONED,
    },
    VOICE_ABOVE_FLOOR_DB: {
      value: 10,
      why:
        "Why 10 dB: the user's voice is clearly above the room's noise; the canceller's leftovers near noise level " +
        'are not a voice.',
      chosenOn: ECHO_MATRIX,
    },
    RESIDUAL_NEAR_FLOOR_DB: {
      value: 6,
      why:
        "Why 6 dB at the 80th percentile: when the canceller's output while the agent speaks stays within 6 dB of " +
        "the room's noise in four blocks out of five \u2014 loud syllables included \u2014 the echo is gone (or " +
        'never came back: a headset, a device that cancels its own) and the canceller counts as converged, ' +
        'whatever its ERLE (which a weak echo never lets rise far).',
      chosenOn: ECHO_MATRIX,
    },
    RESIDUAL_PERCENTILE: {
      value: 0.8,
      why:
        "Why 6 dB at the 80th percentile: when the canceller's output while the agent speaks stays within 6 dB of " +
        "the room's noise in four blocks out of five \u2014 loud syllables included \u2014 the echo is gone (or " +
        'never came back: a headset, a device that cancels its own) and the canceller counts as converged, ' +
        'whatever its ERLE (which a weak echo never lets rise far).',
      chosenOn: ECHO_MATRIX,
    },
    CONVERGED_HYSTERESIS_DB: {
      value: 6,
      why: 'Why 6 dB: the statistics wobble by a few dB from word to word; that must not toggle half duplex.',
      chosenOn: REASONED,
    },
    VOICE_MAX_ERLE_DB: {
      value: 15,
      why:
        "Why 15 dB: a voice over the echo holds a block's ERLE to 10\u00b7log10(1 + echo/voice) \u2014 at most 15 " +
        "dB unless the voice is 15 dB quieter than the echo at the microphone \u2014 while a good canceller's echo " +
        'blocks stay above it even where they fall short of its usual 30\u201345 dB.',
      chosenOn: REASONED,
    },
    DIVERGED_ERLE_DB: {
      value: -3,
      why:
        'Why -3 dB over 25 blocks: a canceller that adds more than it removes for half a second is wrong, not ' +
        'unlucky.',
      chosenOn: REASONED,
    },
    DIVERGED_BLOCKS: {
      value: 25,
      why:
        'Why -3 dB over 25 blocks: a canceller that adds more than it removes for half a second is wrong, not ' +
        'unlucky.',
      chosenOn: REASONED,
    },
    ABOVE_LEFTOVER_DB: {
      value: 6,
      why:
        "Why 6 dB: the user's voice is at least that far above what the canceller usually leaves of the loudest " +
        'echo of the last tail (that leftover scatters \u00b13 dB); the voice 10 dB under the echo is still 10 dB ' +
        'above it.',
      chosenOn: ECHO_MATRIX,
    },
    USER_RUN_LEARN_BLOCKS: {
      value: 100,
      why:
        'Why 100 blocks (2 s): a barge-in stops the agent within ~0.5 s; "the user" talking over it for longer is ' +
        'echo.',
      chosenOn: REASONED,
    },
    AUDIBLE_ECHO_DB: {
      value: 10,
      why:
        'ERLE is measured only on blocks where the microphone is 10 dB above the floor: below that, noise decides ' +
        'it.',
      chosenOn: REASONED,
    },
    ECHO_GAIN_PERCENTILE: {
      value: 0.9,
      why:
        "Why the 90th percentile: what the agent's speech brings back at its loudest, over its envelope, with the " +
        "user's odd block (a tenth of the window) unable to move it.",
      chosenOn: REASONED,
    },
    LOUD_OVER_ECHO_DB: {
      value: 6,
      why: "Why 6 dB over that: the echo's blocks scatter a few dB over it; a user near the microphone, 8 dB and more.",
      chosenOn: ECHO_MATRIX,
    },
    ENVELOPE_HOLD_BLOCKS: {
      value: 5,
      why: 'Why 5 blocks (100 ms): the echo may come that late after the aligned reference (margin, latency error).',
      chosenOn: ECHO_MATRIX,
    },
    USER_GAP_BLOCKS: {
      value: 10,
      why: "Why 10 blocks (200 ms), while the filter learns: the weak sounds between a loud user's words stay theirs.",
      chosenOn: ECHO_MATRIX,
    },
  },
  webrtcStage: {
    LEAD_MS: {
      value: 60,
      why:
        'Why 60 ms: the reference is read this much before the estimated delay, so the echo always comes after it ' +
        "(the estimate's error is \u00b14 ms, the estimate's pull towards early reflections ~12 ms) and WebRTC's " +
        'own estimator, told this delay, finds the rest within its range.',
      chosenOn: ECHO_MATRIX,
    },
    REALIGN_MS: {
      value: 10,
      why: "Why 10 ms: a smaller move is the estimate's jitter, which WebRTC's own estimator follows without a jump.",
      chosenOn: REASONED,
    },
  },
} as const satisfies Record<string, Record<string, Tuned>>;
