/**
 * When a transcript ending with a stop phrase is a stop. A grammar recognizer turns ordinary speech into
 * "stop" or "halt" on an early partial (16 % of the out-of-grammar corpus did, with no gate), and the
 * commands' confidence gate (`stt.minConfidence`) is too slow and too strict for a stop: a missed stop
 * costs more than a false one. So a partial is a stop when the STT is `minConfidence` sure of it on two
 * reports while the hypothesis keeps ending with it (pocketsphinx reports a changed hypothesis again at
 * its next check, 100 ms later): ordinary speech forced into the phrase has moved on by then, a stop has
 * not. One sure report is not enough: real people's "snowboy" and "smart mirror" were "stop" at 0.21–0.34
 * on their first syllable, and gone on the next report. A final is a stop when it is `minFinalConfidence`
 * sure. An utterance begun while the robot was speaking is held at `overReplyConfidence` instead: the
 * robot's voice under it lowers the confidence (a real "stop" at 1.0 alone was 0.07–0.15 over a reply).
 * A transcript without a confidence (an engine that cannot tell) is a stop. The first words of a
 * longer phrase ("emergency" of "emergency stop") stop in the same way: the rest of the phrase takes
 * another 300 ms to say, and "emergency" is no less a stop. Measured: docs/actions.md. A final of an
 * utterance with less than `MIN_STOP_VOICE_MS` of voice is no stop: the grammar forces a click, or a leak
 * of the agent's own echo, into "stop" as readily as speech. Nor is a stop phrase, partial or final, that
 * the recognizer heard more than `MAX_SPEECH_AFTER_STOP_MS` of speech after (`speechAfterMs`): it ended
 * the sentence early and called the rest of an ordinary phrase silence. Nor is a partial reported again
 * with `TALKED_ON_MS` more speech after it than its last report had: the speaker went on talking past it
 * ("go forward…" heard as "halt" on "go" at 50, 150, 250 ms of speech after), where a stop is the last
 * thing said. Nor is a final whose last word is less than `MIN_LAST_WORD_SPEECH_SHARE` speech
 * (`lastWordSpeechShare`): a grammar sentence must end, and at a pause after "emergency" the decoder laid
 * "stop" over the silence that followed.
 *
 * @example
 * ```ts
 * const gate = createStopGate({ phrases: ['stop'], minConfidence: 0.25, minFinalConfidence: 0.1 });
 * gate.heard({ turnId: 'u1', text: 'stop', confidence: 0.4, final: false }); // undefined: one report
 * gate.heard({ turnId: 'u1', text: 'stop', confidence: 0.6, final: false }); // 'stop': held
 * ```
 */
import { ESTOP_TUNING, valuesOf } from './tuning.js';

export interface StopGateOptions {
  /** The stop phrases (`session.estop.phrases`). */
  phrases: readonly string[];
  /**
   * A partial this sure of a stop phrase is a stop when a later report of the utterance still is (absent or 0: every
   * partial ending with one, at once).
   */
  minConfidence?: number;
  /** The same for an utterance begun while the robot was speaking (absent: `minConfidence`). */
  overReplyConfidence?: number;
  /** A final this sure is a stop (absent: `minConfidence`). */
  minFinalConfidence?: number;
}

export interface HeardTranscript {
  turnId: string;
  text: string;
  confidence?: number | undefined;
  final: boolean;
  /** The utterance's voice (the VAD's voiced frames, `vad.speech_end.speechMs`), when known. */
  voicedMs?: number | undefined;
  /**
   * Speech after the transcript's last word that it leaves out (`stt.partial`/`stt.final` `speechAfterMs`), when known.
   */
  speechAfterMs?: number | undefined;
  /** The share (0..1) of a final's last word over speech (`stt.final` `lastWordSpeechShare`), when known. */
  lastWordSpeechShare?: number | undefined;
  /** The utterance began while the robot was speaking: its own voice, under the user's, lowers the STT's confidence. */
  overReply?: boolean | undefined;
}

export const { MIN_STOP_VOICE_MS, MAX_SPEECH_AFTER_STOP_MS, TALKED_ON_MS, MIN_LAST_WORD_SPEECH_SHARE } = valuesOf(
  ESTOP_TUNING.gate,
);

const words = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s']/gu, ' ')
    .split(/\s+/)
    .filter(Boolean);

