// The eSpeak-NG synthesizer on a worker thread (see espeak.ts). eSpeak calls back synchronously with
// ~100 ms of audio at a time while it synthesizes; each chunk is posted to the main thread at once, so
// the main thread streams it while synthesis goes on and never blocks on it. A cancel cannot arrive as
// a message during a synchronous synthesis, so it comes through shared memory: the callback returns 1
// (stop) when `cancelled[0]` holds the running request's id.
import { parentPort, workerData } from 'node:worker_threads';

const cancelled = new Int32Array(workerData.cancelled);
let module;
let worker;
let currentVoice = '';
let knownVoices;

// Loaded once, before the first request is served; requests that arrive meanwhile wait in order.
const ready = (async () => {
  const factory = (await import('@echogarden/espeak-ng-emscripten')).default;
  module = await factory();
  worker = new module.eSpeakNGWorker();
})();

function voiceIds() {
  const ids = [];
  for (let i = 0; ; i++) {
    const voice = worker.get_voices(i);
    if (!voice || !module.getPointer(voice)) break;
    ids.push(voice.get_identifier().split('/').pop().toLowerCase());
  }
  return ids;
}

// espeak_EVENT in wasm32 memory: type @0, audio_position (ms) @16, id union (a phoneme's UTF-8 name, ≤ 8 bytes) @28.
const EVENT_BYTES = 36;
const EVENT_PHONEME = 7;
const EVENT_LIST_TERMINATED = 0;
const utf8 = new TextDecoder();

/** The phoneme events eSpeak passes with a chunk: [{ atMs, name }]. */
function phonemeEvents(pointer) {
  const out = [];
  for (let e = pointer; pointer !== 0; e += EVENT_BYTES) {
    const type = module.HEAP32[e >> 2];
    if (type === EVENT_LIST_TERMINATED) break;
    if (type !== EVENT_PHONEME) continue;
    const bytes = module.HEAPU8.subarray(e + 28, e + 36);
    const end = bytes.indexOf(0);
    out.push({ atMs: module.HEAP32[(e >> 2) + 4], name: utf8.decode(bytes.subarray(0, end < 0 ? 8 : end)) });
  }
  return out;
}

function synthesize({ id, text, voice, rateWpm, pitch }) {
  if (voice !== currentVoice) {
    // set_voice reports success for names it does not know (and keeps the old voice): check the list.
    knownVoices ??= new Set(voiceIds());
    // A variant after "+" (en-us+f3, a voice quality of eSpeak's) goes with any known voice.
    if (!knownVoices.has(voice.toLowerCase().split('+')[0]) || worker.set_voice(voice) !== 0) {
      parentPort.postMessage({
        id,
        error:
          `eSpeak-NG has no voice "${voice}": use a language such as en, zh, de, fr (or an eSpeak voice id: ` +
          `${[...knownVoices].slice(0, 12).join(', ')}, … ${knownVoices.size} in all)`,
      });
      return;
    }
    currentVoice = voice;
  }
  worker.set_rate(rateWpm);
  // Pitch is per request: a voice change resets it to the voice's own, and requests of other engines share this worker.
  worker.set_pitch(pitch ?? 50);
  const callback = module.addFunction((pointer, samples, events) => {
    if (Atomics.load(cancelled, 0) === id) return 1;
    const phonemes = phonemeEvents(events);
    if (phonemes.length > 0) parentPort.postMessage({ id, phonemes });
    if (samples > 0) {
      const chunk = module.HEAPU8.slice(pointer, pointer + samples * 2);
      parentPort.postMessage({ id, chunk }, [chunk.buffer]);
    }
    return 0;
  }, 'iiii');
  try {
    worker.synth_(text, callback);
  } finally {
    module.removeFunction(callback);
  }
  parentPort.postMessage({ id, done: true });
}

parentPort.on('message', async (request) => {
  try {
    await ready;
    synthesize(request);
  } catch (error) {
    parentPort.postMessage({ id: request.id, error: String(error?.message ?? error) });
  }
});
