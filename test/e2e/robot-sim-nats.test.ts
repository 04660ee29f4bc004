/**
 * `voice-agent robot-sim` as a real process on a real nats-server: a session (here, the test) asks for
 * actions on the bus and gets the whole lifecycle back — accepted, feedback, result; a cancel gives
 * cancelled; Ctrl-C fails what still runs and exits 0.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../adapters/clock.js';
import { createMessageBus, type MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { connectNatsTransport } from '../../bus/nats-transport.js';
import { startNatsServer, type NatsServerHandle } from '../../sim/nats-server.js';
import { until } from '../support/until.js';

type ActionMessage = Extract<BusMessage, { type: `action.${string}` }>;
const PREFIX = `robotsim${process.pid}`;

let server: NatsServerHandle;
let bus: MessageBus;
const seen: ActionMessage[] = [];

beforeAll(async () => {
  server = await startNatsServer();
  bus = createMessageBus(await connectNatsTransport({ servers: server.url }), { clock: systemClock, prefix: PREFIX });
  bus.subscribe(bus.subjects.allSessions('action', '*'), (m) => {
    if (m.type !== 'action.request' && m.type !== 'action.cancel') seen.push(m as ActionMessage);
  });
  await bus.flush();
});

afterAll(async () => {
  await bus?.close();
  await server?.stop();
});

function startSim(...extra: string[]) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bin/voice-agent.ts', 'robot-sim', '--nats', server.url, '--prefix', PREFIX, ...extra],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => (output.stdout += String(d)));
  child.stderr.on('data', (d) => (output.stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  const detail = () => `stdout:\n${output.stdout}\nstderr:\n${output.stderr}`;
  return { child, output, exited, detail };
}

let nextId = 1;
function ask(sessionId: string, name: string, args: Record<string, unknown>): string {
  const actionId = `a${nextId++}`;
  bus.publish({
    type: 'action.request',
    sessionId,
    turnId: 'u1',
    actionId,
    name,
    arguments: args,
    callId: `call-${actionId}`,
    runsOn: 'controller',
    timeoutMs: 20_000,
  });
  return actionId;
}
const stepsOf = (sessionId: string, actionId: string) =>
  seen.filter((m) => m.sessionId === sessionId && m.actionId === actionId);
const typesOf = (sessionId: string, actionId: string) => stepsOf(sessionId, actionId).map((m) => m.type);

describe('voice-agent robot-sim on NATS', () => {
  it('runs actions through their lifecycle, honours cancel, and stops cleanly on Ctrl-C', async () => {
    const sim = startSim();
    await until('robot-sim serving', () => sim.output.stdout.includes('robot-sim: serving'), { detail: sim.detail });
    expect(sim.output.stdout).toContain(
      `robot-sim: serving move, turn, navigate, stop for every session on ${server.url} (${PREFIX}.*.action.*)`,
    );

    // A quarter turn: one second at 90°/s, feedback at 500 ms, then the result.
    const turn = ask('robot-1', 'turn', { direction: 'right', degrees: 90 });
    await until('the turn result', () => typesOf('robot-1', turn).includes('action.result'), { detail: sim.detail });
    expect(typesOf('robot-1', turn)).toEqual(['action.accepted', 'action.feedback', 'action.result']);
    expect(stepsOf('robot-1', turn)[1]).toMatchObject({
      turnId: 'u1',
      feedback: { action: 'turn', progress: 0.5, pose: { headingDeg: 45 } },
    });
    expect(stepsOf('robot-1', turn)[2]).toMatchObject({
      result: { direction: 'right', degrees: 90, pose: { x: 0, y: 0, headingDeg: 90 } },
    });

    // A navigation cancelled after its first feedback: it stops where it is and says so.
    const nav = ask('robot-1', 'navigate', { place: 'kitchen' });
    await until('navigation feedback', () => typesOf('robot-1', nav).includes('action.feedback'), {
      detail: sim.detail,
    });
    bus.publish({ type: 'action.cancel', sessionId: 'robot-1', turnId: 'u2', actionId: nav, reason: 'barge_in' });
    await until('the cancel acknowledged', () => typesOf('robot-1', nav).includes('action.cancelled'), {
      detail: sim.detail,
    });
    const navSteps = stepsOf('robot-1', nav);
    expect(navSteps.at(-1)?.type).toBe('action.cancelled');
    expect(navSteps.at(-2)).toMatchObject({
      type: 'action.feedback',
      feedback: { action: 'navigate', stopped: true, reason: 'cancelled: barge_in' },
    });
    expect(navSteps.some((m) => m.type === 'action.result')).toBe(false);

    // Another session has its own robot; what is not a robot action is left to another controller.
    const other = ask('robot-2', 'move', { direction: 'forward', meters: 0.25 });
    const dance = ask('robot-2', 'dance', {});
    await until('the other robot moved', () => typesOf('robot-2', other).includes('action.result'), {
      detail: sim.detail,
    });
    expect(stepsOf('robot-2', other).at(-1)).toMatchObject({ result: { pose: { x: 0, y: 0.25, headingDeg: 0 } } });
    expect(typesOf('robot-2', dance)).toEqual([]);

    // Ctrl-C with an action running: it fails at once, and the process exits 0.
    const long = ask('robot-1', 'move', { direction: 'forward', meters: 5 });
    await until('the long move accepted', () => typesOf('robot-1', long).includes('action.accepted'), {
      detail: sim.detail,
    });
    sim.child.kill('SIGINT');
    expect(await sim.exited).toBe(0);
    await until('the long move failed', () => typesOf('robot-1', long).includes('action.failed'), {
      detail: sim.detail,
    });
    expect(stepsOf('robot-1', long).at(-1)).toMatchObject({ error: 'move: the executor stopped' });

    const lines = sim.output.stdout.split('\n');
    expect(lines).toContain(`robot-1 ${turn} request turn {"direction":"right","degrees":90} (turn u1)`);
    expect(lines).toContain(`robot-1 ${turn} accepted`);
    expect(lines).toContain(`robot-1 ${nav} cancel (barge_in)`);
    expect(lines).toContain(`robot-1 ${nav} cancelled`);
    expect(lines).toContain(
      `robot-2 ${dance} request dance {} (turn u1) — not a robot action, left to another controller`,
    );
    expect(lines.at(-2)).toBe('robot-sim: stopped');
  }, 60_000);

  it('serves one session only with --session', async () => {
    const sim = startSim('--session', 'robot-7');
    await until('robot-sim serving', () => sim.output.stdout.includes('robot-sim: serving'), { detail: sim.detail });
    const ignored = ask('robot-8', 'stop', {});
    const served = ask('robot-7', 'stop', {});
    await until('the stop result', () => typesOf('robot-7', served).includes('action.result'), { detail: sim.detail });
    expect(stepsOf('robot-7', served).at(-1)).toMatchObject({ result: { stopped: null } });
    expect(typesOf('robot-8', ignored)).toEqual([]);
    sim.child.kill('SIGTERM');
    expect(await sim.exited).toBe(0);
  }, 60_000);

  it('without NATS, says how to give it', async () => {
    const { VA_NATS__SERVERS: _unset, ...env } = process.env;
    const child = spawn(process.execPath, ['--import', 'tsx', 'bin/voice-agent.ts', 'robot-sim'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += String(d)));
    expect(await new Promise<number | null>((resolve) => child.on('exit', resolve))).toBe(2);
    expect(stderr).toContain('give --nats URL or set nats.servers (VA_NATS__SERVERS)');
    expect(stderr).toContain('usage: voice-agent robot-sim');
  }, 60_000);
});
