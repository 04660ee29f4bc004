import { loadConfig } from './server/config.js';
const t = (f: () => unknown) => { try { f(); console.log('ok'); } catch (e) { console.log((e as Error).message); } };
t(() => loadConfig({ env: { VA_SESSION__FILLER: 'false', VA_FOO: '1', VA_API_KEY: 'x', VA_CONFIG: '' } }));
t(() => loadConfig({ overrides: { apiKey: 'x', llm: { modle: 'x' }, session: { bargeIn: { enabled: false } } } }));
t(() => loadConfig({ overrides: { tts: { engines: [{ engine: 'openai', baseUrl: 'nope' }] }, languages: { zh: { voice: '' } }, vad: { mode: 9 } } }));
t(() => loadConfig({ env: { VA_LLM__MODEL: '123', VA_STT__MLLR_PATH: 'null', VA_NATS__SERVERS: 'nats://a:1,nats://b:2', VA_LANGUAGES__ZH__VOICE: 'cmn', VA_STT__SHERPA__ENCODER: '/x' } }));
console.log(JSON.stringify(loadConfig({ env: { VA_LLM__MODEL: '123', VA_STT__MLLR_PATH: 'null', VA_LANGUAGES__ZH__VOICE: 'cmn' } }).languages), loadConfig({ env: { VA_LLM__MODEL: '123', VA_STT__MLLR_PATH: 'null' } }).llm.model, loadConfig({ env: { VA_STT__MLLR_PATH: 'null' } }).stt.mllrPath);
