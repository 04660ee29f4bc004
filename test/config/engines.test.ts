import { describe, expect, it } from 'vitest';
import { createPacedSink, ManualClock } from '../../adapters/testing/index.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import { loadConfig } from '../../server/config.js';
import { buildSessionEngines } from '../../server/engines.js';

const fakes = {
  vad: { engine: 'fake' },
  stt: { engine: 'fake', fakeTranscripts: ['hello'] },
  llm: { engine: 'fake', fakeReply: 'Hi there.' },
  tts: { engines: [{ engine: 'fake' }, { engine: 'remote' }], phrases: ['Okay.'], warmUp: false },
};

describe('engines from the configuration', () => {
  it('builds the configured chain, with the phrase cache in front', async () => {
    const clock = new ManualClock();
    const context = { bus: createMessageBus(createMemoryTransport(), { clock }), clock, sessionId: 's1', sink: createPacedSink({ clock, sampleRateHz: 16_000 }) };
    const engines = await buildSessionEngines(loadConfig({ overrides: fakes }), context);
    expect(engines.tts.map((t) => t.name)).toEqual(['fake-tts+cache', 'remote-tts']);
    expect([engines.vad.name, engines.stt.name, engines.llm.name]).toEqual(['fake-vad', 'fake-stt', 'fake-llm']);
    expect(engines.memory).toBeUndefined();
  });

  it('memory on without a URL is a configuration error', async () => {
    const clock = new ManualClock();
    const context = { bus: createMessageBus(createMemoryTransport(), { clock }), clock, sessionId: 's1', sink: createPacedSink({ clock, sampleRateHz: 16_000 }) };
    await expect(buildSessionEngines(loadConfig({ overrides: { ...fakes, features: { memory: true } } }), context)).rejects.toThrow(/memory\.url is not set/);
  });

  it('names the engines this build offers when one is unavailable', async () => {
    const clock = new ManualClock();
    const context = { bus: createMessageBus(createMemoryTransport(), { clock }), clock, sessionId: 's1', sink: createPacedSink({ clock, sampleRateHz: 16_000 }) };
    await expect(buildSessionEngines(loadConfig({ overrides: { ...fakes, stt: { engine: 'sherpa' } } }), context)).rejects.toThrow(
      'stt engine "sherpa" is not available in this build: use one of pocketsphinx, fake, remote',
    );
    await expect(buildSessionEngines(loadConfig({ overrides: { ...fakes, llm: { engine: 'openai' } } }), context)).rejects.toThrow(/needs llm\.baseUrl/);
  });
});
