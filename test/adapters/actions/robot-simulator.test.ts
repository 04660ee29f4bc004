import { afterEach, describe, expect, it } from 'vitest';
import { serveActions, type ActionServer } from '../../../adapters/actions/executor.js';
import { createRobotSimulator, ROBOT_DEFAULTS } from '../../../adapters/actions/robot-simulator.js';
import { ManualClock, settle } from '../../../adapters/testing/manual-clock.js';
import { createMemoryTransport, createMessageBus, type BusMessage, type MessageBus } from '../../../bus/index.js';

type Seen = Extract<BusMessage, { type: `action.${string}` }>;
const servers: ActionServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function setup() {
  const clock = new ManualClock();
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const robot = createRobotSimulator({ clock });
  servers.push(serveActions({ bus, handlers: robot.handlers, clock }));
  const seen: Seen[] = [];
  bus.subscribe(bus.subjects.allSessions('action', '*'), (m) => {
    if (m.type !== 'action.request' && m.type !== 'action.cancel') seen.push(m as Seen);
  });
  return { clock, bus, robot, seen };
}

let next = 1;
function ask(bus: MessageBus, name: string, args: Record<string, unknown>, sessionId = 's1'): string {
  const actionId = `a${next++}`;
  bus.publish({
    type: 'action.request',
    sessionId,
    turnId: 'u1',
    actionId,
    name,
    arguments: args,
    callId: 'c1',
    runsOn: 'controller',
    timeoutMs: 30_000,
  });
  return actionId;
}
const of = (seen: Seen[], id: string, type?: Seen['type']) =>
  seen.filter((m) => m.actionId === id && (!type || m.type === type));
const feedbackOf = (seen: Seen[], id: string) =>
  of(seen, id, 'action.feedback').map((m) => (m.type === 'action.feedback' ? m.feedback : {}));
const resultOf = (seen: Seen[], id: string) =>
  of(seen, id, 'action.result').map((m) => (m.type === 'action.result' ? m.result : undefined))[0];

