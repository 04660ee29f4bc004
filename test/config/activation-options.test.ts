/**
 * `session.activation` from the configuration: the VAD actor gets the mode, window and stop phrases
 * (the chart's config never sees them), and the spotter is built for what the mode listens for.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_ACTIVATION_OPTIONS as ACTIVATION } from '../../actors/activation-settings.js';
import { loadConfig } from '../../server/config.js';
import { buildKeywordSpotter } from '../../server/engines.js';
import { runtimeOptionsFrom } from '../../server/runtime-options.js';

const withMode = (mode: string) => loadConfig({ env: { VA_SESSION__ACTIVATION__MODE: mode } as NodeJS.ProcessEnv });

describe('session.activation', () => {
  it('goes to the VAD actor, not to the chart', () => {
    const runtime = runtimeOptionsFrom(withMode('wake'));
    expect(runtime.pipeline.activation).toEqual({ mode: 'wake', windowMs: 8000, stopPhrases: ['stop', 'halt', 'emergency stop'] });
    expect(runtime.config).not.toHaveProperty('activation');
  });

  it('always: no spotter; push: the stop phrases only; wake: the wake phrase and the stop phrases', () => {
    expect(buildKeywordSpotter(withMode('always'))).toBeUndefined();
    expect(buildKeywordSpotter(withMode('push'))!.phrases.map((p) => p.phrase)).toEqual(['stop', 'halt', 'emergency stop']);
    const wake = buildKeywordSpotter(withMode('wake'))!;
    expect(wake.phrases).toEqual([
      { phrase: 'hey robot', threshold: ACTIVATION.wakeThreshold, minLeadDb: ACTIVATION.wakeLeadDb, minConfidence: ACTIVATION.wakeConfidence },
      ...['stop', 'halt', 'emergency stop'].map((phrase) => ({ phrase, threshold: ACTIVATION.stopThreshold, minLeadDb: ACTIVATION.stopLeadDb })),
    ]);
  });

  it('a wake phrase outside the dictionary fails with the words to change', () => {
    const config = loadConfig({ env: { VA_SESSION__ACTIVATION__MODE: 'wake', VA_SESSION__ACTIVATION__WAKE_PHRASES: '["hey zorblax"]' } as NodeJS.ProcessEnv });
    expect(() => buildKeywordSpotter(config)).toThrow(/"zorblax" are not in the dictionary/);
  });
});