/** The stop phrase `text` ends with (whole words, case and punctuation ignored), if any. */
export function endsWithStopPhrase(text: string, phrases: readonly string[]): string | undefined {
  const heard = words(text);
  // The longest phrase first: "emergency stop" is reported as itself, not as "stop".
  return [...phrases]
    .sort((a, b) => words(b).length - words(a).length)
    .find((phrase) => {
      const p = words(phrase);
      return p.length > 0 && p.length <= heard.length && p.every((w, i) => heard[heard.length - p.length + i] === w);
    });
}

/**
 * The first words of each phrase of more than one word ("emergency" → "emergency stop"), phrases themselves left out.
 */
function leadingWords(phrases: readonly string[]): Map<string, string> {
  const leads = new Map<string, string>();
  for (const phrase of phrases) {
    const w = words(phrase);
    for (let n = 1; n < w.length; n++) {
      const lead = w.slice(0, n).join(' ');
      if (!leads.has(lead) && endsWithStopPhrase(lead, phrases) === undefined) leads.set(lead, phrase);
    }
  }
  return leads;
}

/** Why 64: utterances of one session in flight at once are a handful; the map only has to outlive them. */
const MAX_PENDING = 64;

/** A stop gate for one session's transcripts (it remembers, per utterance, a stop phrase not yet sure). */
export function createStopGate(options: StopGateOptions) {
  const min = options.minConfidence ?? 0;
  const overReplyMin = options.overReplyConfidence ?? min;
  const minFinal = options.minFinalConfidence ?? min;
  /** Per utterance: the stop phrase a partial ended with at `min`, waiting for a later report to hold it. */
  const pending = new Map<string, string>();
  /** Per utterance: its last partial's words and the speech the recognizer heard after them. */
  const lastPartial = new Map<string, { text: string; speechAfterMs: number }>();
  const leads = leadingWords(options.phrases);
  const hold = (turnId: string, heard: string) => {
    if (pending.size >= MAX_PENDING) pending.clear();
    pending.set(turnId, heard);
  };
  /** Whether `transcript` is the last partial again, with the speech after it grown by the audio between them. */
  const talkedOn = (transcript: HeardTranscript): boolean => {
    if (transcript.final) {
      lastPartial.delete(transcript.turnId);
      return false;
    }
    const last = lastPartial.get(transcript.turnId);
    if (transcript.speechAfterMs === undefined) return false;
    if (lastPartial.size >= MAX_PENDING) lastPartial.clear();
    lastPartial.set(transcript.turnId, { text: transcript.text, speechAfterMs: transcript.speechAfterMs });
    return last?.text === transcript.text && transcript.speechAfterMs - last.speechAfterMs >= TALKED_ON_MS;
  };
  return {
    /** The stop phrase `transcript` stops on, if it is a stop. */
    heard(transcript: HeardTranscript): string | undefined {
      const phrase = endsWithStopPhrase(transcript.text, options.phrases);
      const held = pending.get(transcript.turnId);
      // Held while the hypothesis still ends with it, whatever this report's confidence: ordinary speech
      // moves on from a phrase it was forced into, a stop stays (over the robot's own voice, one report
      // in three may dip under `minConfidence`).
      if (held !== phrase || transcript.final) pending.delete(transcript.turnId);
      const confidence = transcript.confidence ?? 1;
      // Said words after it: whatever the recognizer made of the phrase, it was not the last thing said.
      if (talkedOn(transcript) || (transcript.speechAfterMs ?? 0) > MAX_SPEECH_AFTER_STOP_MS) return undefined;
      // Its last word laid over silence: the sentence's end, forced where only its first words were said.
      if ((transcript.lastWordSpeechShare ?? 1) < MIN_LAST_WORD_SPEECH_SHARE) return undefined;
      if (phrase === undefined) {
        const lead = transcript.final ? undefined : endsWithStopPhrase(transcript.text, [...leads.keys()]);
        if (lead === undefined || confidence < min) return undefined;
        if (held === lead) return leads.get(lead);
        hold(transcript.turnId, lead);
        return undefined;
      }
      const tooShort = transcript.voicedMs !== undefined && transcript.voicedMs < MIN_STOP_VOICE_MS;
      if (transcript.final) return confidence >= minFinal && !tooShort ? phrase : undefined;
      const threshold = transcript.overReply ? overReplyMin : min;
      // No confidence to hold (an engine that cannot tell), or no gate (0): at once.
      if (transcript.confidence === undefined || threshold === 0 || held === phrase)
        return confidence >= threshold ? phrase : undefined;
      if (confidence >= threshold) hold(transcript.turnId, phrase);
      return undefined;
    },
  };
}
