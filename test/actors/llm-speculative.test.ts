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
  return { h, actor, intents: () => h.messages.filter((m) => m.type.startsWith('intent.') || m.type === 'llm.tool_call').map((m) => m.type) };
}

describe('llm actor: a speculative reply', () => {
  it('streams its text at once but holds the intent until the session commits', async () => {
    const s = await speculative();
    expect(s.h.ofType('llm.clause').map((m) => m.text)).toEqual(['Turning left.']);
    expect(s.h.ofType('llm.done')).toHaveLength(1);
    expect(s.intents()).toEqual([]);
    s.actor.send({ type: 'commit' });
    await s.h.settle();
    expect(s.intents()).toEqual(['llm.tool_call', 'intent.turn']);
    s.actor.send({ type: 'commit' });
    await s.h.settle();
    expect(s.intents()).toHaveLength(2);
    s.actor.stop();
  });

  it('a discarded guess never publishes its intent', async () => {
    const s = await speculative();
    s.actor.stop();
    await s.h.settle();
    expect(s.intents()).toEqual([]);
  });
});
