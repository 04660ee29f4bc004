import { fileURLToPath } from 'node:url';
import { createActor } from 'xstate';
import { describe, expect, it } from 'vitest';
import { createRulePolicy, loadRulesFile } from '../../adapters/llm/rules.js';
import { createLlmActor } from '../../actors/llm.js';
import { createHarness, SESSION } from '../support/actor-harness.js';

const RULES = fileURLToPath(new URL('../../examples/robot-rules.json', import.meta.url));

async function speculative() {
  const h = createHarness({ llm: createRulePolicy(loadRulesFile(RULES)) });
  const actor = createActor(createLlmActor(h.deps), {
    input: { sessionId: SESSION, turnId: 'u1', messages: [{ role: 'user', content: 'turn left' }], speculative: true },
  }).start();
  await h.clock.advance(100);
  await h.settle();
  return { h, actor, toolCalls: () => h.ofType('llm.tool_call').map((m) => `${m.name} ${m.arguments}`) };
}

describe('llm actor: a speculative reply', () => {
  it('streams its text at once but holds the tool call until the session commits', async () => {
    const s = await speculative();
    expect(s.h.ofType('llm.clause').map((m) => m.text)).toEqual(['Turning left.']);
    expect(s.h.ofType('llm.done')).toHaveLength(1);
    expect(s.toolCalls()).toEqual([]);
    s.actor.send({ type: 'commit' });
    await s.h.settle();
    expect(s.toolCalls()).toEqual(['turn {"direction":"left"}']);
    s.actor.send({ type: 'commit' });
    await s.h.settle();
    expect(s.toolCalls()).toHaveLength(1);
    s.actor.stop();
  });

  it('a discarded guess never publishes its tool call', async () => {
    const s = await speculative();
    s.actor.stop();
    await s.h.settle();
    expect(s.toolCalls()).toEqual([]);
  });
});