describe('robot simulator', () => {
  it('moves at 0.5 m/s with feedback every 500 ms, and keeps its pose', async () => {
    const { clock, bus, robot, seen } = setup();
    const id = ask(bus, 'move', { direction: 'forward', meters: 2 });
    await clock.advance(3_999);
    expect(of(seen, id, 'action.result')).toEqual([]);
    expect(robot.busy('s1')).toBe('move');
    await clock.advance(1);
    expect(resultOf(seen, id)).toEqual({ direction: 'forward', meters: 2, pose: { x: 0, y: 2, headingDeg: 0 } });
    const feedback = feedbackOf(seen, id);
    expect(feedback).toHaveLength(7); // at 0.5 s … 3.5 s
    expect(feedback[0]).toEqual({ action: 'move', progress: 0.13, pose: { x: 0, y: 0.25, headingDeg: 0 } });
    expect(feedback[3]).toMatchObject({ progress: 0.5, pose: { y: 1 } });
    expect(robot.pose('s1')).toEqual({ x: 0, y: 2, headingDeg: 0 });
    expect(robot.busy('s1')).toBeUndefined();

    const back = ask(bus, 'move', { direction: 'backward', meters: 0.5 });
    await clock.advance(1_000);
    expect(resultOf(seen, back)).toMatchObject({ pose: { x: 0, y: 1.5 } });
  });

  it('turns at 90°/s, 90° by default, and the heading steers the next move', async () => {
    const { clock, bus, robot, seen } = setup();
    const right = ask(bus, 'turn', { direction: 'right' });
    await clock.advance(1_000);
    expect(resultOf(seen, right)).toEqual({
      direction: 'right',
      degrees: 90,
      pose: { x: 0, y: 0, headingDeg: 90, place: 'charger' },
    });
    ask(bus, 'move', { direction: 'forward', meters: 1 });
    await clock.advance(2_000);
    expect(robot.pose('s1')).toEqual({ x: 1, y: 0, headingDeg: 90 });
    const left = ask(bus, 'turn', { direction: 'left', degrees: 180 });
    await clock.advance(2_000);
    expect(resultOf(seen, left)).toMatchObject({ pose: { headingDeg: 270 } });
  });

  it('navigates to a named place in 4 to 8 s and says where it is', async () => {
    const { clock, bus, robot, seen } = setup();
    const id = ask(bus, 'navigate', { place: 'kitchen' }); // 3.6 m at 0.5 m/s: 7.2 s
    await clock.advance(7_211);
    expect(resultOf(seen, id)).toEqual({ place: 'kitchen', pose: { x: 3, y: 2, headingDeg: 56.3, place: 'kitchen' } });
    const short = ask(bus, 'navigate', { place: 'kitchen' }); // already there: the minimum
    await clock.advance(ROBOT_DEFAULTS.navigateMinMs - 1);
    expect(resultOf(seen, short)).toBeUndefined();
    await clock.advance(1);
    expect(resultOf(seen, short)).toMatchObject({ place: 'kitchen' });
    const far = ask(bus, 'navigate', { place: 'door' }); // 5.4 m: capped at 8 s
    await clock.advance(ROBOT_DEFAULTS.navigateMaxMs);
    expect(resultOf(seen, far)).toMatchObject({ place: 'door', pose: { x: -2, y: 4 } });
    expect(robot.pose('s1').place).toBe('door');
  });

  it('stops at once when cancelled and reports where it stopped', async () => {
    const { clock, bus, robot, seen } = setup();
    const id = ask(bus, 'move', { direction: 'forward', meters: 4 });
    await clock.advance(1_250);
    bus.publish({ type: 'action.cancel', sessionId: 's1', turnId: 'u2', actionId: id, reason: 'barge_in' });
    await settle();
    const types = of(seen, id).map((m) => m.type);
    expect(types.slice(-2)).toEqual(['action.feedback', 'action.cancelled']);
    expect(feedbackOf(seen, id).at(-1)).toEqual({
      action: 'move',
      stopped: true,
      reason: 'cancelled: barge_in',
      progress: 0.16,
      pose: { x: 0, y: 0.63, headingDeg: 0 },
    });
    expect(robot.pose('s1')).toEqual({ x: 0, y: 0.63, headingDeg: 0 });
    expect(robot.busy('s1')).toBeUndefined();
    await clock.advance(10_000);
    expect(
      of(seen, id)
        .map((m) => m.type)
        .slice(-1),
    ).toEqual(['action.cancelled']);
    expect(robot.pose('s1')).toEqual({ x: 0, y: 0.63, headingDeg: 0 });
  });

  it('"stop" stops whatever runs; the stopped motion fails, saying so', async () => {
    const { clock, bus, robot, seen } = setup();
    const nav = ask(bus, 'navigate', { place: 'table' });
    await clock.advance(2_000);
    const stop = ask(bus, 'stop', {});
    await settle();
    expect(resultOf(seen, stop)).toEqual({ stopped: 'navigate', pose: robot.pose('s1') });
    const failed = of(seen, nav, 'action.failed')[0];
    expect(failed?.type === 'action.failed' && failed.error).toMatch(/^navigate stopped \(stop\) at /);
    const idle = ask(bus, 'stop', {});
    await settle();
    expect(resultOf(seen, idle)).toMatchObject({ stopped: null });
  });

  it('a newer motion preempts the one running', async () => {
    const { clock, bus, seen } = setup();
    const move = ask(bus, 'move', { direction: 'forward', meters: 3 });
    await clock.advance(500);
    const turn = ask(bus, 'turn', { direction: 'left', degrees: 45 });
    await clock.advance(500);
    expect(of(seen, move, 'action.failed')[0]).toMatchObject({ error: expect.stringMatching(/preempted by turn/) });
    expect(resultOf(seen, turn)).toEqual({ direction: 'left', degrees: 45, pose: { x: 0, y: 0.25, headingDeg: 315 } });
  });

  it('gives each session its own robot', async () => {
    const { clock, bus, robot } = setup();
    ask(bus, 'move', { direction: 'forward', meters: 1 }, 's1');
    ask(bus, 'turn', { direction: 'left' }, 's2');
    await clock.advance(2_000);
    expect(robot.pose('s1')).toEqual({ x: 0, y: 1, headingDeg: 0 });
    expect(robot.pose('s2')).toEqual({ x: 0, y: 0, headingDeg: 270, place: 'charger' });
  });

  it('fails, without moving, on arguments it cannot use', async () => {
    const { bus, robot, seen } = setup();
    const far = ask(bus, 'move', { direction: 'forward', meters: 50 });
    const up = ask(bus, 'turn', { direction: 'up' });
    const moon = ask(bus, 'navigate', { place: 'moon' });
    await settle();
    expect([far, up, moon].map((id) => of(seen, id, 'action.failed')[0])).toEqual([
      expect.objectContaining({ error: 'meters must be a number from 0.1 to 5, got 50' }),
      expect.objectContaining({ error: 'direction must be one of left, right, got "up"' }),
      expect.objectContaining({ error: expect.stringMatching(/^place must be one of kitchen, door, charger, table/) }),
    ]);
    expect(robot.pose('s1')).toEqual({ x: 0, y: 0, headingDeg: 0, place: 'charger' });
  });
});
