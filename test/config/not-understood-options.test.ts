/**
 * Rejection settings become the chart's options: `stt.minConfidence` → `session.minConfidence`, and the
 * re-prompt is the rule policy's fallback reply when the rules answer, else `session.notUnderstoodText`.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../adapters/clock.js';
import { loadRulesFile } from '../../adapters/llm/rules.js';
import { loadConfig } from '../../runtime/config.js';
import { buildEngines } from '../../runtime/engine-pool.js';
import { runtimeOptionsFrom } from '../../runtime/runtime-options.js';

const fakes = { stt: { engine: 'fake' }, tts: { engines: [{ engine: 'fake' }], warmUp: false } } as const;

describe('not-understood options', () => {
  it('stt.minConfidence reaches the session config, 0.2 by default', () => {
    expect(runtimeOptionsFrom(loadConfig()).config.minConfidence).toBe(0.2);
    expect(runtimeOptionsFrom(loadConfig({ env: { VA_STT__MIN_CONFIDENCE: '0.35' } })).config.minConfidence).toBe(0.35);
    expect(() => loadConfig({ env: { VA_STT__MIN_CONFIDENCE: '2' } })).toThrow(/stt\.minConfidence/);
  });

  it('the re-prompt is the rule policy fallback with the rules, the session text otherwise', () => {
    const rules = buildEngines(loadConfig({ overrides: fakes }), { clock: systemClock });
    expect(rules.runtime.config.notUnderstoodText).toBe(loadRulesFile('examples/robot-rules.json').fallback.reply);
    const openai = buildEngines(
      loadConfig({ overrides: { ...fakes, llm: { engine: 'fake' }, session: { notUnderstoodText: 'Pardon?' } } }),
      {
        clock: systemClock,
      },
    );
    expect(openai.runtime.config.notUnderstoodText).toBe('Pardon?');
  });
});
