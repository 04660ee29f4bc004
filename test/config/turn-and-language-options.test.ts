/**
 * End-of-turn and language settings become the chart's and the actors' options in the one place config
 * becomes runtime options: `session.turn.speculate: auto` is off for the rule policy and on for an LLM;
 * `languages.<tag>.systemPrompt` becomes the chart's per-language prompts; `languages.<main>.sttLanguage`
 * is the STT hint (`auto`: none).
 */
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../runtime/config.js';
import { runtimeOptionsFrom } from '../../runtime/runtime-options.js';

describe('turn and language options', () => {
  it('speculation: auto is off for the rules, on for an LLM; on/off are kept', () => {
    expect(runtimeOptionsFrom(loadConfig()).config.turn).toEqual({ completePauseMs: 200, speculate: 'off' });
    expect(runtimeOptionsFrom(loadConfig({ overrides: { llm: { engine: 'fake' } } })).config.turn.speculate).toBe('on');
    expect(
      runtimeOptionsFrom(loadConfig({ overrides: { session: { turn: { speculate: 'on' } } } })).config.turn.speculate,
    ).toBe('on');
    expect(
      runtimeOptionsFrom(
        loadConfig({ overrides: { llm: { engine: 'fake' }, session: { turn: { speculate: 'off' } } } }),
      ).config.turn.speculate,
    ).toBe('off');
    expect(() => loadConfig({ env: { VA_SESSION__TURN__SPECULATE: 'maybe' } })).toThrow(/session\.turn\.speculate/);
  });

  it('per-language prompts and the STT hint', () => {
    const config = loadConfig({
      overrides: { languages: { zh: { systemPrompt: '请用中文回答。' }, en: { sttLanguage: 'auto' } } },
    });
    const runtime = runtimeOptionsFrom(config);
    expect(runtime.config.languagePrompts).toEqual({ zh: '请用中文回答。' });
    expect(runtime.pipeline.sttLanguage).toBe('auto');
    expect(runtimeOptionsFrom(loadConfig()).pipeline.sttLanguage).toBeUndefined();
  });
});
