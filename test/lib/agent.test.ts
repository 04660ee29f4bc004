/**
 * The library's round trip on the fakes and the simulated clock: a typed command reaches a `defineAction`
 * handler with typed, defaulted arguments; its feedback and result reach the chart (history, follow-up);
 * a cancel aborts its signal; arguments that break the schema never reach it.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  createAgent,
  defineAction,
  DialogState,
  NoticeCode,
  type ActionMessage,
  type AgentEvents,
  type RulesConfig,
} from '../../lib/index.js';
import { fakeEngines, ManualClock } from '../../lib/testing.js';
import { sleep } from '../../adapters/clock.js';

const RULES: RulesConfig = {
  rules: [
    {
      id: 'turn',
      patterns: ['turn (?<direction>\\w+)( (?<degrees>\\d+) degrees)?'],
      reply: 'Turning {direction}.',
      action: { name: 'turn', args: { direction: '{direction}', degrees: '{degrees}' } },
    },
  ],
  fallback: { reply: 'Say turn left or turn right.' },
};

/** A turn that takes 1 s of simulated time, reports its progress, and can be cancelled. */
function turnAction(
  clock: ManualClock,
  calls: Array<{ direction: 'left' | 'right'; degrees: number; signal: AbortSignal }>,
  schema = z.object({ direction: z.enum(['left', 'right']), degrees: z.number().min(1).max(360).default(90) }),
) {
  return defineAction({
    name: 'turn',
    description: 'Turn in place.',
    schema,
    timeoutMs: 5_000,
    // Templates for every outcome: the rule policy, asked for a follow-up, would repeat the command.
    say: { result: 'Turned {direction}.', failed: 'I could not turn {direction}.', cancelled: 'Stopped turning.' },
    async handler(args, { signal, feedback }) {
      expectTypeOf(args).toEqualTypeOf<{ direction: 'left' | 'right'; degrees: number }>();
      calls.push({ ...args, signal });
      feedback({ progress: 0.5 });
      await sleep(clock, 1_000, signal);
      return { heading: args.direction === 'left' ? -args.degrees : args.degrees };
    },
  });
}

async function startAgent(
  actions: Parameters<typeof createAgent>[0] extends infer O ? (O extends { actions?: infer A } ? A : never) : never,
  clock: ManualClock,
) {
  const agent = createAgent({ clock, actions, rules: RULES, engines: fakeEngines({ clock }) });
  const seen = {
    action: [] as ActionMessage[],
    notice: [] as AgentEvents['notice'][],
    history: [] as AgentEvents['history'][],
    state: [] as AgentEvents['state'][],
  };
  agent.on('action', (m) => seen.action.push(m));
  agent.on('notice', (m) => seen.notice.push(m));
  agent.on('history', (m) => seen.history.push(m));
  agent.on('state', (m) => seen.state.push(m));
  await agent.start();
  return { agent, seen };
}

