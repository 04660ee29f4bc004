/**
 * Microphone conditioning from the configuration: `audio.echoCancel: "auto"` cancels echo for sessions
 * whose speaker and microphone are one device (a bus sink: robots), not for Realtime clients nor `run`;
 * "on"/"off" override that; each step follows its setting; the pool taps the sink only when it cancels
 * echo, and the session manager says which kind of sink each session has.
 */
import { describe, expect, it } from 'vitest';
import { createPacedSink, ManualClock } from '../../adapters/testing/index.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import { loadConfig } from '../../runtime/config.js';
import { buildEngines, type EnginePool, type SessionBinding } from '../../runtime/engine-pool.js';
import { inputConditioningFrom, type SinkKind } from '../../runtime/runtime-options.js';
import { createSessionManager } from '../../server/session-manager.js';
import { FAKE_ENGINES } from '../support/fake-config.js';

async function bindWith(audio: Record<string, unknown>, sinkKind?: SinkKind) {
  const clock = new ManualClock();
  const sink = createPacedSink({ clock, sampleRateHz: 16_000 });
  const pool = buildEngines(loadConfig({ overrides: { ...FAKE_ENGINES, audio } }), { clock });
  const engines = await pool.bind({
    sessionId: 's1',
    bus: createMessageBus(createMemoryTransport(), { clock }),
    sink,
    ...(sinkKind ? { sinkKind } : {}),
  });
  return { engines, sink };
}

