/**
 * `session.activation`'s settings and their defaults (docs/activation.md): when microphone audio may open
 * a user turn. The session chart runs the gate (`machines/activation.region.ts`) on the mode and the
 * window; the keyword spotter (`activation-spotter.ts`) is built from the phrases and thresholds.
 */

export const ACTIVATION_MODES = ['always', 'wake', 'push'] as const;
export type ActivationMode = (typeof ACTIVATION_MODES)[number];

/** `session.activation`: the application's settings (the spotter's phrases and thresholds build the engine). */
export interface ActivationSettings {
  mode: ActivationMode;
  wakePhrases: readonly string[];
  wakeThreshold: number;
  /** A spotted wake phrase's second-stage confidence must reach this (0..1; adapters/spotter/phrase-verifier.ts). */
  wakeConfidence: number;
  stopThreshold: number;
  /** `stopThreshold` for an utterance begun while the robot spoke. */
  stopThresholdOverReply: number;
  /** A wake phrase must stand this far above the 300 ms before it (dB): said after a pause. */
  wakeLeadDb: number;
  /** The same for a stop phrase. */
  stopLeadDb: number;
  windowMs: number;
}

export const DEFAULT_ACTIVATION_OPTIONS: ActivationSettings = {
  /** Why always: a session that answers without a wake phrase is what every client expects until told otherwise. */
  mode: 'always',
  /**
   * Why "hey robot": two words, four syllables, rare in talk near a robot; "hello robot" is a command of the bundled
   * grammar.
   */
  wakePhrases: ['hey robot'],
  /**
   * Why 1e-70: the search only proposes (it finds every wake phrase of the bench there), the second stage decides;
   * chosen with the lead and the confidence on the grammar bench's voices (docs/activation.md).
   */
  wakeThreshold: 1e-70,
  /**
   * Why 0.68: with the lead, the most wake phrases of the grammar bench's voices kept with no false wake in their
   * distractors, as a session's spotter runs (docs/activation.md).
   */
  wakeConfidence: 0.68,
  /**
   * Why 1e-10: a false stop is the safe mistake, but lower ones stop the robot dozens of times an hour on ordinary talk
   * (docs/activation.md).
   */
  stopThreshold: 1e-10,
  /**
   * Why 1e-20 for an utterance begun over a reply: the robot's echo under the user's voice, even cancelled, lowers a
   * spoken stop's score far below 1e-10 (stops over a reply scored 10^-11 to 10^-25 in the echo matrix's overlap
   * phase), while commands said over a reply and the robot's own voice reached 10^-21.9 to 10^-24.3 as a stop phrase
   * (chosen on three cells of that phase: 300 ms bus, +0 and +10 dB, and 100 ms Realtime).
   */
  stopThresholdOverReply: 1e-20,
  /**
   * Why 9 dB, measured where the verifier placed the phrase's first word: near misses ("are you a robot")
   * run on from the words before them (3–8 dB); a wake phrase said after a pause stands 40 dB and more
   * above its silence.
   */
  wakeLeadDb: 9,
  /**
   * Why 15 dB: most false stops are words inside running speech; a stop phrase shouted after a pause stands far above
   * it (docs/activation.md).
   */
  stopLeadDb: 15,
  /** Why 8 s: time to hear the reply and answer it; the window restarts whenever the conversation goes on. */
  windowMs: 8000,
};
