/**
 * A Realtime client turns echo cancellation and noise suppression on for its own session with the
 * contract's noise reduction setting (server/realtime/noise-reduction.ts): `far_field` (a speaker in the
 * room) → echo cancellation, `near_field` → RNNoise only, `null` → off; the beta shape
 * `input_audio_noise_reduction` too. The session object reports the setting; the server's
 * `audio.echoCancel` `on` / `off` win over the client. Checked on the session's own input conditioner,
 * through a connection as the WebSocket server opens it.
 */
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../adapters/testing/manual-clock.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import { loadConfig } from '../../runtime/config.js';
import { buildEngines } from '../../runtime/engine-pool.js';
import { openRealtimeConnection } from '../../server/realtime/connection.js';
import { createSessionManager } from '../../server/session-manager.js';
import { tapEnginePool } from '../../sim/engine-pool-tap.js';
import { FAKE_ENGINES } from '../support/fake-config.js';

type Event = { type: string; [k: string]: unknown };

async function connect(echoCancel: 'auto' | 'on' | 'off') {
  const clock = new ManualClock();
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const pool = buildEngines(loadConfig({ overrides: { ...FAKE_ENGINES, audio: { echoCancel } } }), { clock });
  const tap = tapEnginePool(pool);
  const manager = createSessionManager({ pool: tap.pool, bus, clock });
  const events: Event[] = [];
  const connection = await openRealtimeConnection({
    manager,
    bus,
    clock,
    limits: { maxEventBytes: 1 << 20, maxAudioSecondsPerSecond: 10 },
    send: (e) => events.push(e as Event),
    close: () => undefined,
  });
  const update = (session: object) => {
    connection.receive(JSON.stringify({ type: 'session.update', session }));
    return events.at(-1)!;
  };
  return { events, update, steps: () => tap.engines()?.inputConditioner?.steps ?? [], close: () => connection.close() };
}

const noiseReductionOf = (e: Event) =>
  (e.session as { audio: { input: { noise_reduction: unknown } } }).audio.input.noise_reduction;

describe('Realtime noise_reduction', () => {
  it(
    'switches echo cancellation and noise suppression per session: far_field, near_field, null, and ' +
      'the beta shape',
    async () => {
      const c = await connect('auto');
      expect(noiseReductionOf(c.events.find((e) => e.type === 'session.created')!)).toBeNull();
      // audio.echoCancel "auto": a Realtime client is off until it asks.
      expect(c.steps()).not.toContain('echo');
      expect(c.steps()).not.toContain('rnnoise');

      const far = c.update({ audio: { input: { noise_reduction: { type: 'far_field' } } } });
      expect(far.type).toBe('session.updated');
      expect(noiseReductionOf(far)).toEqual({ type: 'far_field' });
      expect(c.steps()).toContain('echo');
      expect(c.steps()).not.toContain('rnnoise');

      const near = c.update({ audio: { input: { noise_reduction: { type: 'near_field' } } } });
      expect(noiseReductionOf(near)).toEqual({ type: 'near_field' });
      expect(c.steps()).toContain('rnnoise');
      expect(c.steps()).not.toContain('echo');

      // An update without the field leaves it as it was.
      expect(noiseReductionOf(c.update({ instructions: 'Be brief.' }))).toEqual({ type: 'near_field' });

      expect(noiseReductionOf(c.update({ audio: { input: { noise_reduction: null } } }))).toBeNull();
      expect(c.steps()).not.toContain('echo');
      expect(c.steps()).not.toContain('rnnoise');

      // The beta session shape.
      expect(noiseReductionOf(c.update({ input_audio_noise_reduction: { type: 'far_field' } }))).toEqual({
        type: 'far_field',
      });
      expect(c.steps()).toContain('echo');
      await c.close();
    },
  );

  it(
    'the server config wins: echoCancel "off" keeps far_field without echo cancellation, "on" cancels ' +
      'echo for every client',
    async () => {
      const off = await connect('off');
      off.update({ audio: { input: { noise_reduction: { type: 'far_field' } } } });
      expect(off.steps()).not.toContain('echo');
      off.update({ audio: { input: { noise_reduction: { type: 'near_field' } } } });
      expect(off.steps()).toContain('rnnoise');
      await off.close();

      const on = await connect('on');
      expect(on.steps()).toContain('echo');
      on.update({ audio: { input: { noise_reduction: null } } });
      expect(on.steps()).toContain('echo');
      await on.close();
    },
  );

  it('an unknown noise reduction type is an error naming the field', async () => {
    const c = await connect('auto');
    const error = c.update({ audio: { input: { noise_reduction: { type: 'studio' } } } });
    expect(error.type).toBe('error');
    expect((error.error as { param: string }).param).toBe('session.audio.input.noise_reduction.type');
    expect(c.steps()).not.toContain('echo');
    await c.close();
  });
});
