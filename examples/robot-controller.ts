/**
 * A robot controller written against the library: two motions declared with zod, run by in-process
 * handlers that report their progress and stop when the session cancels them, and a short scripted
 * conversation on the fake engines (typed text instead of a microphone) that prints what happens.
 *
 *   npx tsx examples/robot-controller.ts        (in this repository)
 *   node robot-controller.js                    (compiled, with the package installed: CI does this)
 *
 * On a robot, drop `engines`/`rules` for `config: {}` (the embedded local stack: microphone frames in with
 * `pushAudio`, speech out on the bus as `audio.out`), or pass a NATS bus to be reachable from other processes.
 */
import { z } from 'zod';
import { createAgent, defineAction, NoticeCode, type RulesConfig } from 'voice-agent';

/** Where the simulated robot is: what the handlers move. */
const pose = { x: 0, headingDeg: 0 };

/** Waits `ms`, or rejects at once when `signal` aborts (the session cancelled the action). */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });
}

const move = defineAction({
  name: 'move',
  description: 'Drive straight forward or backward by a distance in meters.',
  schema: z.object({
    direction: z.enum(['forward', 'backward']).describe('Which way to drive.'),
    meters: z.number().min(0.1).max(5).default(1).describe('How far, in meters.'),
  }),
  timeoutMs: 15_000,
  say: { result: 'Moved {direction} {meters} meters.', failed: 'I could not move.', cancelled: 'Stopped moving.' },
  async handler({ direction, meters }, { signal, feedback }) {
    const step = direction === 'forward' ? 0.25 : -0.25;
    // 0.25 m every 100 ms; a cancel stops the motion where it is.
    for (let done = 0; done < meters; done += 0.25) {
      await pause(100, signal).catch((reason: unknown) => {
        console.log(`  robot: move stopped at x=${pose.x.toFixed(2)} m (${String((reason as Error).message)})`);
        throw reason;
      });
      pose.x += step;
      feedback({ x: pose.x });
    }
    return { x: pose.x };
  },
});

const turn = defineAction({
  name: 'turn',
  description: 'Turn in place to the left or to the right by an angle in degrees.',
  schema: z.object({
    direction: z.enum(['left', 'right']).describe('Which way to turn.'),
    degrees: z.number().min(1).max(360).default(90).describe('How far, in degrees.'),
  }),
  timeoutMs: 8_000,
  say: {
    result: 'Turned {direction}, heading {headingDeg} degrees.',
    failed: 'I could not turn.',
    cancelled: 'Stopped turning.',
  },
  async handler({ direction, degrees }, { signal, feedback }) {
    feedback({ turning: direction, degrees });
    await pause(300, signal);
    pose.headingDeg = (pose.headingDeg + (direction === 'left' ? degrees : -degrees) + 360) % 360;
    return { headingDeg: pose.headingDeg };
  },
});

/** The dialog policy: the embedded rule policy (an LLM would take its place: `config: { llm: {...} }`). */
const rules: RulesConfig = {
  rules: [
    {
      id: 'turn',
      patterns: ['turn (?<direction>left|right)( (?<degrees>\\d+) degrees)?'],
      reply: 'Turning {direction}.',
      action: { name: 'turn', args: { direction: '{direction}', degrees: '{degrees}' } },
    },
    {
      id: 'move',
      patterns: ['(move|go) (?<direction>forward|backward)( (?<meters>one|two|three|four|five|\\d+) meters?)?'],
      reply: 'Moving {direction}.',
      action: { name: 'move', args: { direction: '{direction}', meters: '{meters}' } },
    },
  ],
  fallback: { reply: 'You can say turn left or move forward two meters.' },
};

const agent = createAgent({ actions: [move, turn], rules, sessionId: 'robot-1' });
const t0 = Date.now();
const log = (line: string) => console.log(`[${String(Date.now() - t0).padStart(5)} ms] ${line}`);
let shown = '';
agent.on('state', (s) => {
  const state = `${s.dialog}${s.actions === 'idle' ? '' : ` (action ${s.actions})`}`;
  if (state !== shown) log(`state   ${(shown = state)}`);
});
agent.on('action', (m) =>
  log(
    `action  ${m.type} ` +
      `${m.actionId}` +
      `${m.type === 'action.request' ? ` ${m.name} ${JSON.stringify(m.arguments)}` : ''}` +
      `${m.type === 'action.feedback' ? ` ${JSON.stringify(m.feedback)}` : ''}` +
      `${m.type === 'action.result' ? ` ${JSON.stringify(m.result)}` : ''}`,
  ),
);
agent.on('history', (h) => h.role !== 'action' && log(`${h.role.padEnd(9)} "${h.text}"`));
agent.on('notice', (n) => n.code === NoticeCode.estop && log('notice  emergency stop'));

await agent.start();

// 1. A command: the handler runs, reports, and its result is spoken once the reply is done.
agent.sendText('turn left');
await agent.waitFor('history', (h) => h.role === 'assistant' && h.text.startsWith('Turned'));

// 2. A longer motion, stopped halfway by the emergency stop: the handler's signal aborts.
agent.sendText('move forward two meters');
await agent.waitFor('action', (m) => m.type === 'action.feedback' && (m.feedback.x as number) >= 1);
agent.estop();
await agent.waitFor('action', (m) => m.type === 'action.cancelled');

await agent.stop();
log(`done: the robot is at x=${pose.x.toFixed(2)} m, heading ${pose.headingDeg} degrees`);