describe('input conditioning from the configuration', () => {
  it(
    'defaults: echo cancellation and the high-pass on a device, the high-pass alone for a client or a ' + 'file',
    async () => {
      const config = loadConfig();
      expect(config.audio).toMatchObject({
        echoCancel: 'auto',
        echoTailMs: 500,
        highPassHz: 100,
        agc: false,
        noiseSuppression: 'auto',
      });
      expect(inputConditioningFrom(config, 'device').echoCancel).toBe(true);
      expect(inputConditioningFrom(config, 'client').echoCancel).toBe(false);
      expect(inputConditioningFrom(config, 'file').echoCancel).toBe(false);

      const device = await bindWith({});
      expect(device.engines.inputConditioner?.steps).toEqual(['echo', 'high-pass']);
      // The playback actor writes to the tap, which forwards to the device.
      expect(device.engines.sink).not.toBe(device.sink);
      device.engines.sink.write(new Uint8Array(640), { turnId: 't', seq: 0 });
      expect(device.sink.frames).toHaveLength(1);
      device.engines.release();

      const client = await bindWith({}, 'client');
      expect(client.engines.inputConditioner?.steps).toEqual(['high-pass']);
      expect(client.engines.sink).toBe(client.sink);
      client.engines.release();
    },
  );

  it(
    "a device's reply ends once its echo is back: the tap reports the VAD's start and pause windows " +
      "beyond the echo delay found; a client's does not",
    async () => {
      // The fake microphone brings no echo: no delay is found, and the return is the VAD's decision alone.
      const { startWindowMs, pauseMs } = loadConfig().pipeline.vad;
      const device = await bindWith({});
      expect(device.engines.sink.echoReturnMs?.()).toBe(startWindowMs + pauseMs);
      device.engines.release();
      const client = await bindWith({ echoCancel: 'on' }, 'client');
      expect(client.engines.sink.echoReturnMs).toBeUndefined();
      client.engines.release();
    },
  );

  it(
    '"on" and "off" win over the kind of sink; every step follows its setting; nothing on means no ' + 'conditioner',
    async () => {
      expect((await bindWith({ echoCancel: 'on' }, 'client')).engines.inputConditioner?.steps).toEqual([
        'echo',
        'high-pass',
      ]);
      expect((await bindWith({ echoCancel: 'off' }, 'device')).engines.inputConditioner?.steps).toEqual(['high-pass']);
      expect(
        (await bindWith({ echoCancel: 'off', agc: true, noiseSuppression: true, highPassHz: 80 })).engines
          .inputConditioner?.steps,
      ).toEqual(['high-pass', 'rnnoise', 'agc']);
      // `auto` alone: a conditioner that only listens to the room until it is loud.
      const gauge = await bindWith({ echoCancel: 'off', highPassHz: 0 });
      expect(gauge.engines.inputConditioner?.steps).toEqual([]);
      expect(gauge.engines.inputConditioner?.roomNoise?.()).toEqual({ floorDbfs: -Infinity, denoising: false });
      const none = await bindWith({ echoCancel: 'off', highPassHz: 0, noiseSuppression: false });
      expect(none.engines.inputConditioner).toBeUndefined();
      expect(none.engines.sink).toBe(none.sink);
    },
  );

  it('reads the settings from the environment and rejects bad values naming the variable', () => {
    expect(
      loadConfig({
        env: { VA_AUDIO__ECHO_CANCEL: 'off', VA_AUDIO__ECHO_TAIL_MS: '400', VA_AUDIO__NOISE_SUPPRESSION: 'true' },
      }).audio,
    ).toMatchObject({
      echoCancel: 'off',
      echoTailMs: 400,
      noiseSuppression: true,
    });
    expect(loadConfig({ env: { VA_AUDIO__NOISE_SUPPRESSION: 'auto' } }).audio.noiseSuppression).toBe('auto');
    expect(() => loadConfig({ env: { VA_AUDIO__NOISE_SUPPRESSION: 'sometimes' } })).toThrow(
      /audio\.noiseSuppression.*VA_AUDIO__NOISE_SUPPRESSION/,
    );
    expect(() => loadConfig({ env: { VA_AUDIO__ECHO_CANCEL: 'sometimes' } })).toThrow(
      /audio\.echoCancel.*VA_AUDIO__ECHO_CANCEL/,
    );
    expect(() => loadConfig({ env: { VA_AUDIO__ECHO_TAIL_MS: '5' } })).toThrow(/audio\.echoTailMs/);
  });

  it(
    'auto: a loud room switches RNNoise on, told as the notice noise_suppression on the session; a ' +
      'quiet one again off',
    async () => {
      const clock = new ManualClock();
      const bus = createMessageBus(createMemoryTransport(), { clock });
      const notices: string[] = [];
      bus.subscribe(`${bus.prefix}.s1.>`, (m) => {
        // The floor is the quietest 20 ms block: a dB or two under the noise's level.
        if (m.type === 'session.notice' && m.code === 'noise_suppression')
          notices.push(`${m.on ? 'on' : 'off'} ${Math.round(m.floorDbfs / 5) * 5}`);
      });
      const pool = buildEngines(loadConfig({ overrides: { ...FAKE_ENGINES, audio: { echoCancel: 'off' } } }), {
        clock,
      });
      const engines = await pool.bind({ sessionId: 's1', bus, sink: createPacedSink({ clock, sampleRateHz: 16_000 }) });
      let seed = 9;
      // White noise at about −30 dBFS for 2 s, then −70 dBFS for 2 s, in 20 ms frames.
      for (let frame = 0; frame < 200; frame++) {
        const rms = 32_768 * 10 ** ((frame < 100 ? -30 : -70) / 20);
        const samples = Int16Array.from({ length: 320 }, () => {
          seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
          return Math.round(((seed / 2 ** 32) * 2 - 1) * rms * Math.sqrt(3));
        });
        engines.inputConditioner?.process(new Uint8Array(samples.buffer), frame * 20);
      }
      await new Promise((resolve) => setImmediate(resolve));
      expect(notices).toEqual(['on -30', 'off -70']);
      engines.release();
    },
  );

  it('the session manager binds bus-sink sessions as devices and sessions with their own sink as clients', async () => {
    const clock = new ManualClock();
    const bus = createMessageBus(createMemoryTransport(), { clock });
    const pool = buildEngines(loadConfig({ overrides: FAKE_ENGINES }), { clock });
    const kinds: Array<SinkKind | undefined> = [];
    const watched: EnginePool = { ...pool, bind: (b: SessionBinding) => (kinds.push(b.sinkKind), pool.bind(b)) };
    const manager = createSessionManager({ pool: watched, bus, clock });
    await manager.create({ sessionId: 'robot' });
    await manager.create({ sessionId: 'browser', sink: () => createPacedSink({ clock, sampleRateHz: 24_000 }) });
    await manager.create({
      sessionId: 'custom',
      sink: () => createPacedSink({ clock, sampleRateHz: 16_000 }),
      sinkKind: 'device',
    });
    expect(kinds).toEqual(['device', 'client', 'device']);
    await Promise.all(['robot', 'browser', 'custom'].map((id) => manager.end(id, 'end')));
  });
});
