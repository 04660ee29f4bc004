/**
 * The session's output audio on its way to the client: frames encoded in the output format and, without
 * lip sync, held for the rest of the tick and sent as one delta. Playback writes in batches (ten frames
 * at a reply's start, then five each time the client's buffer is down to 100 ms: `pipeline.refillBelowMs`),
 * so one WebSocket message instead of five is a fifth of the messages and system calls; a frame still
 * leaves in the tick it was written. The connection flushes before any other event, so nothing
 * (`response.done` above all) overtakes audio. With lip sync every frame carries its own mouth event, so
 * frames go out one by one.
 *
 * @example
 * ```ts
 * const out = createAudioOut({ responses, format: () => settings.outputFormat, lipSync: () => settings.lipSync });
 * out.write(frame, { turnId: 'u1' }); // sent at the end of the tick, or at the next out.flush()
 * ```
 */
import { encodeG711 } from '../../adapters/audio/g711.js';
import { mouthLevel } from '../../adapters/audio/mouth.js';
import type { AudioFormat } from './protocol.js';
import type { ResponseTracker } from './responses.js';

export interface AudioOut {
  /** One s16le frame of the reply `meta.turnId`. */
  write(frame: Uint8Array, meta: { turnId: string; viseme?: string }): void;
  /** Sends the frames held, if any. */
  flush(): void;
  /** Drops the frames held (the client flushes its own buffer on speech_started / response.done). */
  clear(): void;
  /** Frames are held (the next event must flush them first). */
  holding(): boolean;
}

const toBase64 = (bytes: Uint8Array) =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');

export function createAudioOut(options: {
  responses: Pick<ResponseTracker, 'onAudio'>;
  format(): AudioFormat;
  lipSync(): boolean;
}): AudioOut {
  let held: { turnId: string; frames: Uint8Array[] } | undefined;
  const flush = () => {
    const batch = held;
    if (!batch) return;
    held = undefined;
    options.responses.onAudio(
      batch.turnId,
      toBase64(batch.frames.length === 1 ? batch.frames[0]! : Buffer.concat(batch.frames)),
    );
  };
  return {
    write(frame, meta) {
      const format = options.format();
      const encoded =
        format.type === 'audio/pcm' ? frame : encodeG711(format.type === 'audio/pcmu' ? 'pcmu' : 'pcma', frame);
      if (options.lipSync()) {
        options.responses.onAudio(meta.turnId, toBase64(encoded), {
          level: mouthLevel(frame),
          ...(meta.viseme ? { viseme: meta.viseme } : {}),
        });
        return;
      }
      if (held && held.turnId !== meta.turnId) flush();
      if (!held) {
        held = { turnId: meta.turnId, frames: [] };
        queueMicrotask(flush);
      }
      held.frames.push(encoded);
    },
    flush,
    clear: () => void (held = undefined),
    holding: () => held !== undefined,
  };
}
