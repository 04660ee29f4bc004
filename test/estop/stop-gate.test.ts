/**
 * The emergency stop's gate: which transcripts ending with a stop phrase are stops (actors/estop/stop-gate.ts).
 */
import { describe, expect, it } from 'vitest';
import {
  createStopGate,
  endsWithStopPhrase,
  MAX_SPEECH_AFTER_STOP_MS,
  MIN_LAST_WORD_SPEECH_SHARE,
  MIN_STOP_VOICE_MS,
  TALKED_ON_MS,
} from '../../actors/estop/stop-gate.js';

const OPTIONS = {
  phrases: ['stop', 'halt', 'emergency stop'],
  minConfidence: 0.25,
  overReplyConfidence: 0.1,
  minFinalConfidence: 0.15,
};
const partial = (turnId: string, text: string, confidence?: number) => ({
  turnId,
  text,
  final: false,
  ...(confidence === undefined ? {} : { confidence }),
});

describe('stop gate', () => {
  it('matches whole words at the end, the longest phrase first', () => {
    expect(endsWithStopPhrase('Please STOP!', OPTIONS.phrases)).toBe('stop');
    expect(endsWithStopPhrase('emergency stop', OPTIONS.phrases)).toBe('emergency stop');
    expect(endsWithStopPhrase('stop the music', OPTIONS.phrases)).toBeUndefined();
    expect(endsWithStopPhrase('nonstop', OPTIONS.phrases)).toBeUndefined();
  });

  it('a partial without a confidence stops at once; one sure report of a partial does not', () => {
    const gate = createStopGate(OPTIONS);
    expect(gate.heard(partial('u1', 'stop'))).toBe('stop');
    // Real people's "snowboy": "stop" at 0.34 on its first syllable, gone on the next report.
    expect(gate.heard(partial('u2', 'stop', 0.34))).toBeUndefined();
    expect(gate.heard(partial('u2', 'snow boy', 0.1))).toBeUndefined();
    expect(gate.heard(partial('u2', 'stop', 0.3))).toBeUndefined();
  });

  it(
    'a partial stops when a later report of the same utterance, still ending with the phrase, holds it at ' +
      'the minimum',
    () => {
      const gate = createStopGate(OPTIONS);
      expect(gate.heard(partial('u1', 'stop', 0.3))).toBeUndefined();
      expect(gate.heard(partial('u2', 'stop', 0.9))).toBeUndefined(); // another utterance confirms nothing
      expect(gate.heard(partial('u1', 'stop', 0.25))).toBe('stop');
      // Ordinary speech moves on: "stop" early in "set an alarm" is gone by the next check.
      expect(gate.heard(partial('u3', 'stop', 0.4))).toBeUndefined();
      expect(gate.heard(partial('u3', 'go to the', 0.4))).toBeUndefined();
      expect(gate.heard(partial('u3', 'stop', 0.4))).toBeUndefined();
      // Another phrase does not confirm this one, and breaks the hold.
      expect(gate.heard(partial('u4', 'stop', 0.5))).toBeUndefined();
      expect(gate.heard(partial('u4', 'halt', 0.5))).toBeUndefined();
      expect(gate.heard(partial('u4', 'stop', 0.5))).toBeUndefined();
      // A report under the minimum while the hypothesis still ends with the phrase keeps the hold (a stop
      // over the robot's own voice dips on one report in three); confirming it still takes the minimum.
      expect(gate.heard(partial('u5', 'stop', 0.3))).toBeUndefined();
      expect(gate.heard(partial('u5', 'stop', 0.065))).toBeUndefined();
      expect(gate.heard(partial('u5', 'stop', 0.26))).toBe('stop');
      // Under the minimum throughout: held by nothing.
      expect(gate.heard(partial('u6', 'stop', 0.2))).toBeUndefined();
      expect(gate.heard(partial('u6', 'stop', 0.2))).toBeUndefined();
    },
  );

  it(
    "an utterance begun over the robot's own voice is held at the lower threshold: the echo under it lowers " +
      'the confidence',
    () => {
      const gate = createStopGate(OPTIONS);
      const over = (turnId: string, confidence: number) =>
        gate.heard({ ...partial(turnId, 'stop', confidence), overReply: true });
      // A real "stop" (1.0 alone) over a reply: 0.146, 0.065, 0.106.
      expect(over('u1', 0.146)).toBeUndefined();
      expect(over('u1', 0.065)).toBeUndefined();
      expect(over('u1', 0.106)).toBe('stop');
      // Still two reports, and the same reports without a reply under them are no stop.
      expect(over('u2', 0.9)).toBeUndefined();
      expect(gate.heard(partial('u3', 'stop', 0.146))).toBeUndefined();
      expect(gate.heard(partial('u3', 'stop', 0.106))).toBeUndefined();
    },
  );

  it('the first words of a longer phrase stop as the phrase does: held at the minimum on two reports', () => {
    const gate = createStopGate(OPTIONS);
    expect(gate.heard(partial('u1', 'emergency', 0.3))).toBeUndefined();
    expect(gate.heard(partial('u1', 'emergency', 0.26))).toBe('emergency stop');
    expect(gate.heard(partial('u2', 'emergency', 0.2))).toBeUndefined();
    expect(gate.heard(partial('u2', 'emergency', 0.2))).toBeUndefined();
    // A final of the first words alone is no stop (the grammar would have had the whole phrase).
    expect(gate.heard({ turnId: 'u3', text: 'emergency', confidence: 1, final: true })).toBeUndefined();
    // A phrase's first word that is a phrase itself ("stop" of "stop now") is judged as the phrase.
    const own = createStopGate({ ...OPTIONS, phrases: ['stop', 'stop now'] });
    expect(own.heard(partial('u4', 'stop', 0.3))).toBeUndefined();
    expect(own.heard(partial('u4', 'stop', 0.3))).toBe('stop');
  });

  it('a final stops at its own threshold, held or not', () => {
    const gate = createStopGate(OPTIONS);
    expect(gate.heard({ turnId: 'u1', text: 'stop', confidence: 0.14, final: true })).toBeUndefined();
    expect(gate.heard({ turnId: 'u2', text: 'stop', confidence: 0.15, final: true })).toBe('stop');
    expect(gate.heard({ turnId: 'u3', text: 'go to the door', confidence: 1, final: true })).toBeUndefined();
  });

  it(
    'a final of an utterance with less voice than any stop phrase has is no stop (a click, a leak of the ' + 'echo)',
    () => {
      const gate = createStopGate(OPTIONS);
      expect(gate.heard({ turnId: 'u1', text: 'stop', confidence: 0.21, final: true, voicedMs: 80 })).toBeUndefined();
      expect(
        gate.heard({ turnId: 'u2', text: 'stop', confidence: 0.21, final: true, voicedMs: MIN_STOP_VOICE_MS }),
      ).toBe('stop');
      // Not known (an engine without a VAD before it): a stop, as before.
      expect(gate.heard({ turnId: 'u3', text: 'stop', confidence: 0.21, final: true })).toBe('stop');
    },
  );

  it('a stop phrase the recognizer heard more speech after is no stop, partial, first words or final', () => {
    const gate = createStopGate(OPTIONS);
    // "thank you very much" decoded as "stop" on "thank", the rest called silence.
    const after = MAX_SPEECH_AFTER_STOP_MS + 10;
    expect(gate.heard({ ...partial('u1', 'stop', 0.9), speechAfterMs: after })).toBeUndefined();
    expect(gate.heard({ ...partial('u2', 'emergency', 0.9), speechAfterMs: after })).toBeUndefined();
    expect(gate.heard({ ...partial('u2', 'emergency', 0.9), speechAfterMs: after })).toBeUndefined();
    expect(
      gate.heard({ turnId: 'u3', text: 'halt', confidence: 0.9, final: true, speechAfterMs: after }),
    ).toBeUndefined();
    // Up to the bound (a syllable's tail, a breath): a stop.
    expect(gate.heard({ ...partial('u4', 'stop', 0.9), speechAfterMs: MAX_SPEECH_AFTER_STOP_MS })).toBeUndefined();
    expect(gate.heard({ ...partial('u4', 'stop', 0.9), speechAfterMs: MAX_SPEECH_AFTER_STOP_MS })).toBe('stop');
    expect(gate.heard({ turnId: 'u5', text: 'halt', confidence: 0.9, final: true, speechAfterMs: 100 })).toBe('halt');
  });

  it(
    'a final whose stop phrase ends over silence is no stop: the grammar finished a sentence only its first ' +
      'words were said of',
    () => {
      const gate = createStopGate(OPTIONS);
      const final = (turnId: string, text: string, lastWordSpeechShare?: number) => ({
        turnId,
        text,
        confidence: 0.5,
        final: true,
        ...(lastWordSpeechShare === undefined ? {} : { lastWordSpeechShare }),
      });
      // "emergency" alone, decoded at its pause as "emergency stop": its "stop" 5 % speech.
      expect(gate.heard(final('u1', 'emergency stop', 0.05))).toBeUndefined();
      expect(gate.heard(final('u2', 'stop', MIN_LAST_WORD_SPEECH_SHARE - 0.01))).toBeUndefined();
      expect(gate.heard(final('u3', 'stop', MIN_LAST_WORD_SPEECH_SHARE))).toBe('stop');
      // Not known (an engine that cannot tell): a stop, as before.
      expect(gate.heard(final('u4', 'halt'))).toBe('halt');
    },
  );

  it(
    'a partial reported again with the speech after it grown by the audio between the reports is no stop: ' +
      'the speaker talked on',
    () => {
      const gate = createStopGate(OPTIONS);
      const heard = (turnId: string, text: string, confidence: number, speechAfterMs: number) =>
        gate.heard({ ...partial(turnId, text, confidence), speechAfterMs });
      // eSpeak's "go forward one meter", heard as "halt" on "go": held, but 100 ms more speech after it.
      expect(heard('u1', 'halt', 0.3, 50)).toBeUndefined();
      expect(heard('u1', 'halt', 0.3, 50 + TALKED_ON_MS)).toBeUndefined();
      // Held, then confirmed while the speech after it keeps growing: not confirmed.
      expect(heard('u2', 'halt', 0.3, 150)).toBeUndefined();
      expect(heard('u2', 'halt', 0.3, 250)).toBeUndefined();
      // A spoken stop: the speech after it stays, or grows by less than the audio between the reports.
      expect(heard('u3', 'stop', 0.3, 0)).toBeUndefined();
      expect(heard('u3', 'stop', 0.3, 0)).toBe('stop');
      expect(heard('u4', 'stop', 0.3, 0)).toBeUndefined();
      expect(heard('u4', 'stop', 0.3, 50)).toBe('stop');
      // Other words in between: the speech after this report is not compared with theirs.
      expect(heard('u5', 'stop', 0.3, 0)).toBeUndefined();
      expect(heard('u5', 'go', 0, 0)).toBeUndefined();
      expect(heard('u5', 'stop', 0.3, 150)).toBeUndefined();
      expect(heard('u5', 'stop', 0.3, 200)).toBe('stop');
    },
  );

  it('thresholds default to none: every stop phrase is a stop', () => {
    const gate = createStopGate({ phrases: ['stop'] });
    expect(gate.heard(partial('u1', 'stop', 0))).toBe('stop');
  });
});
