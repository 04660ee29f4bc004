/**
 * `session.activation` from the configuration: the chart gets the mode and the window (its activation
 * region runs the gate), the session host gives the VAD actor the mode and the stop phrases, and the
 * spotter is built for what the mode listens for.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ACTIVATION_OPTIONS as ACTIVATION } from '../../actors/activation-settings.js';
import { makeSpeechFrame } from '../../adapters/testing/index.js';
import { resolveSessionConfig } from '../../machines/config.js';
import { loadConfig } from '../../runtime/config.js';
import { buildKeywordSpotter, buildStopSpotter } from '../../runtime/engines.js';
import { runtimeOptionsFrom } from '../../runtime/runtime-options.js';
import { startSession } from '../../runtime/session-host.js';
import { createHarness, RATE, SESSION } from '../support/actor-harness.js';

const withMode = (mode: string) => loadConfig({ env: { VA_SESSION__ACTIVATION__MODE: mode } as NodeJS.ProcessEnv });

describe('session.activation', () => {
  it(
    "goes to the chart (mode and window), and from the chart's config to the VAD actor (mode and stop " + 'phrases)',
    async () => {
      const runtime = runtimeOptionsFrom(withMode('wake'));
      expect(runtime.config.activation).toEqual({ mode: 'wake', windowMs: 8000 });
      expect(runtime.pipeline).not.toHaveProperty('activation');
      // The session host gives the VAD actor the chart's mode: in `wake` speech is no utterance until listening opens.
      const h = createHarness();
      const { vad, stt, llm, tts, sink } = h.deps;
      const session = startSession({
        sessionId: SESSION,
        bus: h.bus,
        clock: h.clock,
        engines: { vad, stt, llm, tts, sink },
        config: runtime.config,
      });
      const speak = async () => {
        for (let i = 0; i < 10; i++) session.pushAudio(makeSpeechFrame(RATE, 20, i), RATE);
        await h.settle();
      };
      await speak();
      expect(h.ofType('vad.speech_start')).toEqual([]);
      h.publish({ type: 'control.listen', sessionId: SESSION, turnId: '-', open: true });
      await h.settle();
      await speak();
      expect(h.ofType('vad.speech_start')).toHaveLength(1);
      await session.stop();
    },
  );

  it("the chart's default is the application's: always, an 8 s window", () => {
    expect(resolveSessionConfig().activation).toEqual({ mode: ACTIVATION.mode, windowMs: ACTIVATION.windowMs });
  });

  it('a wake spotter in wake only, for the wake phrase; the stop spotter in every mode, for the stop phrases', () => {
    expect(buildKeywordSpotter(withMode('always'))).toBeUndefined();
    expect(buildKeywordSpotter(withMode('push'))).toBeUndefined();
    expect(buildKeywordSpotter(withMode('wake'))!.phrases).toEqual([
      {
        phrase: 'hey robot',
        threshold: ACTIVATION.wakeThreshold,
        minLeadDb: ACTIVATION.wakeLeadDb,
        minConfidence: ACTIVATION.wakeConfidence,
      },
    ]);
    for (const mode of ['always', 'push', 'wake'] as const) {
      expect(buildStopSpotter(withMode(mode))!.phrases, mode).toEqual(
        ['stop', 'halt', 'emergency stop'].map((phrase) => ({
          phrase,
          threshold: ACTIVATION.stopThreshold,
          relaxedThreshold: ACTIVATION.stopThresholdOverReply,
          minLeadDb: ACTIVATION.stopLeadDb,
        })),
      );
    }
    const off = loadConfig({ env: { VA_SESSION__ESTOP__SPOTTER: 'false' } as NodeJS.ProcessEnv });
    expect(buildStopSpotter(off)).toBeUndefined();
  });

  it('a wake phrase outside the dictionary fails with the words to change', () => {
    const config = loadConfig({
      env: {
        VA_SESSION__ACTIVATION__MODE: 'wake',
        VA_SESSION__ACTIVATION__WAKE_PHRASES: '["hey zorblax"]',
      } as NodeJS.ProcessEnv,
    });
    expect(() => buildKeywordSpotter(config)).toThrow(/"zorblax" are not in the dictionary/);
  });
});
