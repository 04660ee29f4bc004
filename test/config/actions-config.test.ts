import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock, settle } from '../../adapters/testing/index.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus, type MessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { loadConfig } from '../../runtime/config.js';
import { buildEngines } from '../../runtime/engine-pool.js';
import { buildLlm, declaredActionsOf } from '../../runtime/engines.js';
import { createLogger } from '../../runtime/logger.js';
import { startSimulatedRobot } from '../../runtime/simulated-robot.js';

const fakes = {
  vad: { engine: 'fake' },
  stt: { engine: 'fake', fakeTranscripts: ['hello'] },
  tts: { engines: [{ engine: 'fake' }], phrases: [], warmUp: false },
};
const dir = mkdtempSync(join(tmpdir(), 'va-actions-config-'));
const file = (name: string, value: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(value));
  return path;
};

describe('actions in the configuration', () => {
  it('declares the robot set by default and hands it to the session chart', () => {
    const config = loadConfig({ overrides: fakes });
    expect(config.actions).toEqual({ path: expect.stringMatching(/examples\/robot-actions\.json$/), simulate: true });
    const pool = buildEngines(config, { clock: new ManualClock() });
    expect(pool.runtime.config.declaredActions.map((a) => a.name)).toEqual(['move', 'turn', 'navigate', 'stop']);
  });

  it('declares none with actions.path null', () => {
    const config = loadConfig({ overrides: { ...fakes, llm: { engine: 'fake' }, actions: { path: null } } });
    expect(declaredActionsOf(config)).toEqual([]);
    expect(buildEngines(config, { clock: new ManualClock() }).runtime.config.declaredActions).toEqual([]);
  });

  it('refuses at start a broken actions file, naming the file and the field', () => {
    const path = file('broken-actions.json', [{ name: 'move', description: 'Move.', confirm: 'maybe' }]);
    const config = loadConfig({ overrides: { ...fakes, actions: { path } } });
    expect(() => buildEngines(config, { clock: new ManualClock() })).toThrow(
      new RegExp(`actions file ${path}: \\[0\\] action "move": confirm: `),
    );
  });

  it('refuses at start a rules file asking for an undeclared action, naming the rule and the files', () => {
    const rulesPath = file('rules.json', {
      rules: [{ id: 'beam', patterns: ['beam me up'], reply: 'Energizing.', action: { name: 'teleport' } }],
      fallback: { reply: 'What?' },
    });
    const config = loadConfig({ overrides: { ...fakes, llm: { engine: 'rules', rulesPath } } });
    expect(() => buildLlm(config, new ManualClock())).toThrow(
      `rules file ${rulesPath}: rule "beam" asks for action "teleport", which is not declared in actions file ` +
        `${config.actions.path}`,
    );
    const none = loadConfig({ overrides: { ...fakes, llm: { engine: 'rules', rulesPath }, actions: { path: null } } });
    expect(() => buildLlm(none, new ManualClock())).toThrow(
      /not declared in actions\.path \(null: no actions\) \(declared: none\)/,
    );
    expect(buildLlm(loadConfig({ overrides: fakes }), new ManualClock()).name).toBe('rules');
  });
});

describe('the simulated robot', () => {
  const declared = declaredActionsOf(loadConfig());
  const world = () => {
    const clock = new ManualClock();
    const bus = createMessageBus(createMemoryTransport(), { clock });
    const seen: string[] = [];
    bus.subscribe(bus.subjects.allSessions('action', '*'), (m) => seen.push(m.type));
    return { clock, bus, seen };
  };
  const request = (
    bus: MessageBus,
    name: string,
    args: Record<string, unknown>,
    runsOn: 'controller' | 'handler' = 'controller',
  ) =>
    bus.publish({
      type: 'action.request',
      sessionId: 's1',
      turnId: 'u1',
      actionId: 'a1',
      name,
      arguments: args,
      callId: 'c1',
      runsOn,
      timeoutMs: 10_000,
    } satisfies Omit<Extract<BusMessage, { type: 'action.request' }>, 'atMs'>);

  it('executes the declared controller actions on an in-process bus', async () => {
    const { clock, bus, seen } = world();
    const robot = startSimulatedRobot({ config: { actions: { path: null, simulate: true } }, bus, clock, declared });
    expect(robot).toBeDefined();
    request(bus, 'turn', { direction: 'left', degrees: 90 });
    await clock.advance(1_000);
    expect(seen).toEqual(['action.request', 'action.accepted', 'action.feedback', 'action.result']);
    await robot?.close();
  });

  it('is off with actions.simulate false, and for actions that run elsewhere', async () => {
    const { clock, bus, seen } = world();
    expect(
      startSimulatedRobot({ config: { actions: { path: null, simulate: false } }, bus, clock, declared }),
    ).toBeUndefined();
    const elsewhere = declared.map((a) => ({ ...a, runsOn: 'handler' as const }));
    expect(
      startSimulatedRobot({ config: { actions: { path: null, simulate: true } }, bus, clock, declared: elsewhere }),
    ).toBeUndefined();
    request(bus, 'stop', {});
    await settle();
    expect(seen).toEqual(['action.request']);
  });

  it('is not started over NATS, where a controller attaches instead', () => {
    const { clock, bus } = world();
    const natsLike = { ...bus, transport: { ...bus.transport, kind: 'nats' as const } };
    const lines: string[] = [];
    const log = createLogger({ level: 'info', write: (line) => lines.push(line) });
    expect(
      startSimulatedRobot({ config: { actions: { path: null, simulate: true } }, bus: natsLike, clock, declared, log }),
    ).toBeUndefined();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('actions.simulate applies to an in-process bus only: on NATS, attach a controller');
  });
});
