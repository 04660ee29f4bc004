/**
 * The STT actor publishes an engine's confidence (clamped to 0..1), language and speech after the words with the final.
 */
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createFakeStt, makeSpeechFrame } from '../../adapters/testing/index.js';
import { createSttActor } from '../../actors/stt.js';
import { createHarness, RATE, SESSION } from '../support/actor-harness.js';
import { systemClock } from '../../adapters/clock.js';

describe('stt actor: confidence, language and speech after the words', () => {
  it(
    'passes them on, clamps an out-of-range confidence and leaves out what the engine did not give or ' +
      'gave unusable',
    async () => {
      const engine = createFakeStt({
        clock: systemClock,
        finalDelayMs: 0,
        transcripts: [
          { text: 'go to the door', confidence: 0.12, language: 'en', speechAfterMs: 420 },
          { text: 'stop', confidence: 1.7, speechAfterMs: -5 },
          'turn left',
        ],
      });
      const h = createHarness({ stt: engine });
      const actor = createActor(createSttActor(h.deps), { input: { sessionId: SESSION } }).start();
      for (const turnId of ['u1', 'u2', 'u3']) {
        h.publish({ type: 'vad.speech_start', sessionId: SESSION, turnId });
        h.publish({
          type: 'vad.audio',
          sessionId: SESSION,
          turnId,
          seq: 0,
          sampleRateHz: RATE,
          audio: makeSpeechFrame(RATE, 20, 0),
        });
        h.publish({ type: 'vad.speech_end', sessionId: SESSION, turnId, speechMs: 600 });
        await h.settle();
        await new Promise((resolve) => setTimeout(resolve, 5));
        await h.settle();
      }
      const finals = h.messages
        .filter((m) => m.type === 'stt.final')
        .map(({ turnId, text, ...rest }) => ({
          turnId,
          text,
          confidence: 'confidence' in rest ? rest.confidence : undefined,
          language: 'language' in rest ? rest.language : undefined,
          speechAfterMs: 'speechAfterMs' in rest ? rest.speechAfterMs : undefined,
        }));
      expect(finals).toEqual([
        { turnId: 'u1', text: 'go to the door', confidence: 0.12, language: 'en', speechAfterMs: 420 },
        { turnId: 'u2', text: 'stop', confidence: 1, language: undefined, speechAfterMs: undefined },
        { turnId: 'u3', text: 'turn left', confidence: undefined, language: undefined, speechAfterMs: undefined },
      ]);
      actor.stop();
    },
  );
});
