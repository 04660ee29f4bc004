/**
 * The user's voice in the echo closed loop (echo-loop.ts): flite's voices speaking a line (16 kHz, kept
 * once made), set to the level the loop asks for against the agent's own speech, and resampled to the
 * client's rate.
 *
 * @example
 * ```ts
 * const user = await createUserVoice({ rateHz: 24_000, echoGainDb: -6, speakerOverUserDb: 10 });
 * const samples = await user.atUserLevel(await say('turn left', 'slt')); // 24 kHz, 10 dB under the echo
 * user.close();
 * ```
 */
import { createResampler } from '../adapters/audio/resample.js';
import { createFliteTts } from '../adapters/tts/flite.js';

/** flite's rate, at which every line is made. */
const SPEECH_RATE_HZ = 16_000;
const FRAME_SAMPLES = 320;
/** The agent's voice: the user never speaks in it. */
const AGENT_VOICE = 'kal16';

const speech = new Map<string, Int16Array>();

/** flite speaking `text` in `voice`, 16 kHz (made once per voice and text). */
export async function say(text: string, voice: string): Promise<Int16Array> {
  const key = `${voice}|${text}`;
  const cached = speech.get(key);
  if (cached) return cached;
  const parts: Uint8Array[] = [];
  const signal = new AbortController().signal;
  for await (const c of createFliteTts({ voice }).synthesize({ text, signal })) parts.push(c);
  const bytes = Buffer.concat(parts);
  const samples = new Int16Array(bytes.byteLength >> 1);
  new Uint8Array(samples.buffer).set(bytes.subarray(0, samples.length * 2));
  speech.set(key, samples);
  return samples;
}

/** Active RMS of speech: over 20 ms frames above -50 dBFS (pauses do not count). */
function activeRms(samples: Int16Array): number {
  let sum = 0;
  let n = 0;
  for (let at = 0; at + FRAME_SAMPLES <= samples.length; at += FRAME_SAMPLES) {
    let e = 0;
    for (let i = at; i < at + FRAME_SAMPLES; i++) e += samples[i]! * samples[i]!;
    if (e / FRAME_SAMPLES > (32768 * 10 ** (-50 / 20)) ** 2) {
      sum += e;
      n += FRAME_SAMPLES;
    }
  }
  return n > 0 ? Math.sqrt(sum / n) : 1;
}

export interface UserVoiceOptions {
  /** The client's rate (the microphone's). */
  rateHz: number;
  /** The echo's level relative to what played, dB. */
  echoGainDb: number;
  /** The echo's direct sound over the user's voice, dB; absent: the user's voice as flite speaks it. */
  speakerOverUserDb: number | undefined;
  /** The agent's lines: its level is theirs. */
  agentLines: readonly string[];
}

export interface UserVoice {
  /** 16 kHz speech at the user's level and the client's rate. */
  atUserLevel(samples: Int16Array): Promise<Int16Array>;
  close(): void;
}

/**
 * The user's level: flite's own, or set against the agent's so the echo's direct sound is
 * `speakerOverUserDb` over it.
 */
export async function createUserVoice(options: UserVoiceOptions): Promise<UserVoice> {
  const agentRms = activeRms(await say(options.agentLines.join('. '), AGENT_VOICE));
  const gainOf = (samples: Int16Array) => {
    if (options.speakerOverUserDb === undefined) return 1;
    const echoRms = agentRms * 10 ** (options.echoGainDb / 20);
    return echoRms / 10 ** (options.speakerOverUserDb / 20) / activeRms(samples);
  };
  const toHz = options.rateHz;
  const toRate = toHz === SPEECH_RATE_HZ ? undefined : await createResampler({ fromHz: SPEECH_RATE_HZ, toHz });
  return {
    async atUserLevel(samples) {
      const gain = gainOf(samples);
      const out = Int16Array.from(samples, (x) => Math.max(-32768, Math.min(32767, Math.round(x * gain))));
      if (!toRate) return out;
      const bytes = Buffer.concat([toRate.process(new Uint8Array(out.buffer)), toRate.flush()]);
      return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
    },
    close: () => toRate?.close(),
  };
}
