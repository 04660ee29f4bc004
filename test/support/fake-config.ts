/** Configuration overrides for server tests on the deterministic fakes (no models, no network). */
export const FAKE_ENGINES = {
  vad: { engine: 'fake' },
  stt: { engine: 'fake', fakeTranscripts: ['hello robot'] },
  llm: { engine: 'fake', fakeReply: 'Hello there. Here is a reply long enough to take a while to say out loud.' },
  tts: { engines: [{ engine: 'fake', latencyMs: 5, msPerWord: 100 }], phrases: [], warmUp: false },
} as const;