describe('createAgent + defineAction', () => {
  it(
    'a typed command runs the handler with typed arguments; its feedback and result reach the chart, ' +
      'and the follow-up is said',
    async () => {
      const clock = new ManualClock();
      const calls: Parameters<typeof turnAction>[1] = [];
      const { agent, seen } = await startAgent([turnAction(clock, calls)], clock);
      expect(seen.state[0]).toMatchObject({ dialog: 'idle', actions: 'idle' });
      agent.sendText('turn left');
      await clock.advance(300);
      expect(calls.map(({ direction, degrees }) => ({ direction, degrees }))).toEqual([
        { direction: 'left', degrees: 90 },
      ]);
      expect(agent.state()).toMatch(/\+actions\.running$/);
      await clock.advance(5_000);
      expect(seen.action.map((m) => m.type)).toEqual([
        'action.request',
        'action.accepted',
        'action.feedback',
        'action.result',
      ]);
      expect(seen.action[0]).toMatchObject({ name: 'turn', runsOn: 'handler', arguments: { direction: 'left' } });
      expect(seen.action[2]).toMatchObject({ feedback: { progress: 0.5 } });
      expect(seen.action[3]).toMatchObject({ result: { heading: -90 } });
      const entries = seen.history.filter((h) => h.role === 'action');
      expect(entries.map((h) => h.action?.status)).toEqual(['requested', 'running', 'succeeded']);
      expect(entries.at(-1)?.action).toMatchObject({ name: 'turn', outcome: '{"heading":-90}' });
      expect(seen.history.filter((h) => h.role === 'assistant').map((h) => h.text)).toEqual([
        'Turning left.',
        'Turned left.',
      ]);
      expect(seen.state.some((s) => s.actions === 'running')).toBe(true);
      expect(agent.state()).toBe('idle.waiting');
      expect([agent.matches(DialogState.idle), agent.matches(DialogState.speaking)]).toEqual([true, false]);
      await agent.stop();
    },
  );

  it('the emergency stop cancels a running handler: its signal aborts and the chart never waits for it', async () => {
    const clock = new ManualClock();
    const calls: Parameters<typeof turnAction>[1] = [];
    const { agent, seen } = await startAgent([turnAction(clock, calls)], clock);
    agent.sendText('turn right 45 degrees');
    await clock.advance(300);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.signal.aborted).toBe(false);
    agent.estop();
    await clock.advance(50);
    expect(calls[0]!.signal.aborted).toBe(true);
    expect(String((calls[0]!.signal.reason as Error).message)).toMatch(/estop/);
    expect(seen.action.map((m) => m.type)).toEqual([
      'action.request',
      'action.accepted',
      'action.feedback',
      'action.cancel',
      'action.cancelled',
    ]);
    expect(seen.notice.map((n) => n.code)).toContain(NoticeCode.estop);
    await clock.advance(2_000);
    expect(seen.action.some((m) => m.type === 'action.result')).toBe(false);
    await agent.stop();
  });

  it(
    'arguments outside the schema never reach the handler: refused by the session, or failed before ' + 'the call',
    async () => {
      const clock = new ManualClock();
      const calls: Parameters<typeof turnAction>[1] = [];
      // A refinement JSON Schema cannot carry: the session lets 45 through, the zod schema stops it.
      const strict = z.object({
        direction: z.enum(['left', 'right']),
        degrees: z
          .number()
          .default(90)
          .refine((d) => d % 90 === 0, 'a multiple of 90'),
      });
      const { agent, seen } = await startAgent([turnAction(clock, calls, strict as never)], clock);
      agent.sendText('turn up');
      await clock.advance(3_000);
      expect(seen.action).toEqual([]);
      expect(seen.notice.flatMap((n) => (n.code === NoticeCode.action_refused ? [n.reason] : []))[0]).toBe(
        'invalid_arguments',
      );

      agent.sendText('turn left 45 degrees');
      await clock.advance(3_000);
      expect(seen.action.map((m) => m.type)).toEqual(['action.request', 'action.accepted', 'action.failed']);
      expect(seen.action[2]).toMatchObject({
        error: expect.stringMatching(/turn: the arguments do not match its schema \(degrees: a multiple of 90\)/),
      });
      expect(calls).toEqual([]);
      await agent.stop();
    },
  );

  it('an action without a template is followed up once: the rule policy does not ask for it again', async () => {
    const clock = new ManualClock();
    const plain = defineAction({
      name: 'turn',
      description: 'Turn.',
      schema: z.object({ direction: z.enum(['left', 'right']) }),
      handler: () => ({ ok: true }),
    });
    const { agent, seen } = await startAgent([plain], clock);
    agent.sendText('turn left');
    await clock.advance(5_000);
    expect(seen.action.filter((m) => m.type === 'action.request')).toHaveLength(1);
    expect(seen.history.filter((h) => h.role === 'assistant').map((h) => h.text)).toEqual(['Turning left.', 'Done.']);
    await agent.stop();
  });

  it('waitFor resolves with the next matching event, and rejects past its timeout', async () => {
    const clock = new ManualClock();
    const { agent } = await startAgent([turnAction(clock, [])], clock);
    const result = agent.waitFor('action', (m) => m.type === 'action.result');
    agent.sendText('turn left');
    await clock.advance(2_000);
    await expect(result).resolves.toMatchObject({ type: 'action.result', result: { heading: -90 } });
    const never = expect(
      agent.waitFor('notice', (n) => n.code === NoticeCode.estop, { timeoutMs: 1_000 }),
    ).rejects.toThrow(/no notice event matching the predicate within 1000 ms/);
    await clock.advance(1_000);
    await never;
    await agent.stop();
    expect(() => agent.sendText('hello')).toThrow(/has stopped/);
  });
});

describe('defineAction', () => {
  it("the zod schema becomes the declaration's JSON Schema; a handler makes it runsOn handler", () => {
    const move = defineAction({
      name: 'move',
      description: 'Drive.',
      schema: z.object({ meters: z.number().min(0.1).max(5).default(1).describe('How far.') }),
      handler: () => null,
    });
    expect(move.declaration).toMatchObject({
      name: 'move',
      runsOn: 'handler',
      parameters: {
        type: 'object',
        properties: { meters: { type: 'number', minimum: 0.1, maximum: 5, default: 1, description: 'How far.' } },
      },
    });
    expect(move.declaration.parameters).not.toHaveProperty('$schema');
    expect(defineAction({ name: 'stop', description: 'Stop.', schema: z.object({}) }).declaration.runsOn).toBe(
      'controller',
    );
  });

  it('refuses a declaration the session could not use, naming the action and the fix', () => {
    expect(() => defineAction({ name: 'bad name', description: 'x', schema: z.object({}) })).toThrow(
      /action "bad name": name: an action name is 1-64 characters/,
    );
    expect(() => defineAction({ name: 'when', description: 'x', schema: z.object({ at: z.date() }) })).toThrow(
      /action "when": its schema has a type JSON Schema cannot express/,
    );
    expect(() =>
      createAgent({
        actions: [
          defineAction({ name: 'a', description: 'x', schema: z.object({}) }),
          defineAction({ name: 'a', description: 'y', schema: z.object({}) }),
        ],
      }),
    ).toThrow(/action "a" is given twice/);
    expect(() => createAgent({ rules: RULES })).toThrow(/rule "turn" asks for action "turn", which is not declared/);
  });
});
