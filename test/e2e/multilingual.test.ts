/**
 * A mixed English/Mandarin reply on real engines: flite (English only) speaks the English clauses and the
 * `zh` chain of its own (eSpeak-NG, optional dependency) the Mandarin ones, each clause by its script.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createRecordingSink } from '../../adapters/audio/recording-sink.js';
import { systemClock } from '../../adapters/clock.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import type { BusMessage } from '../../bus/messages.js';
import { loadConfig } from '../../runtime/config.js';
import { buildEngines } from '../../runtime/engine-pool.js';
import { startSession } from '../../runtime/session-host.js';

const espeakInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@echogarden/espeak-ng-emscripten');
    return true;
  } catch {
    return false;
  }
})();

describe.runIf(espeakInstalled)('multilingual replies', () => {
  it('each clause is spoken by the chain and voice of its language', async () => {
    const config = loadConfig({
      overrides: { languages: { zh: { tts: [{ engine: 'espeak', language: 'zh' }] } }, tts: { phrases: [] } },
    });
    const pool = buildEngines(config, { clock: systemClock });
    await pool.warmUp();
    const bus = createMessageBus(createMemoryTransport(), { clock: systemClock });
    const sink = createRecordingSink(systemClock, config.audio.outputRateHz);
    const engines = await pool.bind({ sessionId: 'mixed', bus, sink });
    const seen: BusMessage[] = [];
    bus.subscribe('va.mixed.>', (m) => seen.push(m));
    const session = startSession({ sessionId: 'mixed', bus, clock: systemClock, engines, ...pool.runtime });
    await session.ready();
    session.say('The weather is fine. 今天天气很好。 Have a nice day.');
    const deadline = Date.now() + 20_000;
    while (!seen.some((m) => m.type === 'playback.finished') && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    // Requests run in parallel (eSpeak's first waits for its resampler), so they are compared by segment.
    const requested = seen
      .flatMap((m) => (m.type === 'tts.requested' ? [[m.segmentIndex, m.engine] as const] : []))
      .sort((a, b) => a[0] - b[0]);
    expect(requested).toEqual([
      [0, 'flite(kal16)'],
      [1, 'espeak(cmn)'],
      [2, 'flite(kal16)'],
    ]);
    const finished = seen.find((m) => m.type === 'playback.finished');
    expect(finished?.type === 'playback.finished' && finished.segments.map((s) => [s.text, s.playedMs > 500])).toEqual([
      ['The weather is fine.', true],
      ['今天天气很好。', true],
      ['Have a nice day.', true],
    ]);
    await session.stop();
    engines.release();
    await bus.close();
  }, 30_000);
});
