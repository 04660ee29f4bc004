import { describe, expect, it } from 'vitest';
import {
  createFakeLlm,
  createFakeStt,
  createFakeTts,
  createFakeVad,
  createPacedSink,
  ManualClock,
  settle,
} from '../../adapters/testing/index.js';
import { createMemoryTransport } from '../../bus/memory-transport.js';
import { createMessageBus } from '../../bus/message-bus.js';
import {
  assembleSession,
  givenEngines,
  type SessionRuntime,
  type SessionRuntimeOptions,
} from '../../runtime/assemble-session.js';
import type { SessionEngines } from '../../runtime/session-host.js';

const RATE = 16_000;

function setup() {
  const clock = new ManualClock();
  const bus = createMessageBus(createMemoryTransport(), { clock });
  const engines: Omit<SessionEngines, 'sink'> = {
    vad: createFakeVad({ sampleRateHz: RATE, frameMs: 20 }),
    stt: createFakeStt({ clock, transcripts: [] }),
    llm: createFakeLlm({ clock, reply: 'From the runtime.', name: 'runtime-llm' }),
    tts: [createFakeTts({ clock, sampleRateHz: RATE })],
  };
  const sinkFor = () => createPacedSink({ clock, sampleRateHz: RATE, frameMs: 20 });
  return { clock, bus, engines, sinkFor };
}

/** A runtime that logs what it binds and releases, in order, by session id and kind of sink. */
function loggingRuntime(
  engines: Omit<SessionEngines, 'sink'>,
  runtime: SessionRuntimeOptions,
  log: string[],
): SessionRuntime {
  return {
    runtime,
    bind: (binding) => {
      log.push(`bind ${binding.sessionId} ${binding.sinkKind ?? '-'}`);
      return Promise.resolve({
        ...engines,
        sink: binding.sink,
        release: () => void log.push(`release ${binding.sessionId}`),
      });
    },
  };
}

describe('assembleSession', () => {
  it(
    "binds the runtime's engines to the session's sink and starts the chart on them with the " + "runtime's options",
    async () => {
      const { clock, bus, engines, sinkFor } = setup();
      const log: string[] = [];
      const sink = sinkFor();
      const runtime = loggingRuntime(engines, { config: { timeouts: { noInputMs: 1234 } } }, log);
      const assembled = await assembleSession(runtime, { sessionId: 's1', bus, clock, sink, sinkKind: 'client' });
      await assembled.session.ready();
      await settle();
      expect(assembled.session.sessionId).toBe('s1');
      expect(assembled.session.state()).toBe('idle.waiting');
      expect(assembled.engines.sink).toBe(sink);
      expect(assembled.engines.llm).toBe(engines.llm);
      expect(assembled.session.actor.getSnapshot().context.config.timeouts.noInputMs).toBe(1234);
      await assembled.session.stop();
      assembled.release();
      expect(log).toEqual(['bind s1 client', 'release s1']);
    },
  );

  it(
    'runs on what the engines option makes of the bound engines, and the given config replaces the ' + "runtime's",
    async () => {
      const { clock, bus, engines, sinkFor } = setup();
      const log: string[] = [];
      const replaced = createFakeLlm({ clock, reply: 'From the option.', name: 'option-llm' });
      const assembled = await assembleSession(
        loggingRuntime(engines, { config: { timeouts: { noInputMs: 1234 } } }, log),
        {
          sessionId: 's2',
          bus,
          clock,
          sink: sinkFor(),
          config: { timeouts: { noInputMs: 999 } },
          engines: (bound) => ({ ...bound, llm: replaced }),
        },
      );
      await assembled.session.ready();
      expect(assembled.engines.llm).toBe(replaced);
      expect(assembled.session.actor.getSnapshot().context.config.timeouts.noInputMs).toBe(999);
      assembled.session.sendText('hello');
      await clock.advance(10_000);
      expect(assembled.session.history().map((h) => [h.role, h.text])).toEqual([
        ['user', 'hello'],
        ['assistant', 'From the option.'],
      ]);
      await assembled.session.stop();
      assembled.release();
      expect(log).toEqual(['bind s2 -', 'release s2']);
    },
  );

  it('releases what it bound when the chart cannot start, and rejects with the error', async () => {
    const { clock, bus, engines, sinkFor } = setup();
    const log: string[] = [];
    const started = assembleSession(loggingRuntime(engines, {}, log), {
      sessionId: 's3',
      bus,
      clock,
      sink: sinkFor(),
      config: { timeouts: { noInputMs: -1 } },
    });
    await expect(started).rejects.toThrow(/noInputMs/);
    expect(log).toEqual(['bind s3 -', 'release s3']);
  });

  it('givenEngines hands every session the same engines, each with its own sink, on the defaults', async () => {
    const { clock, bus, engines, sinkFor } = setup();
    const runtime = givenEngines(engines);
    expect(runtime.runtime).toEqual({});
    const [sinkA, sinkB] = [sinkFor(), sinkFor()];
    const a = await assembleSession(runtime, { sessionId: 'a', bus, clock, sink: sinkA });
    const b = await assembleSession(runtime, { sessionId: 'b', bus, clock, sink: sinkB });
    expect([a.engines.sink, b.engines.sink]).toEqual([sinkA, sinkB]);
    expect(a.engines.sink).not.toBe(b.engines.sink);
    expect(a.engines.vad).toBe(b.engines.vad);
    expect([a.session.sessionId, b.session.sessionId]).toEqual(['a', 'b']);
    await Promise.all([a.session.stop(), b.session.stop()]);
    a.release();
    b.release();
  });
});
