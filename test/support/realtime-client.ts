/**
 * Drives a `voice-agent serve` with the `openai` package's own Realtime client (`OpenAIRealtimeWS`) —
 * a real third-party client, not ours: records every server event, waits for events, and streams audio
 * as `input_audio_buffer.append` in 20 ms chunks at the pace it would be recorded.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { OpenAIRealtimeWS } from 'openai/realtime/ws';
import type { RealtimeClientEvent, RealtimeServerEvent } from 'openai/resources/realtime/realtime';

export interface RealtimeTestClient {
  readonly rt: OpenAIRealtimeWS;
  readonly events: RealtimeServerEvent[];
  /** Error events the client saw (the `openai` client reports them apart from other events). */
  readonly errors: Array<{ code?: string | null; message: string; event_id?: string | null }>;
  send(event: RealtimeClientEvent): void;
  waitFor<T extends RealtimeServerEvent['type']>(
    type: T,
    match?: (e: Extract<RealtimeServerEvent, { type: T }>) => boolean,
    timeoutMs?: number,
  ): Promise<Extract<RealtimeServerEvent, { type: T }>>;
  /** Appends s16le 24 kHz audio in 20 ms chunks, in real time. */
  streamAudio(pcm24k: Uint8Array): Promise<void>;
  ofType<T extends RealtimeServerEvent['type']>(type: T): Array<Extract<RealtimeServerEvent, { type: T }>>;
  close(): void;
}

/** 20 ms of 24 kHz s16le. */
const CHUNK_BYTES = 960;

export async function connectRealtimeClient(options: {
  baseURL: string;
  apiKey: string;
  ca?: Buffer;
  protocols?: string[];
}): Promise<RealtimeTestClient> {
  const client = new OpenAI({ apiKey: options.apiKey, baseURL: options.baseURL });
  const rt = new OpenAIRealtimeWS(
    { model: 'voice-agent', options: { ...(options.ca ? { ca: options.ca } : {}) } },
    client,
  );
  const events: RealtimeServerEvent[] = [];
  const errors: RealtimeTestClient['errors'] = [];
  rt.on('event', (e) => events.push(e));
  rt.on('error', (e) =>
    errors.push({ code: e.error?.code ?? null, message: e.message, event_id: e.error?.event_id ?? null }),
  );
  await new Promise<void>((resolve, reject) => {
    rt.socket.once('open', () => resolve());
    rt.socket.once('error', reject);
    rt.socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  const ofType = <T extends RealtimeServerEvent['type']>(type: T) =>
    events.filter((e): e is Extract<RealtimeServerEvent, { type: T }> => e.type === type);
  return {
    rt,
    events,
    errors,
    ofType,
    send: (event) => rt.send(event),
    async waitFor(type, match = () => true, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = ofType(type).find(match);
        if (found) return found;
        if (Date.now() > deadline)
          throw new Error(
            `no ${type} within ${timeoutMs} ms; saw: ${events.map((e) => e.type).join(', ')}; errors: ` +
              `${JSON.stringify(errors)}`,
          );
        await sleep(10);
      }
    },
    async streamAudio(pcm) {
      const started = Date.now();
      for (let i = 0, n = 0; i < pcm.byteLength; i += CHUNK_BYTES, n++) {
        rt.send({
          type: 'input_audio_buffer.append',
          audio: Buffer.from(pcm.subarray(i, i + CHUNK_BYTES)).toString('base64'),
        });
        await sleep(Math.max(0, started + (n + 1) * 20 - Date.now()));
      }
    },
    close: () => rt.close(),
  };
}
