/**
 * Microsoft Edge's online voices (`msedge-tts`, MIT; the service needs internet access to
 * speech.platform.bing.com and is not an official API). The service only sends MP3 or WebM/Opus, so the
 * MP3 stream is decoded as it arrives (`mpg123-decoder`, WASM, MIT) into s16le mono at 24 kHz and
 * yielded chunk by chunk. One WebSocket per engine is kept open between requests.
 *
 * Cancel: the service has no per-request cancel, so an abort stops reading and drops the rest; the
 * server finishes that clause into the void (clauses are short). A dead connection ends a stream early:
 * a stream that ends without audio, or stays silent for `idleTimeoutMs`, is an {@link EdgeTtsError},
 * which the TTS actor's failover turns into the next engine (put `flite` after `edge` in the chain).
 *
 * Not exercised here (no internet in CI): the tests drive this adapter through {@link EdgeClient}, the
 * small surface it uses from `msedge-tts`, with a fake client and real MP3 data.
 *
 * @example
 * ```ts
 * const tts = createEdgeTts({ voice: 'zh-CN-XiaoxiaoNeural' });
 * for await (const chunk of tts.synthesize({ text: '你好。', signal })) play(chunk);
 * ```
 */
import { MPEGDecoder } from 'mpg123-decoder';
import { float32ToPcm } from '../audio/pcm.js';
import { createChannel } from '../channel.js';
import { EngineError } from '../engine-error.js';
import { importOptional, requirePackage } from '../optional-package.js';
import type { TtsEngine } from './types.js';

/** What this adapter needs from `msedge-tts`: connect with a voice and format, stream one SSML text. */
export interface EdgeClient {
  setMetadata(voice: string, format: string): Promise<void>;
  /** `text` goes into the package's SSML template as is, so it must already be XML-escaped. */
  toStream(text: string): NodeJS.ReadableStream;
  close(): void;
}
export type EdgeClientFactory = () => EdgeClient;

export interface EdgeTtsOptions {
  /** An Edge voice short name. Why Aria: a clear, neutral US English neural voice. */
  voice?: string;
  /** Replaces the real `msedge-tts` client (tests, proxies). */
  client?: EdgeClientFactory;
  /** Why 5 s: Edge answers within a few hundred ms; silence this long means a dead connection. */
  idleTimeoutMs?: number;
}

/** The Edge voice service failed; the message says what to check and what to fall back to. */
export class EdgeTtsError extends EngineError {
  override name = 'EdgeTtsError';
  /** Network trouble (the default) may pass; a broken stream format will not. */
  constructor(message: string, options: { cause?: unknown; retryable?: boolean } = {}) {
    super(message, { ...options, retryable: options.retryable ?? true });
  }
}

// Optional: only this engine needs it (see optional-package.ts).
const edgePackage = await importOptional(() => import('msedge-tts'), 'msedge-tts');

const EDGE_RATE_HZ = 24_000;
/** `OUTPUT_FORMAT.AUDIO_24KHZ_48KBITRATE_MONO_MP3` of `msedge-tts`, the service's own format name. */
const FORMAT = 'audio-24khz-48kbitrate-mono-mp3';
const FALLBACK_HINT =
  'Edge voices need internet access to speech.platform.bing.com; add a local engine such as flite after edge in ' +
  'tts.engines';

/** Escapes text for the SSML document the package wraps around it. */
export function escapeSsml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}

export function createEdgeTts(options: EdgeTtsOptions = {}): TtsEngine {
  const voice = options.voice ?? 'en-US-AriaNeural';
  const idleTimeoutMs = options.idleTimeoutMs ?? 5000;
  const makeClient =
    options.client ??
    ((): EdgeClient => {
      const { MsEdgeTTS } = requirePackage(edgePackage, 'msedge-tts', '`tts.engine: edge`');
      return new MsEdgeTTS() as unknown as EdgeClient;
    });
  let client: EdgeClient | undefined;

  /** (Re)connects: msedge-tts reconnects inside setMetadata, where a failure can be caught. */
  const connect = async (): Promise<EdgeClient> => {
    client ??= makeClient();
    try {
      await client.setMetadata(voice, FORMAT);
      return client;
    } catch (error) {
      client = undefined;
      throw new EdgeTtsError(
        `Edge TTS could not connect (${String((error as Error)?.message ?? error)}): ` + `${FALLBACK_HINT}`,
        { cause: error },
      );
    }
  };

  async function* synthesize({ text, signal }: Parameters<TtsEngine['synthesize']>[0]): AsyncGenerator<Uint8Array> {
    if (signal.aborted) return;
    const edge = await connect();
    const decoder = new MPEGDecoder();
    await decoder.ready;
    const stream = edge.toStream(escapeSsml(text));
    const mp3 = createChannel<Uint8Array>();
    // Why an idle timer: msedge-tts never ends a stream whose connection silently died.
    let idleTimer: ReturnType<typeof setTimeout> | undefined;
    const armIdle = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(
        () => mp3.fail(new EdgeTtsError(`Edge TTS sent nothing for ${idleTimeoutMs} ms: ${FALLBACK_HINT}`)),
        idleTimeoutMs,
      );
    };
    const end = () => {
      clearTimeout(idleTimer);
      mp3.close();
    };
    stream.on('data', (data: Uint8Array) => {
      mp3.push(data);
      armIdle();
    });
    stream.on('end', end);
    stream.on('close', end);
    stream.on('error', (error: Error) => {
      clearTimeout(idleTimer);
      mp3.fail(new EdgeTtsError(`Edge TTS stream failed (${error.message}): ${FALLBACK_HINT}`, { cause: error }));
    });
    signal.addEventListener('abort', end, { once: true });
    armIdle();
    let bytesOut = 0;
    try {
      for await (const item of mp3) {
        if (signal.aborted) return;
        const decoded = decoder.decode(item);
        if (decoded.samplesDecoded === 0) continue;
        if (decoded.sampleRate !== EDGE_RATE_HZ)
          throw new EdgeTtsError(`Edge TTS sent ${decoded.sampleRate} Hz audio, expected ${EDGE_RATE_HZ}`, {
            retryable: false,
          });
        const pcm = float32ToPcm(decoded.channelData[0]!);
        bytesOut += pcm.byteLength;
        yield pcm;
      }
      if (signal.aborted) return;
      if (bytesOut === 0)
        throw new EdgeTtsError(
          `Edge TTS closed the connection without audio for "${text.slice(0, 40)}": ${FALLBACK_HINT}`,
        );
    } finally {
      clearTimeout(idleTimer);
      signal.removeEventListener('abort', end);
      stream.removeAllListeners('data');
      decoder.free();
    }
  }

  return {
    name: `edge(${voice})`,
    sampleRateHz: EDGE_RATE_HZ,
    async warmUp() {
      // The decoder's WASM compiles once per process (≈ 20 ms here); later decoders start in a few ms.
      const decoder = new MPEGDecoder();
      await decoder.ready;
      decoder.free();
      await connect();
    },
    synthesize,
  };
}
