import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createControlledStt, makeSpeechFrame } from '../../adapters/testing/index.js';
import { createSttActor } from '../../actors/stt.js';
import { createHarness, RATE, SESSION } from '../support/actor-harness.js';

async function endedUtterance() {
  const engine = createControlledStt();
  const h = createHarness({ stt: engine });
  const actor = createActor(createSttActor(h.deps), { input: { sessionId: SESSION } }).start();
  h.publish({ type: 'vad.speech_start', sessionId: SESSION, turnId: 'u1' });
  h.publish({
    type: 'vad.audio',
    sessionId: SESSION,
    turnId: 'u1',
    seq: 0,
    sampleRateHz: RATE,
    audio: makeSpeechFrame(RATE, 20),
  });
  h.publish({ type: 'vad.speech_end', sessionId: SESSION, turnId: 'u1', speechMs: 600 });
  await h.settle();
  expect(engine.streams[0]!.finishing).toBe(true);
  return { engine, h, actor };
}

describe('stt actor: an utterance awaiting its final', () => {
  it('cancel aborts its stream and its final is not published', async () => {
    const { engine, h, actor } = await endedUtterance();
    // What the session sends on stt_final_timeout, or when a new utterance supersedes this one.
    actor.send({ type: 'cancel', turnId: 'u1' });
    engine.streams[0]!.final('too late');
    await h.settle();
    expect(h.ofType('stt.final')).toEqual([]);
    expect(engine.streams[0]!.options.signal.aborted).toBe(true);
    actor.stop();
  });

  it('stop aborts its stream', async () => {
    const { engine, actor } = await endedUtterance();
    actor.stop();
    expect(engine.streams[0]!.options.signal.aborted).toBe(true);
  });
});
