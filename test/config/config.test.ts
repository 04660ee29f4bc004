import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnv, ConfigError, loadConfig } from '../../server/config.js';
import { runtimeOptionsFrom } from '../../server/runtime-options.js';

const file = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'va-config-')), 'voice-agent.json');
  writeFileSync(path, content);
  return path;
};

describe('configuration', () => {
  it('defaults to the embedded local stack', () => {
    const config = loadConfig();
    expect([config.vad.engine, config.stt.engine, config.llm.engine, config.tts.engines[0]!.engine]).toEqual(['webrtc', 'pocketsphinx', 'rules', 'flite']);
    expect(config.features).toEqual({ streamingTts: true, bargeIn: true, memory: false, filler: true });
    expect(config.session.bargeIn.minSpeechMs).toBe(500);
  });

  it('reads a file and lets environment variables override it', () => {
    const path = file(JSON.stringify({ llm: { engine: 'openai', baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3' } }));
    const config = loadConfig({ file: path, env: { VA_LLM__MODEL: 'qwen2', VA_FEATURES__BARGE_IN: 'false', OPENAI_API_KEY: 'sk-test' } });
    expect(config.llm).toMatchObject({ engine: 'openai', baseUrl: 'http://127.0.0.1:11434/v1', model: 'qwen2', apiKey: 'sk-test' });
    expect(config.features.bargeIn).toBe(false);
    // The flag wins over the detailed setting where config becomes runtime options.
    expect(runtimeOptionsFrom(config).config.bargeIn.enabled).toBe(false);
  });

  it('maps VA_ variables to nested camelCase paths and parses JSON values', () => {
    expect(configFromEnv({ VA_SESSION__TIMEOUTS__NO_INPUT_MS: '3000', VA_TTS__PHRASES: '["Hi."]', VA_NATS__SERVERS: 'nats://h:4222', PATH: '/bin' })).toEqual({
      session: { timeouts: { noInputMs: 3000 } },
      tts: { phrases: ['Hi.'] },
      nats: { servers: 'nats://h:4222' },
    });
  });

  it('names every bad field and where to set it', () => {
    const path = file(JSON.stringify({ vad: { mode: 7 }, llm: { engine: 'gpt' } }));
    let error: unknown;
    try {
      loadConfig({ file: path, env: { VA_SESSION__BARGE_IN__MIN_SPEECH_MS: '-5' } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain('vad.mode');
    expect(message).toContain('VA_VAD__MODE');
    expect(message).toContain('llm.engine');
    expect(message).toContain('session.bargeIn.minSpeechMs');
    expect(message).toContain('VA_SESSION__BARGE_IN__MIN_SPEECH_MS');
  });

  it('says which file is unreadable or not JSON', () => {
    expect(() => loadConfig({ file: '/nonexistent/va.json' })).toThrow(/config file \/nonexistent\/va\.json cannot be read/);
    expect(() => loadConfig({ file: file('{ nope') })).toThrow(/is not valid JSON/);
  });

  it('rejects unknown keys instead of ignoring a typo', () => {
    expect(() => loadConfig({ overrides: { llm: { modle: 'x' } } })).toThrow(/llm/);
  });
});
