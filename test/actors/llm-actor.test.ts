import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createControlledLlm } from '../../adapters/testing/index.js';
import type { ChatMessage } from '../../adapters/llm/types.js';
import { createLlmActor } from '../../actors/llm.js';
import { createHarness, SESSION } from '../support/actor-harness.js';

const MESSAGES: ChatMessage[] = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Can you help?' },
];

async function setup() {
  const llm = createControlledLlm();
  const h = createHarness({ llm });
  await h.clock.advance(1000); // the actor measures firstTokenMs from its own start
  const actor = createActor(createLlmActor(h.deps), {
    input: { sessionId: SESSION, turnId: 't1', messages: MESSAGES },
  }).start();
  await h.settle();
  /** llm.* messages as compact tuples, in publish order. */
  const llmLog = () =>
    h.messages
      .filter((m) => m.type.startsWith('llm.'))
      .map((m) => {
        switch (m.type) {
          case 'llm.started':
            return ['started', m.firstTokenMs];
          case 'llm.token':
            return ['token', m.index, m.text];
          case 'llm.clause':
            return ['clause', m.index, m.text];
          case 'llm.done':
            return ['done', m.text, m.clauses];
          case 'llm.error':
            return ['error', m.message];
          default:
            return [m.type];
        }
      });
  return { h, llm, actor, llmLog };
}

describe('llm actor', () => {
  it(
    'publishes llm.started once, numbered tokens, each clause at the token that closes it, then ' + 'llm.done',
    async () => {
      const { h, llm, actor, llmLog } = await setup();
      expect(llm.requests).toHaveLength(1);
      expect(llm.requests[0]!.messages).toEqual(MESSAGES);
      expect(llmLog()).toEqual([]);

      await h.clock.advance(150);
      for (const token of ['Sure,', ' I', ' can', ' help', ' with', ' that.', ' Anything', ' else?']) {
        llm.emit(token);
        await h.settle();
      }
      llm.finish();
      await h.settle();

      expect(llmLog()).toEqual([
        ['started', 150],
        ['token', 0, 'Sure,'],
        ['clause', 0, 'Sure,'],
        ['token', 1, ' I'],
        ['token', 2, ' can'],
        ['token', 3, ' help'],
        ['token', 4, ' with'],
        ['token', 5, ' that.'],
        ['clause', 1, 'I can help with that.'],
        ['token', 6, ' Anything'],
        ['token', 7, ' else?'],
        ['clause', 2, 'Anything else?'],
        ['done', 'Sure, I can help with that. Anything else?', 3],
      ]);
      expect(h.ofType('llm.done')[0]).toMatchObject({ sessionId: SESSION, turnId: 't1', atMs: 1150 });
      expect(h.handlerErrors).toEqual([]);
      expect(h.bus.stats.invalid).toBe(0);
      actor.stop();
    },
  );

  it('text left in the chunker at the end becomes the last clause, before llm.done', async () => {
    const { h, llm, actor, llmLog } = await setup();
    for (const token of ['Hello', ' world', ' and', ' more']) llm.emit(token);
    await h.settle();
    expect(h.ofType('llm.clause')).toEqual([]);
    llm.finish();
    await h.settle();
    expect(llmLog().slice(-2)).toEqual([
      ['clause', 0, 'Hello world and more'],
      ['done', 'Hello world and more', 1],
    ]);
    expect(h.ofType('llm.started')).toHaveLength(1);
    actor.stop();
  });

  it('stopping the actor aborts the engine request and nothing more is published', async () => {
    const { h, llm, actor, llmLog } = await setup();
    llm.emit('Well,');
    llm.emit(' let');
    await h.settle();
    const before = llmLog();
    expect(before).toEqual([
      ['started', 0],
      ['token', 0, 'Well,'],
      ['clause', 0, 'Well,'],
      ['token', 1, ' let'],
    ]);

    actor.stop();
    const request = llm.requests[0]!;
    expect(request.signal.aborted).toBe(true);
    expect((request.signal.reason as Error).message).toBe('turn t1 cancelled');
    expect(llm.active()).toBeUndefined();
    // The engine pushing on regardless reaches no one.
    request.channel.push(' me');
    request.channel.push(' think.');
    request.channel.close();
    await h.settle();
    await h.clock.advance(1000);
    expect(llmLog()).toEqual(before);
    expect(h.handlerErrors).toEqual([]);
  });

  it('an engine error mid-stream yields llm.error and no llm.done', async () => {
    const { h, llm, actor, llmLog } = await setup();
    llm.emit('Partly');
    await h.settle();
    llm.fail('model exploded');
    await h.settle();
    expect(llmLog()).toEqual([
      ['started', 0],
      ['token', 0, 'Partly'],
      ['error', 'LLM "controlled-llm" failed: model exploded'],
    ]);
    expect(h.ofType('llm.error')[0]).toMatchObject({ sessionId: SESSION, turnId: 't1' });
    expect(actor.getSnapshot().status).toBe('active');
    actor.stop();
  });

  it('an engine error before the first token yields only llm.error', async () => {
    const { h, llm, actor, llmLog } = await setup();
    llm.fail('connection refused');
    await h.settle();
    expect(llmLog()).toEqual([['error', 'LLM "controlled-llm" failed: connection refused']]);
    actor.stop();
  });
});
