/**
 * `createAgent({ config })`: the configured engines (here the configuration's fakes, with the default
 * rule policy and the default actions file), the library's handler taking over the file's action of
 * the same name.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAgent, defineAction, type ActionMessage, type AgentOptions } from '../../lib/index.js';
import { ManualClock } from '../../lib/testing.js';

const FAKES: AgentOptions['config'] = {
  vad: { engine: 'fake' },
  stt: { engine: 'fake' },
  tts: { engines: [{ engine: 'fake' }], warmUp: false },
};

describe('createAgent on the configured engines', () => {
  it(
    "runs the configuration's rule policy; a given action replaces the actions file's declaration of " +
      'the same name',
    async () => {
      const clock = new ManualClock();
      const turned: string[] = [];
      const turn = defineAction({
        name: 'turn',
        description: 'Turn in place.',
        schema: z.object({ direction: z.enum(['left', 'right']), degrees: z.number().default(90) }),
        say: { result: 'Turned {direction}.', failed: 'I could not turn.' },
        handler: ({ direction }) => {
          turned.push(direction);
          return { ok: true };
        },
      });
      const agent = createAgent({ clock, config: FAKES, actions: [turn] });
      const actions: ActionMessage[] = [];
      agent.on('action', (m) => actions.push(m));
      await agent.start();
      agent.sendText('turn right');
      await clock.advance(3_000);
      expect(turned).toEqual(['right']);
      expect(actions[0]).toMatchObject({ type: 'action.request', name: 'turn', runsOn: 'handler' });
      expect(actions.map((m) => m.type)).toEqual(['action.request', 'action.accepted', 'action.result']);
      expect(
        agent
          .history()
          .filter((h) => h.role === 'assistant')
          .map((h) => h.text),
      ).toEqual(['Turning right.', 'Turned right.']);
      await agent.stop();
    },
  );

  it('refuses engines and config together, and a config the schema refuses, with the key', async () => {
    expect(() => createAgent({ config: {}, engines: {} as never })).toThrow(/either engines or config/);
    await expect(createAgent({ config: { llm: { engine: 'nope' } } as never }).start()).rejects.toThrow(/llm\.engine/);
  });
});
