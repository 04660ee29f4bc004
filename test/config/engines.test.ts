import { describe, expect, it } from 'vitest';
import { createPacedSink, ManualClock } from '../../adapters/testing/index.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import { loadConfig } from '../../runtime/config.js';
import { buildEngines, type SessionBinding } from '../../runtime/engine-pool.js';
import { buildLlm } from '../../runtime/engines.js';
import { runAudio } from '../../runtime/run-audio.js';

const fakes = {
  vad: { engine: 'fake' },
  stt: { engine: 'fake', fakeTranscripts: ['hello'] },
  llm: { engine: 'fake', fakeReply: 'Hi there.' },
  tts: { engines: [{ engine: 'fake' }, { engine: 'remote' }], phrases: ['Okay.'], warmUp: false },
};

/** One session's engines from a fresh pool, as a server binds them. */
const buildSessionEngines = async (
  config: ReturnType<typeof loadConfig>,
  context: SessionBinding & { clock: ManualClock },
) => buildEngines(config, { clock: context.clock }).bind(context);

describe('engines from the configuration', () => {
  it('a pool for many sessions says when every decoder is made, and only once it warms up', async () => {
    const pool = buildEngines(loadConfig({ overrides: fakes }), { clock: new ManualClock(), sessions: 8 });
    await expect(pool.prepared()).rejects.toThrow(/call pool\.warmUp\(\) before pool\.prepared\(\)/);
    await pool.warmUp();
    expect(pool.warm).toBe(true);
    await expect(pool.prepared()).resolves.toBeUndefined();
  });

  it('builds the configured chain, with the phrase cache in front', async () => {
    const clock = new ManualClock();
    const context = {
      bus: createMessageBus(createMemoryTransport(), { clock }),
      clock,
      sessionId: 's1',
      sink: createPacedSink({ clock, sampleRateHz: 16_000 }),
    };
    const engines = await buildSessionEngines(loadConfig({ overrides: fakes }), context);
    expect(engines.tts.map((t) => t.name)).toEqual(['fake-tts+cache', 'remote-tts']);
    expect([engines.vad.name, engines.stt.name, engines.llm.name]).toEqual(['fake-vad', 'fake-stt', 'fake-llm']);
    expect(engines.memory).toBeUndefined();
  });

  it('memory on without a URL is a configuration error', async () => {
    const clock = new ManualClock();
    const context = {
      bus: createMessageBus(createMemoryTransport(), { clock }),
      clock,
      sessionId: 's1',
      sink: createPacedSink({ clock, sampleRateHz: 16_000 }),
    };
    await expect(
      buildSessionEngines(loadConfig({ overrides: { ...fakes, features: { memory: true } } }), context),
    ).rejects.toThrow(/memory\.url is not set/);
  });

  it('an engine missing the settings it needs says which variable sets them', async () => {
    const clock = new ManualClock();
    const context = {
      bus: createMessageBus(createMemoryTransport(), { clock }),
      clock,
      sessionId: 's1',
      sink: createPacedSink({ clock, sampleRateHz: 16_000 }),
    };
    const build = (overrides: object) =>
      buildSessionEngines(loadConfig({ overrides: { ...fakes, ...overrides } }), context);
    await expect(build({ stt: { engine: 'sherpa' } })).rejects.toThrow(
      /stt\.engine "sherpa" needs stt\.sherpa: .*\(VA_STT__SHERPA\)/,
    );
    await expect(
      build({
        stt: {
          engine: 'sherpa',
          sherpa: { kind: 'whisper', encoder: '/m/e.onnx', decoder: '/m/d.onnx', tokens: '/m/t.txt' },
        },
      }),
    ).rejects.toThrow(/stt\.sherpa\.encoder: \/m\/e\.onnx does not exist/);
    await expect(build({ stt: { engine: 'openai' } })).rejects.toThrow(/needs stt\.baseUrl \(VA_STT__BASE_URL\)/);
    await expect(build({ llm: { engine: 'openai' } })).rejects.toThrow(/needs llm\.baseUrl/);
  });

  it('shares engines between sessions, except the VAD detector and remote engines', async () => {
    const clock = new ManualClock();
    const bus = createMessageBus(createMemoryTransport(), { clock });
    const pool = buildEngines(loadConfig({ overrides: fakes }), { clock });
    const sink = createPacedSink({ clock, sampleRateHz: 16_000 });
    const [a, b] = await Promise.all([
      pool.bind({ sessionId: 'a', bus, sink }),
      pool.bind({ sessionId: 'b', bus, sink }),
    ]);
    expect(a.stt).toBe(b.stt);
    expect(a.llm).toBe(b.llm);
    expect(a.tts[0]).toBe(b.tts[0]);
    expect(a.vad).not.toBe(b.vad);
    expect(a.tts[1]).not.toBe(b.tts[1]);
    expect(pool.warm).toBe(false);
    await pool.warmUp();
    expect(pool.warm).toBe(true);
  });

  it(
    'run (and replay --rerun) refuses a remote engine, which its in-process bus cannot reach, naming ' + 'the settings',
    async () => {
      const config = loadConfig({ overrides: { ...fakes, stt: { engine: 'remote' } } });
      await expect(runAudio({ config, pcm: new Uint8Array(0) })).rejects.toThrow(
        /stt\.engine, tts\.engines: a "remote" engine needs a worker on NATS.*voice-agent serve with nats\.servers/,
      );
    },
  );

  it('a remote engine where no session is bound (a worker) names the fix', () => {
    const clock = new ManualClock();
    expect(() => buildLlm(loadConfig({ overrides: { ...fakes, llm: { engine: 'remote' } } }), clock)).toThrow(
      /llm engine "remote" serves one session at a time.*pick a local engine/,
    );
  });

  it('builds every TTS engine of the schema (without network: nothing is contacted before warm-up)', async () => {
    const clock = new ManualClock();
    const context = {
      bus: createMessageBus(createMemoryTransport(), { clock }),
      clock,
      sessionId: 's1',
      sink: createPacedSink({ clock, sampleRateHz: 16_000 }),
    };
    const engines = [
      { engine: 'flite' },
      { engine: 'espeak', language: 'zh' },
      { engine: 'openai', baseUrl: 'http://127.0.0.1:1/v1' },
      { engine: 'edge' },
      { engine: 'remote' },
      { engine: 'fake' },
    ];
    const built = await buildSessionEngines(
      loadConfig({ overrides: { ...fakes, tts: { engines, phrases: [], warmUp: false } } }),
      context,
    );
    expect(built.tts.map((t) => t.name)).toEqual([
      'flite(kal16)',
      'espeak(cmn)',
      'openai-speech(tts-1/alloy)',
      'edge(en-US-AriaNeural)',
      'remote-tts',
      'fake-tts',
    ]);
  });
});
