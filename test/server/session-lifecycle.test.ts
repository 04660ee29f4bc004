/**
 * Sessions on demand (session manager): created with the shared engines, ended by END, by `end`, after
 * the idle timeout (simulated clock), and refused past the per-process and per-key limits.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../adapters/testing/index.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import { loadConfig } from '../../runtime/config.js';
import { buildEngines } from '../../runtime/engine-pool.js';
import {
  createSessionManager,
  SessionExistsError,
  SessionLimitError,
  type SessionLimits,
} from '../../server/session-manager.js';
import { FAKE_ENGINES } from '../support/fake-config.js';

function setup(limits: Partial<SessionLimits> = {}) {
  const clock = new ManualClock();
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const pool = buildEngines(loadConfig({ overrides: FAKE_ENGINES }), { clock });
  const manager = createSessionManager({ pool, bus, clock, limits });
  return { clock, bus, manager };
}

describe('session manager', () => {
  it('creates sessions on demand and ends one on END without touching the other', async () => {
    const { bus, manager } = setup();
    const a = await manager.create({ sessionId: 'a' });
    const b = await manager.create();
    expect(b.id).toMatch(/^s-[0-9a-f]{8}$/);
    expect(manager.size).toBe(2);
    bus.publish({ type: 'control.end', sessionId: 'a', turnId: '-' });
    expect(await a.ended).toBe('end');
    expect(manager.list().map((s) => s.id)).toEqual([b.id]);
    expect(b.handle.state()).toMatch(/^idle/);
  });

  it('ends a session idle for idleTimeoutMs, but not one whose client keeps talking', async () => {
    const { clock, manager } = setup({ idleTimeoutMs: 60_000 });
    const quiet = await manager.create({ sessionId: 'quiet' });
    const busy = await manager.create({ sessionId: 'busy' });
    for (let t = 0; t < 70; t++) {
      busy.touch();
      await clock.advance(1_000);
    }
    expect(await quiet.ended).toBe('idle_timeout');
    expect(manager.get('busy')).toBe(busy);
  });

  it('refuses sessions past the per-process and per-key limits, and duplicate ids', async () => {
    const { manager } = setup({ maxSessions: 3, maxSessionsPerKey: 2 });
    await manager.create({ owner: 'k1' });
    await manager.create({ owner: 'k1' });
    await expect(manager.create({ owner: 'k1' })).rejects.toSatisfy(
      (e) => e instanceof SessionLimitError && e.scope === 'key',
    );
    await manager.create({ sessionId: 'x', owner: 'k2' });
    await expect(manager.create({ owner: 'k3' })).rejects.toSatisfy(
      (e) => e instanceof SessionLimitError && e.scope === 'process',
    );
    await manager.end('x', 'client_closed');
    await expect(manager.create({ sessionId: manager.list()[0]!.id })).rejects.toBeInstanceOf(SessionExistsError);
    await expect(manager.create({ sessionId: 'bad id!' })).rejects.toThrow(/invalid/);
  });

  it('drain: no new sessions; a session mid-reply finishes its turn before it ends', async () => {
    const { clock, manager } = setup();
    const talking = await manager.create({ sessionId: 'talking' });
    const idle = await manager.create({ sessionId: 'idle' });
    talking.handle.sendText('tell me something');
    await clock.advance(50);
    expect(talking.handle.state()).toMatch(/^(processing|speaking)/);
    const drained = manager.drain(30_000);
    await expect(manager.create()).rejects.toSatisfy((e) => e instanceof SessionLimitError && e.scope === 'draining');
    await clock.advance(100);
    expect(await idle.ended).toBe('draining');
    expect(manager.get('talking')).toBe(talking);
    for (let i = 0; i < 200 && manager.size > 0; i++) await clock.advance(100);
    await drained;
    expect(await talking.ended).toBe('draining');
    expect(
      talking.handle
        .history()
        .filter((h) => h.role === 'assistant')
        .map((h) => h.interrupted),
    ).toEqual([false]);
  });
});
