import { describe, expect, it } from 'vitest';
import { EngineError } from '../../adapters/engine-error.js';
import { filledAudio } from '../support/actor-harness.js';
import { setupTts } from './tts-support.js';

describe('tts actor: engines that failed for good', () => {
  it('a deadline past the end of the chain retries the live engines only, never one that failed for good', async () => {
    const t = await setupTts();
    t.clause('One.');
    await t.h.settle();
    // tts-a is missing its package: every request would fail the same way.
    t.a.requests[0]!.channel.fail(new EngineError('not installed: npm install it', { retryable: false }));
    await t.h.settle();
    // tts-b is only slow: the session's first-chunk deadline asks for the next engine twice.
    t.actor.send({ type: 'fallback', reason: 'no audio within 800 ms' });
    await t.h.settle();
    t.actor.send({ type: 'fallback', reason: 'no audio within 800 ms' });
    await t.h.settle();
    expect(t.ttsLog()).toEqual([
      ['requested', 0, 'reply', 'tts-a'],
      ['fallback', 'tts-a', 'tts-b', 'tts-a failed for good: not installed: npm install it'],
      ['requested', 0, 'reply', 'tts-b'],
      // Past the last engine the chain starts over — at tts-b, the first one still alive.
      ['fallback', 'tts-b', 'tts-b', 'no audio within 800 ms; retrying the chain'],
      ['requested', 0, 'reply', 'tts-b'],
      ['fallback', 'tts-b', 'tts-b', 'no audio within 800 ms; retrying the chain'],
      ['requested', 0, 'reply', 'tts-b'],
    ]);
    expect(t.a.requests).toHaveLength(1);
    t.b.requests.at(-1)!.channel.push(filledAudio(20, 1));
    t.b.requests.at(-1)!.channel.close();
    t.llmDone();
    await t.h.settle();
    expect(t.ttsLog().at(-1)).toEqual(['done', 1]);
    t.actor.stop();
  });

  it(
    'with every engine failed for good, a deadline ends the turn with a fatal error that names the ' + 'cause',
    async () => {
      const t = await setupTts();
      t.clause('One.');
      await t.h.settle();
      t.a.requests[0]!.channel.fail(new EngineError('bad model file', { retryable: false }));
      await t.h.settle();
      t.b.requests[0]!.channel.fail(new EngineError('API key refused (401)', { retryable: false }));
      await t.h.settle();
      const error = t.h.messages.find((m) => m.type === 'tts.error');
      expect(error).toMatchObject({
        fatal: true,
        errorType: 'EngineError',
        retryable: false,
        message: 'all TTS engines failed; last error: API key refused (401)',
      });
      t.actor.stop();
    },
  );

  it('a retryable failure leaves the engine in the chain', async () => {
    const t = await setupTts();
    t.clause('One.');
    await t.h.settle();
    t.a.requests[0]!.channel.fail(new Error('socket hang up'));
    await t.h.settle();
    t.actor.send({ type: 'fallback', reason: 'no audio within 800 ms' });
    await t.h.settle();
    expect(t.ttsLog().slice(-2)).toEqual([
      ['fallback', 'tts-b', 'tts-a', 'no audio within 800 ms; retrying the chain'],
      ['requested', 0, 'reply', 'tts-a'],
    ]);
    t.actor.stop();
  });
});
