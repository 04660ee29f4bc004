/** Setup for the TTS actor tests: two controlled engines (tts-a, tts-b) and compact views of tts.* traffic. */
import { createActor } from 'xstate';
import { createControlledTts, type ControlledTts } from '../../adapters/testing/index.js';
import { createTtsActor } from '../../actors/tts.js';
import { createHarness, RATE, SESSION } from '../support/actor-harness.js';

export interface TtsSetupOptions {
  say?: string;
  ttsConcurrency?: number;
  ttsLookAheadMs?: number;
}

export async function setupTts(options: TtsSetupOptions = {}) {
  const engines: [ControlledTts, ControlledTts] = [
    createControlledTts({ name: 'tts-a', sampleRateHz: RATE }),
    createControlledTts({ name: 'tts-b', sampleRateHz: RATE }),
  ];
  const h = createHarness({
    tts: engines,
    pipeline: {
      ttsConcurrency: options.ttsConcurrency ?? 2,
      ...(options.ttsLookAheadMs === undefined ? {} : { ttsLookAheadMs: options.ttsLookAheadMs }),
    },
  });
  const input =
    options.say === undefined
      ? { sessionId: SESSION, turnId: 't1' }
      : { sessionId: SESSION, turnId: 't1', say: options.say };
  const actor = createActor(createTtsActor(h.deps), { input }).start();
  await h.settle();
  let clauses = 0;
  const [a, b] = engines;
  return {
    h,
    actor,
    a,
    b,
    clause: (text: string) =>
      h.publish({ type: 'llm.clause', sessionId: SESSION, turnId: 't1', index: clauses++, text }),
    playbackStarted: () => h.publish({ type: 'playback.started', sessionId: SESSION, turnId: 't1', kind: 'reply' }),
    llmDone: () => h.publish({ type: 'llm.done', sessionId: SESSION, turnId: 't1', text: '', clauses }),
    /** Texts of the requests each engine got, in order. */
    requested: () => engines.map((e) => e.requests.map((r) => r.text)),
    /** Number of requests not aborted and not finished, over both engines. */
    active: () => a.activeRequests().length + b.activeRequests().length,
    /** tts.* messages as compact tuples, in publish order. */
    ttsLog: () =>
      h.messages
        .filter((m) => m.type.startsWith('tts.'))
        .map((m) => {
          switch (m.type) {
            case 'tts.requested':
              return ['requested', m.segmentIndex, m.kind, m.engine];
            case 'tts.first_chunk':
              return ['first_chunk', m.segmentIndex, m.kind, m.engine, m.latencyMs];
            case 'tts.chunk':
              return ['chunk', m.segmentIndex, m.kind, m.seq, m.text, m.audio.byteLength, m.final];
            case 'tts.done':
              return ['done', m.segments];
            case 'tts.fallback':
              return ['fallback', m.fromEngine, m.toEngine, m.reason];
            case 'tts.error':
              return ['error', m.message, m.fatal];
            case 'tts.stopped':
              return ['stopped', ...m.texts];
            default:
              return [m.type];
          }
        }),
  };
}
