import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFromEnv, ConfigError, loadConfig } from '../../runtime/config.js';
import { runtimeOptionsFrom } from '../../runtime/runtime-options.js';

const file = (content: string) => {
  const path = join(mkdtempSync(join(tmpdir(), 'va-config-')), 'voice-agent.json');
  writeFileSync(path, content);
  return path;
};

describe('configuration', () => {
  it('defaults to the embedded local stack', () => {
    const config = loadConfig();
    expect([config.vad.engine, config.stt.engine, config.llm.engine, config.tts.engines[0]!.engine]).toEqual([
      'webrtc',
      'pocketsphinx',
      'rules',
      'flite',
    ]);
    expect(config.features).toEqual({ streamingTts: true, bargeIn: true, memory: false, filler: true });
    expect(config.session.bargeIn.minSpeechMs).toBe(500);
  });

  it('reads a file and lets environment variables override it', () => {
    const path = file(
      JSON.stringify({ llm: { engine: 'openai', baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3' } }),
    );
    const config = loadConfig({
      file: path,
      env: { VA_LLM__MODEL: 'qwen2', VA_FEATURES__BARGE_IN: 'false', OPENAI_API_KEY: 'sk-test' },
    });
    expect(config.llm).toMatchObject({
      engine: 'openai',
      baseUrl: 'http://127.0.0.1:11434/v1',
      model: 'qwen2',
      apiKey: 'sk-test',
    });
    expect(config.features.bargeIn).toBe(false);
    // The one switch is what the chart runs on.
    expect(runtimeOptionsFrom(config).config.bargeIn.enabled).toBe(false);
    expect(runtimeOptionsFrom(loadConfig({ env: { VA_FEATURES__FILLER: 'false' } })).config.filler).toBe(false);
  });

  it('maps VA_ variables to nested camelCase paths and parses JSON values', () => {
    expect(
      configFromEnv({
        VA_SESSION__TIMEOUTS__NO_INPUT_MS: '3000',
        VA_TTS__PHRASES: '["Hi."]',
        VA_NATS__SERVERS: 'nats://h:4222',
        PATH: '/bin',
      }),
    ).toEqual({
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
    expect(() => loadConfig({ file: '/nonexistent/va.json' })).toThrow(
      /config file \/nonexistent\/va\.json cannot be read/,
    );
    expect(() => loadConfig({ file: file('{ nope') })).toThrow(/is not valid JSON/);
  });

  it('rejects unknown keys instead of ignoring a typo, naming the nearest real key and its variable', () => {
    expect(() => loadConfig({ overrides: { llm: { modle: 'x' } } })).toThrow(
      /llm\.modle: not a setting; the nearest is llm\.model \(VA_LLM__MODEL\)/,
    );
    expect(() => loadConfig({ overrides: { apiKey: 'x' } })).toThrow(
      /apiKey: not a setting; the nearest is stt\.apiKey \(VA_STT__API_KEY\)/,
    );
  });

  it('a key that moved names the one that replaced it', () => {
    expect(() => loadConfig({ overrides: { session: { bargeIn: { enabled: false } } } })).toThrow(
      /session\.bargeIn\.enabled: moved to features\.bargeIn \(VA_FEATURES__BARGE_IN\)/,
    );
    expect(() => loadConfig({ env: { VA_SESSION__FILLER: 'false' } })).toThrow(
      /VA_SESSION__FILLER: moved to VA_FEATURES__FILLER \(features\.filler\)/,
    );
  });

  it(
    'VA_API_KEY and VA_CONFIG are no settings; any other unknown VA_ variable is named with the nearest ' + 'real one',
    () => {
      expect(loadConfig({ env: { VA_API_KEY: 'x', VA_CONFIG: '' } }).llm.engine).toBe('rules');
      let message = '';
      try {
        loadConfig({ env: { VA_LLM__MODLE: 'x', VA_APIKEY: 'y' } });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toContain('VA_LLM__MODLE: not a setting; the nearest is VA_LLM__MODEL (llm.model)');
      expect(message).toMatch(/VA_APIKEY: not a setting; the nearest is VA_[A-Z]/);
      // Every hint names a whole variable, never the bare prefix.
      expect(message).not.toMatch(/VA_(\s|\)|$)/m);
    },
  );

  it('a text key takes a variable as it is; other keys parse it as JSON', () => {
    const config = loadConfig({
      env: {
        VA_LLM__MODEL: '123',
        VA_STT__MLLR_PATH: 'null',
        VA_LANGUAGES__ZH__VOICE: 'cmn',
        VA_SERVER__TLS: '{"certPath":"c.pem","keyPath":"k.pem"}',
      },
    });
    expect(config.llm.model).toBe('123');
    expect(config.stt.mllrPath).toBeNull();
    expect(config.languages.zh?.voice).toBe('cmn');
    expect(config.server.tls).toEqual({ certPath: 'c.pem', keyPath: 'k.pem' });
  });

  it('NATS is off unless configured: nats.servers has no default', () => {
    expect(loadConfig().nats.servers).toBeUndefined();
    expect(loadConfig({ env: { VA_NATS__SERVERS: 'nats://127.0.0.1:4222' } }).nats.servers).toBe(
      'nats://127.0.0.1:4222',
    );
  });
});
